/**
 * Revenue guard: SCC's event item (SCC_EVENTS_TABLE, key `eventId`) is visible to crew, and SCC's
 * own sync may copy money onto it. After the event exists we read it (consistent read), REMOVE
 * every configured money attribute (at any depth of nested maps) and every money line of `notes`,
 * with an UpdateItem conditioned on exactly what we read still being there — a concurrent edit makes
 * us re-read instead of clobbering it — then read back and verify. Results count, never echo, money.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { IntegrationError } from './errors';

export interface RevenueGuardResult {
  /** Money attributes removed (counted, never their values). */
  removedAttributes: number;
  /** Lines removed from `notes`. */
  removedNoteLines: number;
  /** The item read back after the update held no money. */
  verified: boolean;
}

export interface RevenueGuardOptions {
  dynamodb: DynamoDBClient;
  table: string;
  /** Attribute names that hold money (matched case-insensitively), e.g. config.scc.moneyAttributes. */
  moneyAttributes: readonly string[];
  /** Waiting for SCC to write the item: reads and the pause between them (default 5 × 200 ms, doubling). */
  itemWait?: { attempts: number; delayMs: number };
  /** Re-reads after a concurrent edit (default 3). */
  maxConflicts?: number;
  notesAttribute?: string;
}

export class RevenueGuardError extends IntegrationError {
  override name = 'RevenueGuardError';
}

const CURRENCY = /[$€£]\s*\d|\d\s*(?:usd|dollars?)\b/i;
const MONEY_WORD_WITH_NUMBER =
  /\b(?:revenue|gross|net|profit|margin|payout|pay|paid|wages?|fees?|costs?|price|prices|rate|rates|tips?|earnings|commission)\b[^\n]*\d|\d[^\n]*\b(?:revenue|gross|profit|margin|payout|fees?|costs?|price)\b/i;

/** A line of free text that states an amount of money. */
export function isMoneyLine(line: string): boolean {
  return CURRENCY.test(line) || MONEY_WORD_WITH_NUMBER.test(line);
}

type Item = Record<string, AttributeValue>;

interface Plan {
  /** Attribute paths (names per level) to REMOVE, with the value read at each. */
  removals: { path: string[]; value: AttributeValue }[];
  notes?: { before: string; after: string; removedLines: number };
}

function planFor(item: Item, money: Set<string>, notesAttribute: string): Plan {
  const removals: Plan['removals'] = [];
  const walk = (map: Item, path: string[], depth: number) => {
    for (const [name, value] of Object.entries(map)) {
      if (path.length === 0 && name === 'eventId') continue;
      if (money.has(name.toLowerCase())) removals.push({ path: [...path, name], value });
      else if (value.M && depth < 8) walk(value.M, [...path, name], depth + 1);
    }
  };
  walk(item, [], 0);
  const plan: Plan = { removals };
  const notes = item[notesAttribute]?.S;
  if (notes !== undefined && !money.has(notesAttribute.toLowerCase())) {
    const lines = notes.split(/\r?\n/);
    const kept = lines.filter((l) => !isMoneyLine(l));
    if (kept.length !== lines.length) plan.notes = { before: notes, after: kept.join('\n'), removedLines: lines.length - kept.length };
  }
  return plan;
}

export class RevenueGuard {
  private readonly money: Set<string>;
  private readonly notesAttribute: string;

  constructor(private readonly options: RevenueGuardOptions) {
    this.money = new Set(options.moneyAttributes.map((a) => a.toLowerCase()));
    this.notesAttribute = options.notesAttribute ?? 'notes';
  }

  /** Money left on an item: attribute paths and `notes` line count, for verification and tests. */
  moneyRemaining(item: Item): { attributes: string[]; noteLines: number } {
    const plan = planFor(item, this.money, this.notesAttribute);
    return { attributes: plan.removals.map((r) => r.path.join('.')), noteLines: plan.notes?.removedLines ?? 0 };
  }

  async guard(eventId: string): Promise<RevenueGuardResult> {
    let removedAttributes = 0;
    let removedNoteLines = 0;
    const maxConflicts = this.options.maxConflicts ?? 3;
    for (let conflicts = 0; ; conflicts++) {
      const item = await this.waitForItem(eventId);
      const plan = planFor(item, this.money, this.notesAttribute);
      if (plan.removals.length === 0 && !plan.notes) break;
      try {
        await this.apply(eventId, plan);
        removedAttributes += plan.removals.length;
        removedNoteLines += plan.notes?.removedLines ?? 0;
        break;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw this.dynamoError(err);
        if (conflicts + 1 >= maxConflicts) {
          throw new RevenueGuardError(`SCC item ${eventId} kept changing under the revenue guard`, {
            code: 'REVENUE_GUARD_CONFLICT',
            retryable: true,
            system: 'SCC',
            cause: err,
            operatorMessage: `The SCC event ${eventId} kept changing while money was being removed from it — Retry in a moment.`,
          });
        }
      }
    }
    const after = await this.read(eventId);
    const left = after ? this.moneyRemaining(after) : { attributes: [], noteLines: 0 };
    if (!after || left.attributes.length > 0 || left.noteLines > 0) {
      throw new RevenueGuardError(`SCC item ${eventId} still holds money after the guard`, {
        code: 'REVENUE_GUARD_UNVERIFIED',
        retryable: true,
        system: 'SCC',
        operatorMessage: `Money could not be verified as removed from the SCC event ${eventId} (${left.attributes.length} field(s), ${left.noteLines} note line(s) remain) — Retry; crew may see amounts until it succeeds.`,
      });
    }
    return { removedAttributes, removedNoteLines, verified: true };
  }

  private async apply(eventId: string, plan: Plan): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    const nameOf = (n: string) => {
      const existing = Object.entries(names).find(([, v]) => v === n)?.[0];
      if (existing) return existing;
      const key = `#n${Object.keys(names).length}`;
      names[key] = n;
      return key;
    };
    const conditions = ['attribute_exists(#eid)'];
    names['#eid'] = 'eventId';
    const removes: string[] = [];
    plan.removals.forEach((r, i) => {
      const path = r.path.map(nameOf).join('.');
      removes.push(path);
      values[`:m${i}`] = r.value;
      conditions.push(`${path} = :m${i}`);
    });
    let set = '';
    if (plan.notes) {
      const notes = nameOf(this.notesAttribute);
      values[':notesBefore'] = { S: plan.notes.before };
      conditions.push(`${notes} = :notesBefore`);
      if (plan.notes.after.trim() === '') {
        removes.push(notes);
      } else {
        values[':notesAfter'] = { S: plan.notes.after };
        set = `SET ${notes} = :notesAfter`;
      }
    }
    const update = [set, removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    await this.options.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: { eventId: { S: eventId } },
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  private async read(eventId: string): Promise<Item | undefined> {
    try {
      const res = await this.options.dynamodb.send(
        new GetItemCommand({ TableName: this.options.table, Key: { eventId: { S: eventId } }, ConsistentRead: true }),
      );
      return res.Item;
    } catch (err) {
      throw this.dynamoError(err);
    }
  }

  /** SCC writes the item as it creates the event, but give a slow write a few moments. */
  private async waitForItem(eventId: string): Promise<Item> {
    const { attempts, delayMs } = this.options.itemWait ?? { attempts: 5, delayMs: 200 };
    for (let i = 0; i < attempts; i++) {
      const item = await this.read(eventId);
      if (item) return item;
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, delayMs * 2 ** i));
    }
    throw new RevenueGuardError(`SCC item ${eventId} not found in ${this.options.table}`, {
      code: 'SCC_ITEM_MISSING',
      retryable: true,
      system: 'SCC',
      operatorMessage: `The SCC event ${eventId} is not in the table ${this.options.table} yet — check that SCC_EVENTS_TABLE names SCC's events table, then Retry.`,
    });
  }

  private dynamoError(err: unknown): IntegrationError {
    if (err instanceof IntegrationError) return err;
    const name = (err as { name?: string }).name ?? 'Error';
    const table = this.options.table;
    if (name === 'ResourceNotFoundException') {
      return new RevenueGuardError(`table ${table} not found`, {
        code: 'SCC_TABLE_MISSING',
        retryable: false,
        system: 'SCC',
        cause: err,
        operatorMessage: `The DynamoDB table ${table} does not exist in this account/region — check SCC_EVENTS_TABLE and AWS_REGION.`,
      });
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
      return new RevenueGuardError(`access to ${table} denied`, {
        code: 'SCC_TABLE_ACCESS_DENIED',
        retryable: false,
        system: 'SCC',
        cause: err,
        operatorMessage: `The bot's AWS identity may not read/update ${table} — grant dynamodb:GetItem and dynamodb:UpdateItem on it.`,
      });
    }
    return new RevenueGuardError(`DynamoDB ${name} on ${table}`, {
      code: 'SCC_TABLE_UNAVAILABLE',
      retryable: true,
      system: 'SCC',
      cause: err,
      operatorMessage: `DynamoDB failed on ${table} (${name}) — Retry; if it persists, check the AWS service health.`,
    });
  }
}
