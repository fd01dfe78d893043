import type { App } from '@slack/bolt';
import { APPROVE_ACTION_ID, CANCEL_ACTION_ID } from '../blocks/approval';
import { CREW_CONFIRM_ACTION_PREFIX } from '../blocks/crew';
import { CHANGE_APPROVE_ACTION_ID, CHANGE_REJECT_ACTION_ID, EDIT_ACTION_ID } from '../blocks/lifecycle';
import { RETRY_ACTION_ID } from '../blocks/progress';
import type { SlackDeps } from '../context';
import { approveBooking } from './approve';
import { cancelBooking } from './cancel';
import { decideChange } from './change-decision';
import { confirmCrew } from './crew-confirm';
import { editBooking } from './edit';
import { retryBooking } from './retry';

export function register(app: App, deps: SlackDeps): void {
  app.action(APPROVE_ACTION_ID, approveBooking(deps));
  app.action(CANCEL_ACTION_ID, cancelBooking(deps));
  app.action(RETRY_ACTION_ID, retryBooking(deps));
  app.action(new RegExp(`^${CREW_CONFIRM_ACTION_PREFIX}`), confirmCrew(deps));
  app.action(EDIT_ACTION_ID, editBooking(deps));
  app.action(CHANGE_APPROVE_ACTION_ID, decideChange(deps, 'approve'));
  app.action(CHANGE_REJECT_ACTION_ID, decideChange(deps, 'reject'));
}
