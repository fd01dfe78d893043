import type { App } from '@slack/bolt';
import { CREW_DECLINE_CALLBACK_ID } from '../blocks/crew';
import { BOOKING_MODAL_CALLBACK_ID, CHANGE_MODAL_CALLBACK_ID } from '../blocks/modal';
import type { SlackDeps } from '../context';
import { bookingSubmitted } from './booking-submitted';
import { changeSubmitted } from './change-submitted';
import { crewDeclined } from './crew-declined';

export function register(app: App, deps: SlackDeps): void {
  app.view(BOOKING_MODAL_CALLBACK_ID, bookingSubmitted(deps));
  app.view(CHANGE_MODAL_CALLBACK_ID, changeSubmitted(deps));
  app.view(CREW_DECLINE_CALLBACK_ID, crewDeclined(deps));
}
