/**
 * What a crew post shows once its charter is cancelled, as the cancel's crew step draws it. An
 * answer's redraw that finds the booking cancelled, and a click refused on a cancelled charter,
 * draw the same message: a post drawn by different code must not flip between two wordings.
 */
import type { Config } from '../config';
import { revisionMadeAtMs } from '../pipeline/guest-page-history';
import { cancelOperation } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import type { SlackMessage } from './blocks/approval';
import { crewCancelledMessage } from './blocks/lifecycle';
import { callShownOn } from './crew-call-shown';
import { crewSafeViewOf, type CrewPostRef } from './crew-notice';

/**
 * A cancel after the trip's departure is the office closing its books: the post says so in the
 * past. Judged as of the cancel's start (`cancelRevision`), so every drawing of it is the same post,
 * and by the call the post showed (`shown`, ./crew-call-shown.ts): a failed change that moved the
 * date into the past (a typo) made that date the booking's, yet its crew still read a trip to come,
 * which must still be told it will not sail.
 */
export function cancelledAfterDeparture(booking: BookingRecord, config: Config, cancelRevision: number | undefined = cancelOperation(booking)?.revision, shown: BookingRecord = booking): boolean {
  const view = crewSafeViewOf(shown, config);
  return Date.parse(view.departure.iso) <= revisionMadeAtMs(booking, cancelRevision ?? booking.revision ?? 1);
}

/**
 * The crew post `post` of a cancelled charter (no buttons), with the call it last showed
 * (./crew-call-shown.ts): a change that failed before redrawing it did not move what its crew read.
 * `shown`: that call, when the caller has already found it.
 */
export function cancelledCrewMessage(
  booking: BookingRecord,
  config: Config,
  post: Pick<CrewPostRef, 'key' | 'call'>,
  cancelRevision: number | undefined = cancelOperation(booking)?.revision,
  shown: BookingRecord = callShownOn(booking, config, post),
): SlackMessage {
  return crewCancelledMessage(crewSafeViewOf(shown, config), { departed: cancelledAfterDeparture(booking, config, cancelRevision, shown) });
}
