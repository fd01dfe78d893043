/**
 * Whether SCC's event item (SCC_EVENTS_TABLE, key `eventId`) already shows what a PATCH sets.
 *
 * SCC e-mails the crew on every PATCH and is not assumed to honour Idempotency-Key, and its contract
 * has no GET of one event. But SCC writes its item on every PATCH, so before repeating a PATCH whose
 * earlier attempt may have landed (its answer was lost, or a crashed attempt may have sent it) the
 * step reads the item: if it already holds every value the PATCH carries, the earlier one landed and
 * a repeat would only e-mail the crew the same change twice.
 *
 * The item is compared as the revenue guard leaves it, because the guard may or may not have run on
 * it yet: money-named fields (at any depth) are not compared, and strings are compared without their
 * money lines (SCC appends money lines to `description`). Values are normalised the way SCC stores
 * them — numbers as N, empty strings not at all, maps and lists as M and L. Anything that does not
 * match exactly — including a field SCC stores in some other shape — counts as not landed, so the
 * PATCH is sent as it was before this check existed: a second e-mail, never a lost change.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isMoneyKey, withoutMoneyLines } from '../booking/money-detector';

type Item = Record<string, AttributeValue>;

/** SCC stores no empty strings (nor nulls): such a field is simply absent from the item. */
const absent = (value: unknown) => value === undefined || value === null || value === '';

const moneyFree = (text: string) => withoutMoneyLines(text).text;

function same(stored: AttributeValue | undefined, value: unknown, explicit: ReadonlySet<string>): boolean {
  if (absent(value)) return stored === undefined;
  if (stored === undefined) return false;
  if (typeof value === 'string') return stored.S !== undefined && moneyFree(stored.S) === moneyFree(value);
  if (typeof value === 'number') return stored.N !== undefined && Number(stored.N) === value;
  if (typeof value === 'boolean') return stored.BOOL === value;
  if (Array.isArray(value)) {
    const kept = value.filter((v) => !absent(v));
    return stored.L !== undefined && stored.L.length === kept.length && kept.every((v, i) => same(stored.L![i], v, explicit));
  }
  if (typeof value === 'object') {
    if (stored.M === undefined) return false;
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => !absent(v));
    // A field SCC keeps that the PATCH no longer carries (a crew member's removed e-mail) means the
    // map is not ours; money SCC adds (`roster[].crewPay`) is the guard's to remove, not a difference.
    const storedFields = Object.keys(stored.M).filter((k) => !isMoneyKey(k, explicit));
    return storedFields.length === fields.length && fields.every(([k, v]) => same(stored.M![k], v, explicit));
  }
  return false;
}

/**
 * True when `item` holds every top-level field of `patch` with the value the PATCH sets (the item's
 * other fields — eventId, createdAt, notes, what SCC adds — are not the PATCH's). Pure.
 */
export function sccItemShows(item: Item, patch: Record<string, unknown>, moneyAttributes: readonly string[] = []): boolean {
  const explicit = new Set(moneyAttributes.map((a) => a.toLowerCase()));
  return Object.entries(patch).every(([k, v]) => same(item[k], v, explicit));
}

export interface SccEventItemsOptions {
  /** A client with a deadline and bounded attempts (createAwsClients). */
  dynamodb: DynamoDBClient;
  table: string;
  /** The revenue guard's extra money attribute names: never compared. */
  moneyAttributes: readonly string[];
}

export class SccEventItems {
  constructor(private readonly options: SccEventItemsOptions) {}

  /**
   * Whether the event's item already shows `patch`. Read consistently: the check runs once an
   * earlier PATCH can no longer land, so the item read is the last one SCC wrote. An item that is
   * missing or cannot be read within the client's deadline and attempts is answered `false` with
   * the reason, so the caller sends the PATCH as it would have without the check.
   */
  async shows(eventId: string, patch: Record<string, unknown>, opts: { signal?: AbortSignal } = {}): Promise<{ shows: boolean; unreadable?: string }> {
    let item: Item | undefined;
    try {
      const res = await this.options.dynamodb.send(
        new GetItemCommand({ TableName: this.options.table, Key: { eventId: { S: eventId } }, ConsistentRead: true }),
        opts.signal ? { abortSignal: opts.signal } : {},
      );
      item = res.Item;
    } catch (err) {
      return { shows: false, unreadable: (err as { name?: string }).name ?? 'Error' };
    }
    if (!item) return { shows: false, unreadable: 'no item' };
    return { shows: sccItemShows(item, patch, this.options.moneyAttributes) };
  }
}
