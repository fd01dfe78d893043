/** Small text helpers shared by the message builders. */
import type { DateTime } from 'luxon';
import { humanDateTime } from '../../booking/time';

export const mention = (userId: string) => `<@${userId}>`;
/** A roster member as the office reads them: the mention, and " (captain)" for the captain. */
export const rosterMention = (m: { slackUserId: string; role: string }) => `${mention(m.slackUserId)}${m.role === 'captain' ? ' (captain)' : ''}`;

/** Block Kit text fields take mrkdwn; anything typed by a person is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text as Slack sent it (message and command text come with & < > escaped) back to what was typed:
 * &amp; last, so "&amp;lt;" (a typed "&lt;") stays "&lt;".
 */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function whenText(dt: DateTime): string {
  return humanDateTime(dt);
}

export function hours(h: number): string {
  return `${h} h`;
}

export const ELLIPSIS = '…';

/**
 * Where `text` can be cut at or before `at` without splitting an escape (`&amp;`, `&lt;`, `&gt;`)
 * or a surrogate pair: a cut inside `&am` would show a broken entity.
 */
function safeCut(text: string, at: number): number {
  let cut = Math.max(0, Math.min(at, text.length));
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp >= cut - 4) {
    const semi = text.indexOf(';', amp);
    if (semi >= cut) cut = amp;
  }
  const code = text.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

/**
 * At most `max` characters of raw `text`, never half of a surrogate pair (an emoji cut in two is
 * an unpaired surrogate in the JSON Slack receives). No ellipsis: for values a form is prefilled with.
 */
export function sliceWhole(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Below this, fitLines drops a line that does not fit rather than showing a stub of it. */
const MIN_FITTED_LINE = 80;

/**
 * Whole lines joined with "\n", as many as fit in `max` characters; when some do not, the last
 * line kept says how many were left out. A line on its own longer than the room is fitted. Used
 * for lists (rosters, step lines, a change's diff), where a cut inside a line could split a
 * `<@U…>` mention or leave a later entry silently missing.
 */
export function fitLines(lines: readonly string[], max: number): string {
  const joined = lines.join('\n');
  if (joined.length <= max) return joined;
  const more = (n: number) => `_…and ${n} more_`;
  const kept: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const after = lines.length - i - 1;
    const sep = kept.length > 0 ? 1 : 0;
    // Room is always left for the marker the lines after this one would need.
    const marker = after > 0 ? more(after).length + 1 : 0;
    if (length + sep + line.length + marker <= max) {
      kept.push(line);
      length += sep + line.length;
      continue;
    }
    const room = max - length - sep - marker;
    if (room >= MIN_FITTED_LINE) {
      kept.push(fitText(line, room));
      if (after > 0) kept.push(more(after));
    } else kept.push(more(after + 1));
    break;
  }
  return kept.join('\n');
}

/** `text` (already escaped or plain) shortened to at most `max` characters, ending in "…" when cut. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCut(text, max - ELLIPSIS.length))}${ELLIPSIS}`;
}

/** Escapes what a person typed, then fits it: the limit applies to what Slack receives. */
export function escapeAndFit(text: string, max: number): string {
  return fitText(escapeMrkdwn(text), max);
}

/**
 * Plain text (headers, buttons, dialogs) shortened to at most `max` characters as Slack stores it,
 * with & < > escaped (limits.ts says why). Nothing is escaped here: `<!channel>` shows literally
 * in plain text.
 */
export function fitPlain(text: string, max: number): string {
  if (escapeMrkdwn(text).length <= max) return text;
  let length = ELLIPSIS.length;
  let cut = 0;
  // for…of walks code points, so an emoji is kept or dropped whole.
  for (const ch of text) {
    const stored = ch === '&' ? 5 : ch === '<' || ch === '>' ? 4 : ch.length;
    if (length + stored > max) break;
    length += stored;
    cut += ch.length;
  }
  return `${text.slice(0, cut)}${ELLIPSIS}`;
}

/** Sections for typed notes (splitText): 2,000 characters escaped are at most 10,000, which five hold. */
export const NOTE_SECTIONS = 5;

/**
 * Already escaped `text` split into pieces of at most `max` characters, at a line break where one is
 * near (within a sixth of `max` of the cut, so every piece but the last holds at least five sixths:
 * the approval's 5 note sections hold 2,000 typed characters even when every one is escaped to
 * five), never inside an escape; at most `maxPieces`, the last ending in "…" when text is left over.
 */
export function splitText(text: string, max: number, maxPieces: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > 0 && pieces.length < maxPieces) {
    if (rest.length <= max || pieces.length === maxPieces - 1) {
      pieces.push(fitText(rest, max));
      break;
    }
    let cut = safeCut(rest, max);
    // Before the cut, not at it: a break right at `cut` would make a piece of max + 1.
    const newline = rest.lastIndexOf('\n', cut - 1);
    if (newline >= cut - max / 6) cut = newline + 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return pieces;
}
