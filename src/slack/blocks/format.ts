/** Small text helpers shared by the message builders. */
import type { DateTime } from 'luxon';
import { humanDateTime } from '../../booking/time';

export const mention = (userId: string) => `<@${userId}>`;

/** Block Kit text fields take mrkdwn; anything typed by a person is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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

/** `text` (already escaped or plain) shortened to at most `max` characters, ending in "…" when cut. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCut(text, max - ELLIPSIS.length))}${ELLIPSIS}`;
}

/** Escapes what a person typed, then fits it: the limit applies to what Slack receives. */
export function escapeAndFit(text: string, max: number): string {
  return fitText(escapeMrkdwn(text), max);
}

/** Plain text (headers, buttons): `<!channel>` is shown literally there, so only the length matters. */
export const fitPlain = fitText;

/**
 * Already escaped `text` split into pieces of at most `max` characters, at a line break where one is
 * near, never inside an escape; at most `maxPieces`, the last ending in "…" when text is left over.
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
    const newline = rest.lastIndexOf('\n', cut);
    if (newline > max / 2) cut = newline + 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return pieces;
}
