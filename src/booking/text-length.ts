/**
 * How long typed text is: the one count the booking schema, the booking form's `max_length` and the
 * Block Kit limit checker (src/slack/blocks/limits.ts) share, so a value the schema accepts always
 * fits the form that shows it again (a change form prefilled with it).
 *
 * UTF-16 code units (`string.length`: an emoji is two). Slack's docs give every limit in
 * "characters" without saying which; a browser's maxlength counts UTF-16 units, and this count is
 * never less than code points or graphemes, so whatever Slack counts, a value within it is within
 * Slack's (not verified on a workspace). zod's own length checks count code points: the schema uses
 * this function instead.
 */
export function textLength(text: string): number {
  return text.length;
}

/** The longest each typed field of the booking form may be, in textLength units: the schema's limit and the form's max_length. */
export const TEXT_FIELD_MAX = {
  guestName: 100,
  guestEmail: 254,
  guestPhone: 40,
  platform: 40,
  platformRef: 64,
  boatsetterRef: 64,
  notes: 2000,
  crewNotes: 1000,
} as const;
