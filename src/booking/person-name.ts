/**
 * A person's name as typed into the booking form, read for the two places that show part of it:
 * crew see the guest's first name only (never the surname), and the guest page greets the guest.
 * The form takes free text, so the name may be "Delgado, Maria", "\"Maria\" Delgado", "J. Smith"
 * or start with an emoji; a first word taken blindly greets the guest by surname or by "👨‍👩‍👧‍👦".
 *
 * A comma is read as the written "Surname, Given" order only when both sides look the part: the
 * part before it one surname, the part after it given names. Anything else after a comma ("Maria
 * Delgado, Smith wedding", ", party of 6", ", RN", "Maria, Jose and the kids") is more words about
 * the party, and the name keeps its typed order.
 */

/** Words joining people: "Maria and Jose", "Dr. & Mrs.". */
const CONJUNCTION = /^(and|&|\+)$/i;

/** Suffixes and degrees ("Smith, Jr.", "Maria Delgado, RN"), compared with their dots removed ("Ph.D."). */
const SUFFIX = /^(jr|sr|ii|iii|iv|md|phd|esq|rn|cpa|mba|dds|dmd|jd|dvm|lpn|np|cfa|ret)$/i;

/** A title before the name, compared with its dot removed. */
const TITLE = /^(mr|mrs|ms|miss|mx|dr|prof|capt|rev|sir)$/i;

/** Words of letters that name a party or a company, not a person: "Delgado, Smith wedding", "Delgado, the kids". */
const NOT_A_NAME =
  /^(the|of|family|families|wedding|party|group|corp|corporation|company|co|inc|llc|ltd|team|friends|guests|kids|children|reunion|birthday|anniversary|club|event|others)$/i;

/** Words before a surname that belong to it: "de la Cruz", "van der Berg", "St. John". */
const PARTICLE = /^(de|del|della|der|den|di|da|das|do|dos|du|la|le|las|los|van|von|ten|ter|st|mac|bin|ibn|al|el|y)$/i;

/** A word of a name: letters (and their marks), hyphens and apostrophes ("García-López", "O'Brien"). */
const NAME_WORD = /^\p{L}[\p{L}\p{M}'’-]*$/u;

/** "J.", "J" or "J.R.": an initial says too little to greet or name someone by alone ("MARIA" is no initials). */
const INITIALS = /^(\p{Lu}\.)+$|^\p{Lu}$/u;

/** Quotes and brackets around a word ("\"Maria\"", "(Maria)"), and the comma or colon after one. */
const WRAPPING_START = /^[\p{Ps}\p{Pi}\p{Pf}"'<]+/u;
const WRAPPING_END = /[\p{Pe}\p{Pi}\p{Pf}"'>,;:]+$/u;

const unwrap = (word: string) => word.replace(WRAPPING_START, '').replace(WRAPPING_END, '');
const undotted = (word: string) => word.replace(/\./g, '');
const isTitle = (word: string) => TITLE.test(undotted(word));
/** "J.R." is initials, "Jr." the suffix; "M.D." and "Ph.D." are degrees either way. */
const isSuffix = (word: string) => SUFFIX.test(undotted(word)) && !(INITIALS.test(word) && /^(jr|sr)$/i.test(undotted(word)));
const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

/** A word that may be a given name: letters, and no title, suffix, conjunction or party word. */
function isGivenWord(word: string): boolean {
  if (INITIALS.test(word)) return true;
  return NAME_WORD.test(word) && !isTitle(word) && !isSuffix(word) && !CONJUNCTION.test(word) && !NOT_A_NAME.test(word);
}

/** A person's words after their titles: "Dr. Maria" → ["Maria"], "Mrs." → []. */
function withoutTitles(person: string[]): string[] {
  const at = person.findIndex((w) => !isTitle(w));
  return at === -1 ? [] : person.slice(at);
}

/** One surname: a name word, after particles only ("de la Cruz"); "Maria Delgado" is two names, not one. */
function isSurname(part: string): boolean {
  const ws = words(part).map(unwrap);
  const last = ws.at(-1);
  if (last === undefined || INITIALS.test(last) || !isGivenWord(last)) return false;
  return ws.slice(0, -1).every((w) => PARTICLE.test(undotted(w)));
}

/**
 * What follows the comma of "Surname, …": given names ("Maria", "Maria Elena", "Maria and Jose",
 * "Dr. Maria"), titles alone ("Dr. & Mrs."), suffixes alone ("Jr."), or none of these.
 */
function afterSurname(part: string): 'given' | 'titles' | 'suffixes' | null {
  const ws = words(part).map(unwrap);
  if (ws.length === 0) return null;
  if (ws.every((w) => isSuffix(w))) return 'suffixes';
  const people: string[][] = [[]];
  for (const w of ws) {
    if (CONJUNCTION.test(w)) people.push([]);
    else people.at(-1)!.push(w);
  }
  const named = people.map(withoutTitles);
  if (people.every((p, i) => p.length > 0 && named[i]!.length === 0)) return 'titles';
  if (named.every((g) => g.length >= 1 && g.length <= 2 && g.every(isGivenWord))) return 'given';
  return null;
}

interface ReadName {
  /** The name in the order it is spoken. */
  spoken: string;
  /** "Smith, Jr.": the only name in it is a surname, so there is no first name to give. */
  surnameOnly: boolean;
}

function read(fullName: string): ReadName {
  const name = fullName.trim();
  const parts = name.split(',');
  if (parts.length !== 2) return { spoken: name, surnameOnly: false };
  const [last, after] = parts.map((p) => p.trim()) as [string, string];
  if (!isSurname(last)) return { spoken: name, surnameOnly: false };
  const kind = afterSurname(after);
  if (kind === 'given' || kind === 'titles') return { spoken: `${after} ${last}`, surnameOnly: false };
  return { spoken: name, surnameOnly: kind === 'suffixes' };
}

/**
 * The name in the order it is spoken: "Delgado, Maria" → "Maria Delgado", "Delgado, Maria and Jose"
 * → "Maria and Jose Delgado", "Smith, Dr. & Mrs." → "Dr. & Mrs. Smith". Any other comma stays as typed.
 */
export function inSpokenOrder(fullName: string): string {
  return read(fullName).spoken;
}

/** The words of the name that are words of a name: unwrapped, and with a letter in them. */
export function nameWords(fullName: string): string[] {
  return nameWordsOf(inSpokenOrder(fullName));
}

function nameWordsOf(spoken: string): string[] {
  return words(spoken)
    .map(unwrap)
    .filter((w) => /\p{L}/u.test(w));
}

/**
 * The first name alone, for crew: the first word of the name that is one, after any titles ("Dr.
 * Maria Delgado" → Maria). '' when there is none to give without giving a surname: no word has a
 * letter, or a title is followed by one word only ("Mr. Smith", "Dr. & Mrs. Smith"), or the name is
 * a surname and a suffix ("Smith, Jr.").
 */
export function givenName(fullName: string): string {
  const { spoken, surnameOnly } = read(fullName);
  if (surnameOnly) return '';
  const ws = nameWordsOf(spoken);
  let i = 0;
  while (i < ws.length && (isTitle(ws[i]!) || CONJUNCTION.test(ws[i]!))) i++;
  if (i > 0 && ws.length - i < 2) return '';
  return ws[i] ?? '';
}

/** The name has a word with a letter in it: a name givenName found nothing in was withheld, not unreadable. */
export function hasNameWord(fullName: string): boolean {
  return /\p{L}/u.test(fullName);
}

/**
 * Who the guest page greets ("Ahoy, Maria!"). After a title ("Dr. Maria Lopez", "Mr. & Mrs. Smith")
 * or an initial ("J. Smith") the first word is no name to greet by alone, so the whole name is used,
 * in spoken order: "J. Smith" is how the guest signs, and their own page may show the surname
 * (crew still get the first word only); "Smith, Jr." is greeted "Ahoy, Smith!" on their own page
 * too. '' when no word of it is a name: the page then greets without one.
 */
export function greetingName(fullName: string): string {
  const first = nameWords(fullName)[0];
  if (first === undefined) return '';
  if (!isTitle(first) && !INITIALS.test(first)) return first;
  const typed = words(inSpokenOrder(fullName));
  // From the first word with a letter, as typed: "Mr. & Mrs. Smith" keeps its "&".
  return typed.slice(typed.findIndex((w) => /\p{L}/u.test(w))).join(' ');
}
