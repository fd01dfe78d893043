/**
 * A person's name as typed into the booking form, read for the two places that show part of it:
 * crew see the guest's first name only (never the surname), and the guest page greets the guest.
 * The form takes free text, so the name may be "Delgado, Maria", "\"Maria\" Delgado", "J. Smith"
 * or start with an emoji; a first word taken blindly greets the guest by surname or by "👨‍👩‍👧‍👦".
 */

/** Words after which the part behind a comma is more people, not the given names of "Last, First". */
const CONJUNCTION = /(^|\s)(and|&|\+)(\s|$)/i;

/** "Smith, Jr." is a name with a suffix, not a surname and a given name. */
const SUFFIX = /^(jr|sr|ii|iii|iv|md|phd|esq)\.?$/i;

/** A title before the name: the first word is then no first name. */
const TITLE = /^(mr|mrs|ms|miss|mx|dr|prof|capt|rev|sir)\.?$/i;

/** "J.", "J" or "J.R.": an initial says too little to greet or name someone by alone ("MARIA" is no initials). */
const INITIALS = /^(\p{Lu}\.)+$|^\p{Lu}$/u;

/** Quotes and brackets around a word ("\"Maria\"", "(Maria)"), and the comma or colon after one. */
const WRAPPING_START = /^[\p{Ps}\p{Pi}\p{Pf}"'<]+/u;
const WRAPPING_END = /[\p{Pe}\p{Pi}\p{Pf}"'>,;:]+$/u;

/**
 * The name in the order it is spoken: "Delgado, Maria" → "Maria Delgado". One comma with given
 * names behind it is the written "Last, First" order; "Maria, Jose and the kids" and "John Smith,
 * Jr." are not.
 */
export function inSpokenOrder(fullName: string): string {
  const name = fullName.trim();
  const parts = name.split(',');
  if (parts.length !== 2) return name;
  const [last, given] = parts.map((p) => p.trim()) as [string, string];
  const firstGiven = given.split(/\s+/)[0] ?? '';
  if (!last || !given || CONJUNCTION.test(given) || SUFFIX.test(firstGiven)) return name;
  return `${given} ${last}`;
}

/** The words of the name that are words of a name: unwrapped, and with a letter in them. */
export function nameWords(fullName: string): string[] {
  return inSpokenOrder(fullName)
    .split(/\s+/)
    .map((w) => w.replace(WRAPPING_START, '').replace(WRAPPING_END, ''))
    .filter((w) => /\p{L}/u.test(w));
}

/** The first name alone, for crew: the first word of the name that is one; '' when none is. */
export function givenName(fullName: string): string {
  return nameWords(fullName)[0] ?? '';
}

/**
 * Who the guest page greets ("Ahoy, Maria!"). After a title ("Dr. Maria Lopez", "Mr. & Mrs. Smith")
 * or an initial ("J. Smith") the first word is no name to greet by alone, so the whole name is used,
 * in spoken order: "J. Smith" is how the guest signs, and their own page may show the surname
 * (crew still get the first word only). '' when no word of it is a name: the page then greets
 * without one.
 */
export function greetingName(fullName: string): string {
  const first = nameWords(fullName)[0];
  if (first === undefined) return '';
  if (!TITLE.test(first) && !INITIALS.test(first)) return first;
  const typed = inSpokenOrder(fullName).split(/\s+/);
  // From the first word with a letter, as typed: "Mr. & Mrs. Smith" keeps its "&".
  return typed.slice(typed.findIndex((w) => /\p{L}/u.test(w))).join(' ');
}
