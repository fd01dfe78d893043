/**
 * Approve. The store's conditional approve picks exactly one winner across double clicks, Slack
 * retries and processes; only the winner's call starts the pipeline. Losers hear who won. The
 * approval policy (second approver, expiry) is the service's: a refusal arrives as a typed error,
 * is told to the clicker privately, and an expired request's message loses its buttons.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { humanInstant } from '../../booking/time';
import { ApprovalExpiredError, BookingNotFoundError, SelfApprovalError } from '../../pipeline/errors';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { approvalNotRedrawnText, approvalRedrawDeps, redrawApprovalUntilShown } from '../approval-redraw';

export function approveBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client, context }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    // In a burst (everyone approving at once), requests advance through their awaits in lockstep, so
    // this click's work would delay every other click's ack; a macrotask lets the pending acks go first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const userId = body.user.id;
    const channel = body.channel?.id;
    const bookingId = action.value ?? '';
    const log = deps.log.child({ bookingId, userId, retryNum: context.retryNum });
    if (!isApprover(deps.config, userId)) {
      log.info('approve refused: not an approver');
      return tellUser(client, deps.log, { channel, user: userId }, 'Only approvers can approve charters. Ask someone in CHARTER_APPROVERS.');
    }
    let outcome;
    try {
      // The winning write also claims the progress message for this process, which posts it below.
      outcome = await deps.api.approve(bookingId, userId, { progressClaimOwner: deps.progress.ownerId });
    } catch (err) {
      if (err instanceof BookingNotFoundError) return tellUser(client, deps.log, { channel, user: userId }, `No booking \`${bookingId}\`; nothing was approved.`);
      if (err instanceof SelfApprovalError) {
        log.info('approve refused: the creator may not approve (CHARTER_REQUIRE_SECOND_APPROVER)');
        return tellUser(client, deps.log, { channel, user: userId }, 'You created this booking, and this workspace requires a second approver: it needs an approver other than you.');
      }
      if (err instanceof ApprovalExpiredError) {
        log.info('approve refused: departure has passed');
        const departed = humanInstant(err.departureAtMs, deps.config.timezone);
        await tellUser(client, deps.log, { channel, user: userId }, `This charter can no longer be approved: its departure was ${departed}. Nothing was booked.`);
        return showExpired(deps, client, bookingId);
      }
      throw err;
    }
    if (!outcome.won) {
      const by = outcome.byUserId ? ` by <@${outcome.byUserId}>` : '';
      const what = outcome.reason === 'already_done' ? `Already approved${by}.` : `This booking is ${outcome.booking.state.replace('_', ' ')}${by}; it cannot be approved.`;
      return tellUser(client, deps.log, { channel, user: userId }, what);
    }
    const shown = await redrawApprovalUntilShown(approvalRedrawDeps(deps, client), outcome.booking, {
      read: () => deps.api.get(bookingId),
      afterFirstTry: () => {
        deps.progress.notify(bookingId);
        deps.home?.changed();
      },
    });
    if (!shown.drawn) {
      const reply = `Approved: the charter is being booked; its progress is in the booking's thread. ${approvalNotRedrawnText(shown, { buttonsLeft: true })}`;
      await tellUser(client, deps.log, { channel, user: userId }, reply);
    }
  };
}

/** The approval message says why it closed and loses its buttons (the periodic watch does the same unprompted). */
async function showExpired(deps: SlackDeps, client: AllMiddlewareArgs['client'], bookingId: string): Promise<void> {
  const booking = await deps.api.get(bookingId);
  if (booking) await redrawApprovalUntilShown(approvalRedrawDeps(deps, client), booking, { read: () => deps.api.get(bookingId) });
}
