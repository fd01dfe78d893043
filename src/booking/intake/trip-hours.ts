/**
 * Which hours in a confirmation are the trip's length. Mails state a length in many places — a
 * title above the date ("Your 4-hour sunset cruise"), a labelled line below it ("Duration: 3 hrs"),
 * a sentence at the end — and hours that are something else: a policy ("cancel up to 48 hours
 * before"), a time to arrive ("1 hour early"), parking, a marina's or office's day.
 */
import { readHoursInLine } from './values';

/**
 * Words that make hours in a sentence a deadline, a wait or a time around the trip, not its length:
 * "Free cancellation up to 48 hours before", "respond within 24 hours", "24 hours notice for
 * catering".
 */
const NOT_THE_TRIP = /\b(cancel\w*|refund\w*|before|within|prior|advance|ago|respond\w*|expire\w*|reply|notice)\b/i;
/**
 * Hours of parking ("Free parking for 4 hours", "Parking: free up to 4 hours", "4 hours of free
 * parking"), the hours next to the word: "Your 4-hour charter includes free parking." is 4 hours.
 */
const PARKING = /\bparking\b[^.,;]*?\b(?:for|up\s+to)\s+\d|\d\s*-?\s*(?:hours?|hrs?)\s+(?:of\s+)?(?:free\s+)?parking\b/i;
/**
 * Hours that measure from the trip rather than last it — "arrive 1 hour early", "about 2 hours after
 * departure", "Sunset is about 1 hour into your cruise", "back 2 hours later than planned" — the
 * word right after the hours ("early" and "late" ending the clause or leading on to what they measure from). Not "a 6-hour early morning
 * fishing trip" nor "a 3 hour late-afternoon sail": there the hours name the trip, the word its
 * time of day.
 */
const AROUND =
  /(?<!-)\b(?:hours?|hrs?)\s+(?:(?:after|into)\b(?!-)|(?:early|earlier|late|later)\b(?!-)(?=\s*$|\s*[.,;:!?)]|\s+(?:to|than|for|from|of|the|your|our|departure|arrival|check\w*|start\w*|boarding|sunset|sunrise|and|so|if|please)\b))/i;
/**
 * Hours offered on top of the booking ("Add-on: extra 2 hours", "Upgrade to a 6 hour trip", "Extend
 * to 4 hours", "2 hours more", "Additional hours: 2"): only next to the hours, as "a 4-hour cruise
 * with extra snorkel gear" or "includes an additional captain" still state the trip's length. Also
 * an offer in the guest's or the platform's words: "Make it a 6-hour cruise for just $300 more",
 * "stay out 2 hours longer".
 */
const UPSELL = /\b(?:extra|additional|add(?:-?on)?:?|another)\s+(?:an?\s+)?\d{1,2}(?:\.\d{1,2})?\s*-?\s*(?:hours?|hrs?)\b|\b(?:extra|additional|add-?on)\s+(?:hours?|hrs?)\s*[:=-]?\s*\d|\b(?:upgrade|extend)\w*\s+(?:to|by|it)\b|\bovertime\b|\b\d{1,2}\s*(?:hours?|hrs?)\s+(?:more|extra|longer)\b|\bmake\s+it\s+an?\s+\d|\bfor\s+(?:just|only)\s+\$/i;
/**
 * A line that lists what can be added to a booking ("Add-ons: Extra hour (1 hour) $150", "Extras:
 * 1 hour ($150)"): all of it is the offer's, its hours in brackets too.
 */
const ADD_ON_LINE = /^\W*(?:optional\s+)?(?:add-?ons?|extras?|upgrades?|upsells?)\s*:/i;
/**
 * A clause about something added to the booking. An aside in brackets right after it says how much
 * of it ("Add an extra hour (1 hr) for $150"): its hours are the add-on's, not the trip's.
 */
const ADD_ON_CLAUSE = /\b(?:extra|additional|add-?ons?|upgrade\w*|extend\w*|extension)\b/i;
/**
 * Being at the boat some hours before it leaves ("Please plan on arriving 1 hour early at the dock",
 * "be at the marina 1 hour ahead of time"): the hours are a wait, whatever word follows them. Not
 * "a 6-hour early morning trip", where "early" is the trip's time of day.
 */
const ARRIVE = /\b(?:arriv\w*|show(?:ing)?\s+up|be\s+(?:at|there|here)|get(?:ting)?\s+(?:there|here)|check(?:ing)?[\s-]?in)\b/i;
const EARLY = /\d\s*-?\s*(?:hours?|hrs?)\s+(?:early|earlier|ahead|beforehand)\b(?!-|\s+(?:morning|afternoon|evening|night|dawn|sunrise|sunset)\b)/i;
/** A place's day ("Open 7 days, 12 hours a day", "staffed 24 hours per day"): kept hours, not a trip's. */
const PER_DAY = /\b(?:hours?|hrs?)\s+(?:a|per|each)\s+day\b/i;
/**
 * A rate and its terms ("Hourly rate: $150 (4 hr minimum)", "Rate: $150/hr, 2 hour min"): what an
 * hour costs, not how many were booked. "4 hours x $300 = $1,200" names no rate, and its hours are the trip's.
 */
const RATE = /\b(hourly|rates?)\b/i;
/**
 * A minimum after the hours ("Trip type: 2-hour minimum", "4 hr min"): the least that can be
 * booked, not what was. Read by clause, not line as a rate is, so "Your 4-hour charter (2 hour
 * minimum)" keeps its 4. Not "Trip: 06/15/2027 minimum 4 hours", which a platform writes for the
 * booked length; "min" only right after the hours, as "3 hours 30 min" is minutes.
 */
const MINIMUM = /\d\s*-?\s*(?:hours?|hrs?|h)\s+(?:minimum|min)\b/i;
/** Hours someone keeps, with a single number after them ("Dock hours: 6", "Office hrs 9"). */
/**
 * Hours of the guest's travel, not the trip: "It's a 3 hour drive for us", "Our flight is 5 hours".
 */
const TRAVEL = /\b(?:drive|driving|flight|fly|flying|train|bus|layover|commute)\b/i;
/**
 * A length a change replaced: "Previous duration: 4 hours" over "New duration: 6 hours",
 * "Original duration", "(was 4 hours)".
 */
const REPLACED = /\b(?:previous(?:ly)?|original(?:ly)?|old|formerly)\b|\bwas\s+(?:an?\s+)?\d/i;
const KEPT_HOURS = /\b(office|business|marina|harbou?r|dock|desk|store|shop|parking|opening|operating)\s+(?:hours?|hrs?)\b/i;
const HOURS_WORD = /\d\s*-?\s*(?:hours?|hrs?)\b|\b(?:duration|hours?|hrs?)\b/i;
/**
 * Where a line's sentences and clauses end: ". " "! " "; " ", " — not the point of "4.5 hours" nor
 * the comma of "1,200" — and where an aside opens or closes: "(", ")", a spaced dash (the reader
 * has made "—" and "–" a hyphen by now): "Your 4-hour sunset cruise (arrive 1 hour early)" is 4
 * hours, the aside's hour no reason to drop the title's. Not the hyphen of "4-hour".
 */
const CLAUSE_END = /([.!?;,](?=\s|$)|[()[\]]|\s-\s)/;

/**
 * A word that makes a clause's hours about the trip: "Your 4-hour sunset cruise", "the 6 hour
 * fishing trip", "3 hours on the water". Not "boat": "The boat holds 12 hours of fuel."
 */
const TRIP_CLAUSE =
  /\b(?:cruise|charter\w*|trip|sail\w*|rental|tour|booked|booking|reserv\w*|duration|excursion|outing|fishing|on\s+the\s+water)\b/i;

/**
 * The trip's hours in a line of prose, read clause by clause: "Your 4-hour charter is confirmed.
 * Please arrive 15 minutes before departure." is 4 hours, while a clause with a deadline or wait in
 * it gives none — a clause, not the whole line, so the policy sentence after a title does not
 * hide the title's hours. A clause that names the trip is taken before one that does not, and
 * `trip` says whether the hours came from one.
 */
export function proseTripHours(text: string): { hours: number; trip: boolean } | undefined {
  // A rate's terms run on past its clause ("Rate: $150/hr, 2 hour min"): the whole line is the rate's.
  if (RATE.test(text) || ADD_ON_LINE.test(text)) return undefined;
  let first: number | undefined;
  // The split keeps each clause's end: [clause, end, clause, end, …, clause].
  const parts = text.split(CLAUSE_END);
  for (let k = 0; k < parts.length; k += 2) {
    const clause = parts[k] as string;
    const addOnAside = k >= 2 && /^[([]$/.test(parts[k - 1] as string) && ADD_ON_CLAUSE.test(parts[k - 2] as string);
    if (addOnAside || !HOURS_WORD.test(clause) || NOT_THE_TRIP.test(clause) || AROUND.test(clause) || (ARRIVE.test(clause) && EARLY.test(clause)) || PARKING.test(clause) || UPSELL.test(clause) || KEPT_HOURS.test(clause) || PER_DAY.test(clause) || MINIMUM.test(clause) || TRAVEL.test(clause) || REPLACED.test(clause)) continue;
    const hours = readHoursInLine(clause);
    if (hours === undefined) continue;
    if (TRIP_CLAUSE.test(clause)) return { hours, trip: true };
    first ??= hours;
  }
  return first === undefined ? undefined : { hours: first, trip: false };
}

/** Hours a trip can last: more than none, at most a day. */
export function isTripLength(hours: number | undefined): hours is number {
  return hours !== undefined && hours > 0 && hours <= 24;
}

export interface HoursCandidate {
  /** Undefined when the line states no length: such lines are skipped. */
  hours: number | undefined;
  /** The line read, for the field's evidence. */
  raw: string;
  index: number;
  /** Under a duration label, or labelled on the date's line; else read from prose. */
  labelled: boolean;
  /** Prose whose clause names the trip ("4-hour cruise"), over one that does not ("12 hours of fuel"). */
  trip?: boolean;
  /** A line of the guest's note: what they ask for, not what was booked. */
  note?: boolean;
  /**
   * The date the line itself names, if any ("Dec 20: 2 hours" is Dec 20's trip). Asked only when
   * the lengths differ: reading a date is the costly part, and a paste mostly states one length.
   */
  day?: () => string | undefined;
}

/**
 * The trip's length among every one the text states. One length, however often stated, is it. Of
 * different ones, a labelled length ("Duration: 4 hours", "Hours: 3", hours on the date's line)
 * beats any in prose, however near the date the prose stands: a sentence under the date ("You'll
 * have 3 hours on the water and 1 hour at the sandbar") describes the trip's parts as often as its
 * length, while a label is the platform stating it. Of labelled ones, the nearest the line the
 * trip's date came from: a length further off is more likely an older quote or another trip. Two
 * different labelled ones as near are told apart by the hours from the start to the end time
 * (`startToEnd`, "4:00 PM – 8:00 PM"), when those agree with one of them: the platform stated
 * that length twice over. Else they leave the field for the operator (`conflict` says which, for
 * the modal's hint). Prose is read only when nothing labelled states a length. A note's lengths
 * (what the guest asks for) and a line that names another day ("Dec 20: 2 hours" under Dec 19's
 * booking) count only when nothing else states a length, the start and end times included (else
 * undefined is returned, and the times fill it): they are the only word on it then, if they all
 * state one length, and a `conflict` if not. Without a date, the first labelled length, else the
 * first in prose (a note's only without times), as the reader has always taken them.
 */
export function tripHours(
  candidates: readonly HoursCandidate[],
  date: { index: number; day: string } | undefined,
  startToEnd?: number,
): { trip: HoursCandidate } | { conflict: number[] } | undefined {
  // A length past a day ("48 hours") is no trip's: that candidate goes, and the next is chosen.
  const stated = candidates.filter((c) => isTripLength(c.hours));
  if (date === undefined) {
    const pool = stated.some((c) => !c.note) ? stated.filter((c) => !c.note) : startToEnd === undefined ? stated : [];
    const first = pool.find((c) => c.labelled) ?? pool[0];
    return first && { trip: first };
  }
  // The start and end times state a length too: one line naming another day disagrees with them.
  const differ = stated.some((c) => c.hours !== (startToEnd ?? stated[0]?.hours));
  // Each candidate's date is read at most once, however many tiers ask.
  const asideOf = new Map<HoursCandidate, boolean>();
  const aside = (c: HoursCandidate): boolean => {
    let is = asideOf.get(c);
    if (is === undefined) asideOf.set(c, (is = c.note === true || (differ && (c.day?.() ?? date.day) !== date.day)));
    return is;
  };
  const distance = (c: HoursCandidate) => Math.abs(c.index - date.index);
  const byNearness = [...stated].sort((x, y) => distance(x) - distance(y));
  // The nearest candidates that pass, walking out from the date: a far line's date is never read.
  const nearest = (ok: (c: HoursCandidate) => boolean): HoursCandidate[] => {
    const group: HoursCandidate[] = [];
    for (const c of byNearness) {
      if (group.length > 0 && distance(c) > distance(group[0] as HoursCandidate)) break;
      if (ok(c)) group.push(c);
    }
    return group;
  };
  // Prose that names the trip before prose that does not ("Includes 2 hours of open bar").
  const tiers: ((c: HoursCandidate) => boolean)[] = [
    (c) => c.labelled && !aside(c),
    (c) => !c.labelled && c.trip === true && !aside(c),
    (c) => !c.labelled && !aside(c),
  ];
  for (const tier of tiers) {
    const tied = nearest(tier);
    if (tied.length === 0) continue;
    const lengths = [...new Set(tied.map((c) => c.hours as number))];
    if (lengths.length === 1) return { trip: tied[0] as HoursCandidate };
    // Two sentences as near, one above the date and one below: the one above is the mail's title
    // or opening line ("Your 4-hour sunset cruise is confirmed!"), the one below more often an
    // aside. Only two labels as near leave the field for the operator.
    if (!tied.every((c) => c.labelled)) return { trip: tied.find((c) => c.index < date.index) ?? (tied[0] as HoursCandidate) };
    const timed = tied.find((c) => c.hours === startToEnd);
    return timed ? { trip: timed } : { conflict: lengths };
  }
  // Only the guest's note or lines naming another day state a length. The booking's own start and
  // end times come first. Else one length, however often stated, is the only word on the trip's;
  // of different ones none is more the booking's than another ("Dec 18: 3-hour cruise", "Dec 20:
  // 2-hour cruise" under Dec 19's date): the operator reads which.
  if (startToEnd !== undefined) return undefined;
  const lengths = [...new Set(stated.map((c) => c.hours as number))];
  if (lengths.length > 1) return { conflict: lengths };
  const only = nearest((c) => c.labelled)[0] ?? nearest(() => true)[0];
  return only && { trip: only };
}
