import type { App } from '@slack/bolt';
import { parseSessionId } from '../../booking/session-id';
import { APPROVE_ACTION_ID, CANCEL_ACTION_ID } from '../blocks/approval';
import { CREW_CHANGE_ACTION_ID, CREW_CONFIRM_ACTION_PREFIX, CREW_DECLINE_ACTION_PREFIX, parseConfirmValue } from '../blocks/crew';
import { ICAL_CANCEL_ACTION_ID, ICAL_CREATE_ACTION_ID, ICAL_RESCHEDULE_ACTION_ID } from '../blocks/intake';
import { DETAILS_ACTION_ID, RETRY_ACTION_ID } from '../blocks/progress';
import type { SlackDeps } from '../context';
import { approveBooking } from './approve';
import { cancelBooking } from './cancel';
import { tellWhenClickFails } from './click-failed';
import { changeCrew } from './crew-change';
import { confirmCrew } from './crew-confirm';
import { declineCrew } from './crew-decline';
import { createCharterFromEvent, handOver } from './ical-notice';
import { showDetails } from './details';
import { CHANGE_APPROVE_ACTION_ID, CHANGE_REJECT_ACTION_ID, EDIT_ACTION_ID, parseChangeValue, parseEditValue } from '../blocks/lifecycle';
import { needsButtonValue } from '../malformed-requests';
import { decideChange } from './change-decision';
import { editBooking } from './edit';
import { retryBooking } from './retry';

/** The value of a button that names one booking: its id exactly as the bot wrote it. */
const isBookingId = (value: string) => parseSessionId(value) === value;

export function register(app: App, deps: SlackDeps): void {
  const naming = (names: (value: string) => boolean) => needsButtonValue(deps.log, names);
  const bookingButton = naming(isBookingId);
  // A click whose work fails after its ack is answered privately (click-failed.ts), not left silent.
  const booking = (value: string | undefined) => value;
  const crewBooking = (value: string | undefined) => parseConfirmValue(value)?.bookingId;
  app.action(APPROVE_ACTION_ID, bookingButton, tellWhenClickFails(deps, { button: 'Approve', bookingIdOf: booking }, approveBooking(deps)));
  app.action(CANCEL_ACTION_ID, bookingButton, tellWhenClickFails(deps, { button: 'Cancel', bookingIdOf: booking }, cancelBooking(deps)));
  app.action(RETRY_ACTION_ID, bookingButton, tellWhenClickFails(deps, { button: 'Retry', bookingIdOf: booking }, retryBooking(deps)));
  app.action(DETAILS_ACTION_ID, bookingButton, showDetails(deps));
  const crewButton = naming((v) => parseConfirmValue(v) !== undefined);
  app.action(new RegExp(`^${CREW_CONFIRM_ACTION_PREFIX}`), crewButton, tellWhenClickFails(deps, { button: 'Confirm', bookingIdOf: crewBooking }, confirmCrew(deps)));
  app.action(new RegExp(`^${CREW_DECLINE_ACTION_PREFIX}`), crewButton, tellWhenClickFails(deps, { button: "Can't make it", bookingIdOf: crewBooking }, declineCrew(deps)));
  app.action(CREW_CHANGE_ACTION_ID, bookingButton, changeCrew(deps));
  // Its listener answers a value it cannot read itself: a notice from an older version of the bot.
  app.action(ICAL_CREATE_ACTION_ID, createCharterFromEvent(deps));
  // The change and cancel flows (lifecycle) take these over; until then they point at the commands.
  app.action(ICAL_RESCHEDULE_ACTION_ID, bookingButton, handOver('reschedule')(deps));
  app.action(ICAL_CANCEL_ACTION_ID, bookingButton, handOver('cancel')(deps));
  app.action(EDIT_ACTION_ID, naming((v) => parseEditValue(v) !== undefined), editBooking(deps));
  const changeButton = naming((v) => parseChangeValue(v) !== undefined);
  app.action(CHANGE_APPROVE_ACTION_ID, changeButton, decideChange(deps, 'approve'));
  app.action(CHANGE_REJECT_ACTION_ID, changeButton, decideChange(deps, 'reject'));
}
