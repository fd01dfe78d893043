/**
 * Revenue guard: SCC's event items (SCC_EVENTS_TABLE, key `eventId`) are visible to crew, and SCC's
 * own sync may copy money onto them. After the event exists we clean EVERY item carrying the
 * booking's `externalId` — not only the event id we were given: a lost response or a retried POST
 * inside SCC can leave a duplicate, and crew see that one too.
 *
 * What is money is decided by the one shared detector (booking/money-detector.ts): money-named
 * fields at any depth of maps AND lists (`roster[].crewPay`), plus every string anywhere (notes,
 * description, checklist text…) loses its lines that carry money.
 *
 * Finding the items. SCC's table is keyed on `eventId` and has no index we own, so by default we
 * Scan with a FilterExpression on externalId, paginated and bounded (`maxScanPages`). Cost: a Scan
 * reads (and bills) the whole table — every page is up to 1 MB, i.e. up to 256 RCU with ConsistentRead
 * — whatever the filter keeps. For an operator with hundreds of events a season that is one page,
 * a few milliseconds, cents a month; it replaces the GetItem the guard did before, so the critical
 * path does not grow. If SCC's table ever grows past the bound, the guard refuses (it never reports
 * clean on a partial search) and the fix is a GSI on externalId, given as `externalIdIndex`
 * (then: Query). A GSI is eventually consistent, so the expected event is also read by key.
 *
 * Cleaning. One UpdateItem per dirty item: SET/REMOVE of the changed top-level attributes, conditioned
 * on each of them still holding exactly what we read (a concurrent edit makes us re-read instead of
 * clobbering it), with `ReturnValues: ALL_NEW`. The item as written is checked again with the same
 * detector — no third read on the critical path — and anything money-shaped that remains (a writer
 * that touched other attributes in between) is cleaned again, a bounded number of times; the guard
 * never reports `verified` while money remains. Results count, never echo, money.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { isMoneyKey, withoutMoneyLines } from '../booking/money-detector';
import { IntegrationError } from './errors';
import { CREW_MAY_SEE_AMOUNTS } from './revenue-guard-note';

export interface RevenueGuardResult {
  /** Money attributes removed, over all items (counted, never their values). */
  removedAttributes: number;
  /** Lines that carried money removed from strings (notes, description, …), over all items. */
  removedNoteLines: number;
  /** SCC items carrying the booking's externalId (the expected one included). */
  items: number;
  /** Every item, as written, holds no money. */
  verified: boolean;
}

export interface RevenueGuardTarget {
  /** The event our scc_event step created or found. */
  eventId: string;
  /** The booking id; every SCC item with it is cleaned. */
  externalId: string;
}

export interface RevenueGuardOptions {
  dynamodb: DynamoDBClient;
  table: string;
  /** Extra attribute names that hold money (any case), for names the word-part rule cannot split. */
  moneyAttributes: readonly string[];
  /** Waiting for SCC to write the expected item: reads and the pause between them (default 5 × 200 ms, doubling). */
  itemWait?: { attempts: number; delayMs: number };
  /** Re-reads after a concurrent edit, and re-cleans of an item still holding money (default 3). */
  maxConflicts?: number;
  /** A GSI on `externalId` (partition key), if SCC's table has one: Query instead of Scan. */
  externalIdIndex?: string;
  /** Scan pages (1 MB each) read before refusing (default 25). */
  maxScanPages?: number;
  /** Items evaluated per Scan/Query page (DynamoDB's `Limit`; default: none, 1 MB pages). */
  scanPageLimit?: number;
}

export class RevenueGuardError extends IntegrationError {
  override name = 'RevenueGuardError';
}

type Item = Record<string, AttributeValue>;

/** Attributes the guard never touches: the key and the booking reference. */
const KEY_ATTRIBUTES = new Set(['eventId', 'externalId']);

type PathPart = string | number;

/** One change at a leaf: REMOVE the value at `path`, or SET it to the cleaned `value`. */
export interface CleaningOp {
  path: PathPart[];
  /** What was read there (the update is conditioned on it). */
  old: AttributeValue;
  /** undefined: REMOVE. */
  value?: AttributeValue;
  removedAttributes: number;
  removedLines: number;
}

function collect(value: AttributeValue, path: PathPart[], explicit: ReadonlySet<string>, depth: number, ops: CleaningOp[]): void {
  if (value.S !== undefined) {
    const { text, removedLines } = withoutMoneyLines(value.S);
    if (removedLines > 0) ops.push({ path, old: value, ...(text.trim() === '' ? {} : { value: { S: text } }), removedAttributes: 0, removedLines });
    return;
  }
  if (value.SS !== undefined) {
    const kept = value.SS.filter((s) => withoutMoneyLines(s).removedLines === 0);
    const removedLines = value.SS.length - kept.length;
    if (removedLines > 0) ops.push({ path, old: value, ...(kept.length === 0 ? {} : { value: { SS: kept } }), removedAttributes: 0, removedLines });
    return;
  }
  // Past this depth we stop walking; SCC items are a few levels deep.
  if (depth > 16) return;
  if (value.M !== undefined) {
    for (const [name, v] of Object.entries(value.M)) {
      if (isMoneyKey(name, explicit)) ops.push({ path: [...path, name], old: v, removedAttributes: 1, removedLines: 0 });
      else collect(v, [...path, name], explicit, depth + 1, ops);
    }
    return;
  }
  if (value.L !== undefined) {
    value.L.forEach((v, i) => {
      const inner: CleaningOp[] = [];
      collect(v, [...path, i], explicit, depth + 1, inner);
      // A list entry left with nothing (a checklist item whose only text was money) goes as a whole.
      const emptied = v.M !== undefined && inner.length > 0 && Object.keys(v.M).every((k) => inner.some((op) => op.path.length === path.length + 2 && op.path.at(-1) === k && !op.value));
      if (emptied) ops.push({ path: [...path, i], old: v, removedAttributes: total(inner, 'removedAttributes'), removedLines: total(inner, 'removedLines') });
      else ops.push(...inner);
    });
  }
}

/**
 * What cleaning `item` takes: one op per money field (at any depth of maps and lists) and per string
 * that loses money lines. Empty when the item holds no money. Pure.
 */
export function planCleaning(item: Item, explicit: ReadonlySet<string> = new Set()): CleaningOp[] {
  const ops: CleaningOp[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (KEY_ATTRIBUTES.has(name)) continue;
    if (isMoneyKey(name, explicit)) ops.push({ path: [name], old: value, removedAttributes: 1, removedLines: 0 });
    else collect(value, [name], explicit, 0, ops);
  }
  return ops;
}

const total = (ops: readonly CleaningOp[], field: 'removedAttributes' | 'removedLines') => ops.reduce((n, op) => n + op[field], 0);
const isScalar = (v: AttributeValue) => v.S !== undefined || v.N !== undefined || v.BOOL !== undefined;

export class RevenueGuard {
  private readonly explicit: Set<string>;

  constructor(private readonly options: RevenueGuardOptions) {
    this.explicit = new Set(options.moneyAttributes.map((a) => a.toLowerCase()));
  }

  /** Money left on an item: money found (counted) by the shared detector. For verification and tests. */
  moneyRemaining(item: Item): { attributes: number; lines: number } {
    const ops = planCleaning(item, this.explicit);
    return { attributes: total(ops, 'removedAttributes'), lines: total(ops, 'removedLines') };
  }

  /** `target` as a bare event id is the old call shape: only that item, found by key. */
  async guard(target: RevenueGuardTarget | string): Promise<RevenueGuardResult> {
    const { eventId, externalId } = typeof target === 'string' ? { eventId: target, externalId: undefined } : target;
    const items = new Map<string, Item>();
    if (externalId !== undefined) for (const item of await this.findByExternalId(externalId)) items.set(item.eventId?.S ?? '', item);
    if (!items.has(eventId)) items.set(eventId, await this.waitForItem(eventId));
    let removedAttributes = 0;
    let removedNoteLines = 0;
    for (const [id, item] of items) {
      const r = await this.cleanItem(id, item);
      removedAttributes += r.removedAttributes;
      removedNoteLines += r.removedLines;
    }
    return { removedAttributes, removedNoteLines, items: items.size, verified: true };
  }

  /** Cleans one item until the item as written holds no money, or refuses. */
  private async cleanItem(eventId: string, read: Item): Promise<{ removedAttributes: number; removedLines: number }> {
    let item: Item | undefined = read;
    let removedAttributes = 0;
    let removedLines = 0;
    const maxConflicts = this.options.maxConflicts ?? 3;
    for (let round = 0; ; round++) {
      if (!item) return { removedAttributes, removedLines }; // deleted under us: nothing left for crew to see
      const ops = planCleaning(item, this.explicit);
      if (ops.length === 0) return { removedAttributes, removedLines };
      if (round >= maxConflicts) {
        throw new RevenueGuardError(`SCC item ${eventId} still holds money after the guard`, {
          code: 'REVENUE_GUARD_UNVERIFIED',
          retryable: true,
          system: 'SCC',
          operatorMessage: `Money could not be verified as removed from the SCC event ${eventId} (${total(ops, 'removedAttributes')} field(s), ${total(ops, 'removedLines')} line(s) remain; it kept changing) — Retry; ${CREW_MAY_SEE_AMOUNTS}.`,
        });
      }
      try {
        // The item exactly as written by our update; it is what we verify.
        item = await this.apply(eventId, ops);
        removedAttributes += total(ops, 'removedAttributes');
        removedLines += total(ops, 'removedLines');
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw this.dynamoError(err);
        item = await this.read(eventId);
      }
    }
  }

  /**
   * One UpdateItem for all ops. Each op is conditioned on its leaf still holding what we read
   * (scalars by value; maps, lists and sets by existence — DynamoDB compares those too, but not every
   * local stand-in does, and a removed money map is removed whatever it holds). List elements are
   * addressed by index, so the condition also catches a list that shifted under us.
   */
  private async apply(eventId: string, ops: readonly CleaningOp[]): Promise<Item | undefined> {
    const names: Record<string, string> = { '#eid': 'eventId' };
    const values: Record<string, AttributeValue> = {};
    const conditions = ['attribute_exists(#eid)'];
    const sets: string[] = [];
    const removes: string[] = [];
    const nameRef = new Map<string, string>();
    const ref = (name: string) => {
      let r = nameRef.get(name);
      if (!r) {
        r = `#n${nameRef.size}`;
        nameRef.set(name, r);
        names[r] = name;
      }
      return r;
    };
    ops.forEach((op, i) => {
      const path = op.path.map((p, j) => (typeof p === 'number' ? `[${p}]` : `${j > 0 ? '.' : ''}${ref(p)}`)).join('');
      if (isScalar(op.old)) {
        values[`:old${i}`] = op.old;
        conditions.push(`${path} = :old${i}`);
      } else conditions.push(`attribute_exists(${path})`);
      if (op.value) {
        values[`:new${i}`] = op.value;
        sets.push(`${path} = :new${i}`);
      } else removes.push(path);
    });
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    const res = await this.options.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: { eventId: { S: eventId } },
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return res.Attributes;
  }

  /** Every item with this externalId: Query on the configured GSI, or a bounded, paginated Scan. */
  private async findByExternalId(externalId: string): Promise<Item[]> {
    const { table, externalIdIndex } = this.options;
    const maxPages = this.options.maxScanPages ?? 25;
    const found: Item[] = [];
    let startKey: Item | undefined;
    for (let page = 0; page < maxPages; page++) {
      const common = {
        TableName: table,
        ExpressionAttributeNames: { '#x': 'externalId' },
        ExpressionAttributeValues: { ':x': { S: externalId } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(this.options.scanPageLimit ? { Limit: this.options.scanPageLimit } : {}),
      };
      let res: { Items?: Item[]; LastEvaluatedKey?: Item };
      try {
        res = await this.options.dynamodb.send(
          externalIdIndex
            ? new QueryCommand({ ...common, IndexName: externalIdIndex, KeyConditionExpression: '#x = :x' })
            : new ScanCommand({ ...common, FilterExpression: '#x = :x', ConsistentRead: true }),
        );
      } catch (err) {
        throw this.dynamoError(err);
      }
      found.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
      if (!startKey) return found;
    }
    throw new RevenueGuardError(`more than ${maxPages} scan pages of ${table} for externalId ${externalId}`, {
      code: 'REVENUE_GUARD_SCAN_BOUND',
      retryable: false,
      system: 'SCC',
      operatorMessage: `SCC's table ${table} is too large to search for duplicate events of this booking by Scan — ask SCC's owner for a GSI on externalId and configure it; until then crew may see money on a duplicate SCC event.`,
    });
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
      operatorMessage: `The SCC event ${eventId} is not in the table ${this.options.table} yet — check that SCC_EVENTS_TABLE names SCC's events table, then Retry; ${CREW_MAY_SEE_AMOUNTS}.`,
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
        operatorMessage: `The DynamoDB table ${table} does not exist in this account/region — check SCC_EVENTS_TABLE, and that the bot runs in the table's region (AWS_REGION; on Lambda, the stack's region: deploy it there), then Retry; ${CREW_MAY_SEE_AMOUNTS}.`,
      });
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
      return new RevenueGuardError(`access to ${table} denied`, {
        code: 'SCC_TABLE_ACCESS_DENIED',
        retryable: false,
        system: 'SCC',
        cause: err,
        operatorMessage: `The bot's AWS identity may not read/update ${table} — grant dynamodb:GetItem, dynamodb:Scan and dynamodb:UpdateItem on it, then Retry; ${CREW_MAY_SEE_AMOUNTS}.`,
      });
    }
    return new RevenueGuardError(`DynamoDB ${name} on ${table}`, {
      code: 'SCC_TABLE_UNAVAILABLE',
      retryable: true,
      system: 'SCC',
      cause: err,
      operatorMessage: `DynamoDB failed on ${table} (${name}) — Retry; if it persists, check the AWS service health; ${CREW_MAY_SEE_AMOUNTS}.`,
    });
  }
}
