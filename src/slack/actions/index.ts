import type { App } from '@slack/bolt';
import { APPROVE_ACTION_ID, CANCEL_ACTION_ID } from '../blocks/approval';
import { CREW_CHANGE_ACTION_ID, CREW_CONFIRM_ACTION_PREFIX, CREW_DECLINE_ACTION_PREFIX } from '../blocks/crew';
import { ICAL_CANCEL_ACTION_ID, ICAL_CREATE_ACTION_ID, ICAL_RESCHEDULE_ACTION_ID } from '../blocks/intake';
import { DETAILS_ACTION_ID, RETRY_ACTION_ID } from '../blocks/progress';
import type { SlackDeps } from '../context';
import { approveBooking } from './approve';
import { cancelBooking } from './cancel';
import { changeCrew } from './crew-change';
import { confirmCrew } from './crew-confirm';
import { declineCrew } from './crew-decline';
import { createCharterFromEvent, handOver } from './ical-notice';
import { showDetails } from './details';
import { CHANGE_APPROVE_ACTION_ID, CHANGE_REJECT_ACTION_ID, EDIT_ACTION_ID } from '../blocks/lifecycle';
import { decideChange } from './change-decision';
import { editBooking } from './edit';
import { retryBooking } from './retry';

export function register(app: App, deps: SlackDeps): void {
  app.action(APPROVE_ACTION_ID, approveBooking(deps));
  app.action(CANCEL_ACTION_ID, cancelBooking(deps));
  app.action(RETRY_ACTION_ID, retryBooking(deps));
  app.action(DETAILS_ACTION_ID, showDetails(deps));
  app.action(new RegExp(`^${CREW_CONFIRM_ACTION_PREFIX}`), confirmCrew(deps));
  app.action(new RegExp(`^${CREW_DECLINE_ACTION_PREFIX}`), declineCrew(deps));
  app.action(CREW_CHANGE_ACTION_ID, changeCrew(deps));
  app.action(ICAL_CREATE_ACTION_ID, createCharterFromEvent(deps));
  // The change and cancel flows (lifecycle) take these over; until then they point at the commands.
  app.action(ICAL_RESCHEDULE_ACTION_ID, handOver('reschedule')(deps));
  app.action(ICAL_CANCEL_ACTION_ID, handOver('cancel')(deps));
  app.action(EDIT_ACTION_ID, editBooking(deps));
  app.action(CHANGE_APPROVE_ACTION_ID, decideChange(deps, 'approve'));
  app.action(CHANGE_REJECT_ACTION_ID, decideChange(deps, 'reject'));
}
