/**
 * Which hours in a confirmation are the trip's length. Mails state a length in many places — a
 * title above the date ("Your 4-hour sunset cruise"), a labelled line below it ("Duration: 3 hrs"),
 * a sentence at the end — and hours that are something else: a policy ("cancel up to 48 hours
 * before"), a time to arrive ("1 hour early"), parking, a marina's or office's day.
 */
import { readHoursInLine } from './values';

/**
 * Words that make hours in a sentence a deadline, a wait or a time around the trip, not its length:
 * "Free cancellation up to 48 hours before", "respond within 24 hours", "arrive 1 hour early",
 * "about 2 hours after departure", "24 hours notice for catering", "parking for 4 hours".
 */
const NOT_THE_TRIP = /\b(cancel\w*|refund\w*|before|within|prior|advance|ago|respond\w*|expire\w*|reply|early|earlier|late|later|after|notice|parking)\b/i;
/**
 * A rate and its terms ("Hourly rate: $150 (4 hr minimum)", "Rate: $150/hr, 2 hour min"): what an
 * hour costs, not how many were booked. "4 hours x $300 = $1,200" names no rate, and its hours are the trip's.
 */
const RATE = /\b(hourly|rates?)\b/i;
/** Hours someone keeps, with a single number after them ("Dock hours: 6", "Office hrs 9"). */
const KEPT_HOURS = /\b(office|business|marina|harbou?r|dock|desk|store|shop|parking|opening|operating)\s+(?:hours?|hrs?)\b/i;
const HOURS_WORD = /\d\s*-?\s*(?:hours?|hrs?)\b|\b(?:duration|hours?|hrs?)\b/i;
/**
 * Where a line's sentences and clauses end: ". " "! " "; " ", " — not the point of "4.5 hours" nor
 * the comma of "1,200".
 */
const CLAUSE_END = /[.!?;,](?=\s|$)/;

/**
 * The trip's hours in a line of prose, read clause by clause: "Your 4-hour charter is confirmed.
 * Please arrive 15 minutes before departure." is 4 hours, while a clause with a deadline or wait in
 * it gives none — a clause, not the whole line, so the policy sentence after a title does not
 * hide the title's hours.
 */
export function proseTripHours(text: string): number | undefined {
  // A rate's terms run on past its clause ("Rate: $150/hr, 2 hour min"): the whole line is the rate's.
  if (RATE.test(text)) return undefined;
  for (const clause of text.split(CLAUSE_END)) {
    if (!HOURS_WORD.test(clause) || NOT_THE_TRIP.test(clause) || KEPT_HOURS.test(clause)) continue;
    const hours = readHoursInLine(clause);
    if (hours !== undefined) return hours;
  }
  return undefined;
}
