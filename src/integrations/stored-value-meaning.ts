/**
 * Whether a value another system stored means what we sent it, when that system may store it in
 * another shape: text trimmed or with its whitespace collapsed and its line endings changed, a time
 * written as the same instant in another form (with or without milliseconds, `Z`, `+00:00` or the
 * operator's offset, epoch seconds or milliseconds), a date written as that day's midnight, a number
 * kept as text, an e-mail address in other letter case. Used before repeating an SCC PATCH
 * (scc-item.ts): there a false "same" loses the crew a change, while a false "different" only
 * e-mails them twice — so only shapes that cannot mean anything else are equated, and whatever does
 * not parse is compared as text. Pure.
 */

/** Line endings as `\n`, runs of spaces and tabs as one space, each line and the whole text trimmed. */
export function textMeaning(text: string): string {
  return unifiedLineEndings(text)
    .normalize('NFC')
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

export function unifiedLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 3339 date-time, the offset required: a time without one could be any zone's. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
/** A date-only value written as the start of that day (the offset, if any, says nothing more). */
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})[Tt ]00:00(?::00(?:[.,]0+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const NUMERAL = /^[+-]?\d+(?:\.\d+)?$/;

/** The instant an ISO 8601 date-time with an offset names, in epoch ms; undefined for anything else. */
export function instantMs(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset = 'Z'] = m;
  // Finer than a millisecond cannot be told apart in ms: such a time is compared as text instead.
  if (/[1-9]/.test(fraction.slice(3))) return undefined;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const [year, month, day, hour, minute, second] = parts;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const back = new Date(wall);
  // Date.UTC rolls Feb 30 into March: such a date is no date.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return wall - offsetMinutes(offset) * 60_000;
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

/**
 * An instant we sent as ISO text, stored as text or as an epoch number. A number is taken as
 * milliseconds or as seconds — for a charter's times the two readings are decades apart, so neither
 * can be mistaken for the other.
 */
export function sameInstant(sent: string, stored: { text?: string; number?: number }): boolean {
  const ms = instantMs(sent);
  if (ms === undefined) return false;
  if (stored.text !== undefined) return instantMs(stored.text) === ms;
  if (stored.number !== undefined && Number.isFinite(stored.number)) return stored.number === ms || stored.number * 1000 === ms;
  return false;
}

/** A calendar date we sent as YYYY-MM-DD, stored as the same text or as that day's midnight. */
export function sameDate(sent: string, storedText: string): boolean {
  if (!ISO_DATE.test(sent.trim())) return false;
  const stored = storedText.trim();
  return stored === sent.trim() || MIDNIGHT.exec(stored)?.[1] === sent.trim();
}

export function isIsoDate(text: string): boolean {
  return ISO_DATE.test(text.trim());
}

export function isInstant(text: string): boolean {
  return instantMs(text) !== undefined;
}

/** A number we sent, stored as a number or as a plain numeral ("6", " 6 ", "6.0"). */
export function sameNumber(sent: number, stored: { text?: string; number?: number }): boolean {
  if (stored.number !== undefined) return stored.number === sent;
  if (stored.text !== undefined) return NUMERAL.test(stored.text.trim()) && Number(stored.text.trim()) === sent;
  return false;
}

/**
 * Text we sent that is a numeral, stored as a number: the same only if the number writes back as the
 * very numeral sent — "007" stored as 7 has lost something.
 */
export function sameNumeral(sent: string, storedNumber: number): boolean {
  return NUMERAL.test(sent.trim()) && String(storedNumber) === sent.trim();
}

const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmailAddress(text: string): boolean {
  return EMAIL_ADDRESS.test(text.trim());
}

/**
 * An e-mail address stored in other letter case. Domains are case-blind (RFC 5321), and no mail
 * system in use treats the local part otherwise, so an address that differs only in case reaches the
 * same person: sending the PATCH again would only e-mail the crew twice.
 */
export function sameEmailAddress(sent: string, stored: string): boolean {
  return isEmailAddress(stored) && sent.trim().toLowerCase() === stored.trim().toLowerCase();
}
