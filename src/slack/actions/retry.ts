/**
 * Retry: approvers only; the service re-runs only the failed steps and what depends on them. A
 * booking whose trip has already left is not re-run (the service refuses): the clicker hears why
 * and what to do instead.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { humanInstant } from '../../booking/time';
import { BookingNotFoundError, RetryAfterDepartureError } from '../../pipeline/errors';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';

export function retryBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const bookingId = action.value ?? '';
    if (!isApprover(deps.config, userId)) return tellUser(client, deps.log, { channel, user: userId }, 'Only approvers can retry a booking.');
    let outcome;
    try {
      outcome = await deps.api.retry(bookingId, userId);
    } catch (err) {
      if (err instanceof BookingNotFoundError) return tellUser(client, deps.log, { channel, user: userId }, `No booking \`${bookingId}\`; nothing was retried.`);
      if (!(err instanceof RetryAfterDepartureError)) throw err;
      deps.log.child({ bookingId, userId }).info('retry refused: departure has passed');
      // Redrawn without its Retry button: the message offered one because it was drawn before departure.
      deps.progress.notify(bookingId);
      const departed = humanInstant(err.departureAtMs, deps.config.timezone);
      const text =
        err.failed === 'change'
          ? `This change can no longer be retried: the charter it leaves departed ${departed}. Retrying now would update a trip that is over and call its crew. To close the booking, use *Cancel charter*, which undoes what was made.`
          : `This charter can no longer be retried: its departure was ${departed}. Retrying now would book a trip that is over and call its crew. To close it, use *Cancel charter*, which undoes what was made.`;
      return tellUser(client, deps.log, { channel, user: userId }, text);
    }
    if (!outcome.won) return tellUser(client, deps.log, { channel, user: userId }, `Nothing to retry: the booking is ${outcome.booking.state.replace('_', ' ')}.`);
    deps.progress.notify(bookingId);
  };
}
