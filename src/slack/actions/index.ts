import type { App } from '@slack/bolt';
import { APPROVE_ACTION_ID, CANCEL_ACTION_ID } from '../blocks/approval';
import { CREW_CHANGE_ACTION_ID, CREW_CONFIRM_ACTION_PREFIX, CREW_DECLINE_ACTION_PREFIX } from '../blocks/crew';
import { DETAILS_ACTION_ID, RETRY_ACTION_ID } from '../blocks/progress';
import type { SlackDeps } from '../context';
import { approveBooking } from './approve';
import { cancelBooking } from './cancel';
import { changeCrew } from './crew-change';
import { confirmCrew } from './crew-confirm';
import { declineCrew } from './crew-decline';
import { showDetails } from './details';
import { retryBooking } from './retry';

export function register(app: App, deps: SlackDeps): void {
  app.action(APPROVE_ACTION_ID, approveBooking(deps));
  app.action(CANCEL_ACTION_ID, cancelBooking(deps));
  app.action(RETRY_ACTION_ID, retryBooking(deps));
  app.action(DETAILS_ACTION_ID, showDetails(deps));
  app.action(new RegExp(`^${CREW_CONFIRM_ACTION_PREFIX}`), confirmCrew(deps));
  app.action(new RegExp(`^${CREW_DECLINE_ACTION_PREFIX}`), declineCrew(deps));
  app.action(CREW_CHANGE_ACTION_ID, changeCrew(deps));
}
