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
 * money lines (SCC appends money lines to `description`). Each value is compared by what it means,
 * since SCC may store it in another shape than the PATCH sent (stored-value-meaning.ts): text
 * trimmed, its whitespace collapsed, its line endings changed; a time as the same instant in another
 * form or as an epoch number; a date as that day's midnight; a number as a numeral; an e-mail
 * address in other letter case; a field the PATCH leaves empty as absent, null or empty. Anything else that differs — another time, name, crew list
 * or order — counts as not landed, so the PATCH is sent as it was before this check existed: a second
 * e-mail, never a lost change.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isMoneyKey, withoutMoneyLines } from '../booking/money-detector';
import { isEmailAddress, isInstant, isIsoDate, sameDate, sameEmailAddress, sameInstant, sameNumber, sameNumeral, textMeaning, unifiedLineEndings } from './stored-value-meaning';

type Item = Record<string, AttributeValue>;

const moneyFree = (text: string) => textMeaning(withoutMoneyLines(unifiedLineEndings(text)).text);

/** A value the PATCH leaves unset: nothing, blank text, or a list or map of only such values. */
function sentEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return textMeaning(value) === '';
  if (Array.isArray(value)) return value.every(sentEmpty);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).every(sentEmpty);
  return false;
}

/** SCC may keep an unset field as nothing, NULL, blank text (or only money lines), or an empty list or map. */
function storedEmpty(stored: AttributeValue | undefined, explicit: ReadonlySet<string>): boolean {
  if (stored === undefined || stored.NULL === true) return true;
  if (stored.S !== undefined) return moneyFree(stored.S) === '';
  if (stored.L !== undefined) return stored.L.every((v) => storedEmpty(v, explicit));
  if (stored.M !== undefined) return Object.entries(stored.M).every(([k, v]) => isMoneyKey(k, explicit) || storedEmpty(v, explicit));
  return false;
}

function sameString(stored: AttributeValue, value: string): boolean {
  if (stored.S !== undefined) {
    if (isInstant(value) && sameInstant(value, { text: stored.S })) return true;
    if (isIsoDate(value) && sameDate(value, stored.S)) return true;
    if (isEmailAddress(value)) return sameEmailAddress(value, stored.S);
    return moneyFree(stored.S) === moneyFree(value);
  }
  if (stored.N !== undefined) {
    const number = Number(stored.N);
    return isInstant(value) ? sameInstant(value, { number }) : sameNumeral(value, number);
  }
  return false;
}

function same(stored: AttributeValue | undefined, value: unknown, explicit: ReadonlySet<string>): boolean {
  if (sentEmpty(value)) return storedEmpty(stored, explicit);
  if (stored === undefined) return false;
  if (typeof value === 'string') return sameString(stored, value);
  if (typeof value === 'number') return sameNumber(value, stored.N !== undefined ? { number: Number(stored.N) } : stored.S !== undefined ? { text: stored.S } : {});
  if (typeof value === 'boolean') return stored.BOOL === value;
  if (Array.isArray(value)) {
    // Order counts: a crew list or checklist in another order is a change SCC tells the crew about.
    const kept = value.filter((v) => !sentEmpty(v));
    const storedKept = stored.L?.filter((v) => !storedEmpty(v, explicit));
    return storedKept !== undefined && storedKept.length === kept.length && kept.every((v, i) => same(storedKept[i], v, explicit));
  }
  if (typeof value === 'object') {
    if (stored.M === undefined) return false;
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => !sentEmpty(v));
    // A field SCC keeps that the PATCH no longer carries (a crew member's removed e-mail) means the
    // map is not ours; money SCC adds (`roster[].crewPay`) is the guard's to remove, not a difference.
    const storedFields = Object.entries(stored.M).filter(([k, v]) => !isMoneyKey(k, explicit) && !storedEmpty(v, explicit));
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
