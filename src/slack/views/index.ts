import type { App } from '@slack/bolt';
import { BOOKING_MODAL_CALLBACK_ID } from '../blocks/modal';
import type { SlackDeps } from '../context';
import { bookingSubmitted } from './booking-submitted';

export function register(app: App, deps: SlackDeps): void {
  app.view(BOOKING_MODAL_CALLBACK_ID, bookingSubmitted(deps));
}
