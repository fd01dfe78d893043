/**
 * Line handling for pasted confirmations: what a person copies out of a mail client or Slack is
 * quoted ("> "), wrapped in Slack's link markup (<mailto:a@b.c|a@b.c>), bolded (*Trip date:*),
 * and often carries the mail headers of a forward. Each line keeps its raw text so the parser can
 * point at exactly the input it read a field from (`evidence`).
 */
import { decode as decodeHtml } from 'he';

export interface Line {
  /** The line as it appears in the input (a substring of it). */
  raw: string;
  /** Offset of `raw` in the input. */
  start: number;
  /** Quote markers, Slack markup and odd whitespace removed; dashes normalised. */
  clean: string;
  /** Part of a mail header block (From:/Sent:/Subject:… of a forward, or an "On … wrote:" line). */
  header: boolean;
}

const HEADER_LABEL = /^(from|to|cc|bcc|sent|date|subject|reply-to)\s*:/i;
const HEADER_ANCHOR = /^(from|to|cc|sent|subject)\s*:/i;
const FORWARD_MARKER = /^(-{2,}\s*(forwarded message|original message)\s*-{2,}|begin forwarded message:?|-{3,}\s*original message\s*-{3,})$/i;
const ATTRIBUTION = /^on .{4,160}\bwrote:?$/i;

/** Tag names a mail's HTML is made of (Outlook's <o:p> too). */
const TAG_NAMES =
  'a|abbr|address|article|b|big|blockquote|body|br|button|caption|center|cite|code|col|colgroup|dd|del|div|dl|dt|em|font|footer|form|h[1-6]|head|header|hr|html|i|img|input|ins|label|li|link|main|mark|meta|o:p|ol|p|pre|q|s|section|small|span|strike|strong|style|sub|sup|table|tbody|td|tfoot|th|thead|title|tr|tt|u|ul|wbr';
/**
 * A real HTML tag: a known tag name (with or without attributes), any closing tag ("</x>"), any
 * self-closing one ("<x/>"), or any name with a quoted attribute ("<x-y class="z">"). Not a word in
 * angle brackets a person typed: "Allergies: <nuts>, shellfish" keeps "<nuts>".
 */
const HTML_TAG = new RegExp(
  String.raw`<(?:${TAG_NAMES})(?:\s[^<>]*)?\/?>|<\/[a-z][a-z0-9:-]*\s*>|<[a-z][a-z0-9:-]*\s*\/>|<[a-z][a-z0-9:-]*\s[^<>]*=\s*["'][^<>]*>`,
  'gi',
);

/**
 * `raw` as the parser reads it. `keepDashes`: dashes of every width stay as typed instead of "-" —
 * for text kept as written (a note). Every other step is the same and the dash map is one character
 * for one, so both results have the same length and a value's offset in one is its offset in the other.
 */
export function cleanLine(raw: string, opts: { keepDashes?: boolean } = {}): string {
  let s = raw.replace(/^(\s*>)+ ?/, '');
  s = s
    // Slack link markup: <mailto:x|label>, <tel:x|label>, <https://…|label>, <https://…>
    .replace(/<(?:mailto:|tel:|https?:\/\/)[^|>\s]*\|([^>]*)>/g, '$1')
    .replace(/<mailto:([^>\s]*)>/g, '$1')
    .replace(/<tel:([^>\s]*)>/g, '$1')
    .replace(/<(https?:\/\/[^>\s]*)>/g, '$1')
    // Slack's own escaping of message and command text first (&amp; last: "&amp;lt;" is a typed "&lt;")…
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    // …then what is left of an HTML mail pasted as text ("Renter:&nbsp;Ren&eacute;e<br>"): its tags,
    // then its character references, decoded once, so a decoded "&lt;3" is not taken for a tag.
    .replace(HTML_TAG, ' ');
  s = decodeHtml(s)
    .replace(/[\u00a0\u2007\u202f\t]/g, ' ')
    .replace(/[\u2010-\u2015\u2212]/g, (dash) => (opts.keepDashes ? dash : '-'))
    .replace(/[\u2018\u2019]/g, "'")
    // Slack/Markdown bold around labels and values (*Total:* $950): only asterisks at a token's edge,
    // so a reference with an asterisk inside is not turned into another reference.
    .replace(/(^|\s)\*+|\*+(?=\s|$)/g, '$1')
    .replace(/(^|\s)_+(?=\S)|(?<=\S)_+(?=\s|$)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return s;
}

/** Splits the input into lines and marks the mail-header blocks a forward or reply carries. */
export function toLines(text: string): Line[] {
  const lines: Line[] = [];
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  for (;;) {
    const m = breaks.exec(text);
    const raw = text.slice(start, m ? m.index : text.length);
    lines.push({ raw, start, clean: cleanLine(raw), header: false });
    if (!m) break;
    start = m.index + m[0].length;
  }
  // A run of consecutive header-shaped lines that includes From/To/Sent/Subject is a mail header,
  // so its "Date:" is when the mail was sent, not the trip date. So is one pasted double-spaced.
  // A forward pasted single-spaced runs straight from its To: into the body: a "Date:" there is
  // taken into the header only as a send stamp (see isHeaderLine), else the body begins with it.
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as Line;
    if (FORWARD_MARKER.test(line.clean) || ATTRIBUTION.test(line.clean)) {
      line.header = true;
      i++;
      continue;
    }
    if (!HEADER_LABEL.test(line.clean)) {
      i++;
      continue;
    }
    let j = i;
    let anchored = false;
    while (j < lines.length && isHeaderLine(lines, range(i, j), j)) {
      if (HEADER_ANCHOR.test((lines[j] as Line).clean)) anchored = true;
      j++;
    }
    // A trip's "Date: Dec 27" where a run would start is the body's first line, not a header.
    if (j === i) {
      i++;
      continue;
    }
    if (anchored) for (let k = i; k < j; k++) (lines[k] as Line).header = true;
    const spaced = j === i + 1 ? spacedHeaderRun(lines, i) : undefined;
    if (spaced) {
      for (const k of spaced) (lines[k] as Line).header = true;
      i = (spaced[spaced.length - 1] as number) + 1;
    } else i = j;
  }
  return lines;
}

/**
 * A mail header pasted double-spaced (a blank line after each of From:, Date:, Subject:, To:, as
 * Slack and some mail clients paste a forward): its header lines, one blank line apart. Only a run
 * that is plainly a header — three lines or more, two of them From/To/Sent/Subject/Cc — so that
 * "Subject: Booking" above a blank line and the trip's own "Date: Dec 27" stays the trip's date.
 * A blank line is also where a header ends and the body begins, so its "Date:" follows the rule of
 * isHeaderLine: an Outlook forward whose body begins "Date: Sunday, December 27, 2026" keeps that
 * date as the trip's.
 */
function spacedHeaderRun(lines: readonly Line[], i: number): number[] | undefined {
  if (!isHeaderLine(lines, [], i)) return undefined;
  const run = [i];
  let k = i;
  while (k + 2 < lines.length && (lines[k + 1] as Line).clean === '' && isHeaderLine(lines, run, k + 2)) {
    k += 2;
    run.push(k);
  }
  const anchors = run.filter((n) => HEADER_ANCHOR.test((lines[n] as Line).clean)).length;
  return run.length >= 3 && anchors >= 2 ? run : undefined;
}

/** A clock time, "at 8", "8 AM": when a mail was sent ("Date: Sat, Dec 5, 2026 at 8:02 AM"). */
const CLOCK_TIME = /\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*[ap]\.?m\b|\bat\s+\d/i;
/** A four-digit year or a zone ("PST", "GMT", "-0800"): every client writes one in its send stamp. */
const YEAR_OR_ZONE = /\b(?:19|20)\d{2}\b|\b(?:GMT|UTC|[A-Z][SD]T)\b|\s[+-][01]\d[0-5]\d\b/;
const SENT_OR_DATE = /^(sent|date)\s*:/i;
/** One clock time, perhaps with its zone ("10am", "2:00 PM PT", "noon"). */
const ONE_TIME = String.raw`(?:\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?(?:\s*(?:[A-Z]{1,2}[SD]?T|Pacific(?:\s+time)?))?|noon|midnight)`;
/**
 * "From: 10am", "To: 2:00 PM PT", "From: 10am To: 2pm": a mail's sender or recipient is never just
 * a time; the trip's start or end is.
 */
const TRIP_TIME = new RegExp(String.raw`^(?:from|to)\s*:\s*${ONE_TIME}(?:\s*(?:to\s*:|to|until|-|–)\s*${ONE_TIME})?$`, 'i');

/**
 * Whether line `n` continues the header whose lines so far are `run`. Every mail client writes the
 * time and year it sent a mail (Gmail "Mon, Dec 1, 2026 at 9:14 AM", Outlook "Sent: … 2026 7:45 AM",
 * Thunderbird "Sat, 5 Dec 2026 08:02:13 -0800"), and a header has one such stamp: a "Date:" without
 * a clock time, without a year or zone, or after the header's Sent:/Date:, is the booking's own
 * ("Date: Dec 27" or "Date: Dec 27 at 10am" under "To: ops@…").
 */
function isHeaderLine(lines: readonly Line[], run: readonly number[], n: number): boolean {
  const clean = (lines[n] as Line).clean;
  if (!HEADER_LABEL.test(clean) || TRIP_TIME.test(clean)) return false;
  if (!/^date\s*:/i.test(clean)) return true;
  const stamped = run.some((r) => SENT_OR_DATE.test((lines[r] as Line).clean));
  return !stamped && CLOCK_TIME.test(clean) && YEAR_OR_ZONE.test(clean);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

/** Lower-case letters, digits and '#', single spaces: "Trip Date" and "TRIP  DATE" match. */
export function normaliseLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/e-mail/g, 'email')
    .replace(/[^a-z0-9#]+/g, ' ')
    .trim();
}
