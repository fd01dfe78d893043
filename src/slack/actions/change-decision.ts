/**
 * Approve change / Reject on a change request: approvers only; one conditional write picks the
 * winner across double clicks, Slack retries and processes. The winner's approval starts the change
 * (after whatever runs now); the request message shows the decision, healed by the approval watch
 * when Slack does not take its redraw (change-requests-redrawn.ts). A click on a request already
 * decided is refused, with who decided it, and redraws the message.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { humanInstant } from '../../booking/time';
import { ApprovalExpiredError, BookingNotFoundError, SelfApprovalError } from '../../pipeline/errors';
import type { BookingRecord } from '../../pipeline/types';
import { changeNotApplied, notAppliedText } from '../blocks/change-not-applied';
import { parseChangeValue } from '../blocks/lifecycle';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { redrawChangeRequests } from '../change-requests-redrawn';

export function decideChange(deps: SlackDeps, decision: 'approve' | 'reject') {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const target = parseChangeValue(action.value);
    if (!target) return;
    if (!isApprover(deps.config, userId)) return tellUser(client, deps.log, { channel, user: userId }, `Only approvers can ${decision} a change. Ask someone in CHARTER_APPROVERS.`);
    let outcome;
    try {
      outcome = decision === 'approve' ? await deps.api.approveChange(target.bookingId, target.opId, userId) : await deps.api.rejectChange(target.bookingId, target.opId, userId);
    } catch (err) {
      if (err instanceof BookingNotFoundError) return tellUser(client, deps.log, { channel, user: userId }, `No booking \`${target.bookingId}\`; nothing was changed.`);
      if (err instanceof SelfApprovalError) {
        return tellUser(client, deps.log, { channel, user: userId }, 'You asked for this change, and this workspace requires a second approver: it needs an approver other than you.');
      }
      if (!(err instanceof ApprovalExpiredError)) throw err;
      const departed = humanInstant(err.departureAtMs, deps.config.timezone);
      return tellUser(client, deps.log, { channel, user: userId }, `This change can no longer be approved: the charter it describes departed ${departed}, so nothing was changed and nobody was called. To move the charter to another day, open *Edit* and reschedule it.`);
    }
    if (!outcome.won) {
      // A click on buttons left showing: the message missed its decision's redraw (Slack failed
      // it, or a process stopped before it), so it is drawn now, and marked for the watch if that
      // fails too; the refusal waits for it, to say so as a decision's reply does. The loser of a
      // double click finds the winner's redraw in this process instead: once that lands, the
      // message already shows the verdict and a second chat.update would only spend Slack's limit.
      const drawnHere = await deps.changeRequestDraws?.drawn(target.bookingId, target.opId);
      const notShown = drawnHere ? undefined : await redrawChangeRequests(deps, client, outcome.booking, [{ opId: target.opId, buttonsLeft: true }]).notShown;
      const refusal = alreadyDecidedText(outcome.booking, target.opId, outcome, deps.config.timezone);
      await tellUser(client, deps.log, { channel, user: userId }, notShown ? `${refusal} ${notShown}` : refusal);
      return;
    }
    // The clicked request, and any approved one this approval replaced: each message says what became of it.
    const replaced = (outcome.booking.operations ?? []).filter((o) => o.status === 'superseded' && o.note === `replaced by ${target.opId}`);
    const redrawn = redrawChangeRequests(deps, client, outcome.booking, [{ opId: target.opId, buttonsLeft: true }, ...replaced.map((o) => ({ opId: o.id, buttonsLeft: false, replaced: true }))]);
    await redrawn.firstTried;
    const decided = outcome.booking.operations?.find((o) => o.id === target.opId);
    const notApplied = decided && changeNotApplied(decided);
    let told: string | undefined;
    if (notApplied) {
      told = notAppliedText(notApplied);
    } else if (replaced.length > 0) {
      const what = replaced.map((o) => `${o.label ?? 'change'}${o.approvedBy ? ` approved by <@${o.approvedBy}>` : ''}`).join('; ');
      told = `Approved. It replaces the earlier change that had not run yet (${what}): only what this request shows will be applied.`;
    }
    deps.progress.notify(target.bookingId);
    // A rejected (or outdated) request starts no run whose steps would refresh the Home tabs listing it.
    deps.home?.changed();
    // Told once the redraws are done (at once when they land), with why a message still shows its buttons.
    const notShown = await redrawn.notShown;
    const reply = [told, notShown].filter((t): t is string => t !== undefined).join(' ');
    if (reply) await tellUser(client, deps.log, { channel, user: userId }, reply);
  };
}

/** Why a click on a request already decided changes nothing: who decided it, or what took its place. */
function alreadyDecidedText(booking: BookingRecord, opId: string, outcome: { status: string; byUserId?: string }, timezone: string): string {
  const op = booking.operations?.find((o) => o.id === opId);
  const notApplied = op && changeNotApplied(op);
  if (notApplied) return notAppliedText(notApplied, 'That change was not applied');
  if (op && outcome.status === 'superseded') {
    // "superseded" is the record's word: the office reads that a newer change took its place.
    const newer = booking.operations?.find((o) => op.note === `replaced by ${o.id}`);
    const by = newer?.approvedBy ? ` approved by <@${newer.approvedBy}>` : '';
    const at = newer?.approvedAtMs !== undefined ? ` on ${humanInstant(newer.approvedAtMs, timezone)}` : '';
    return `That change was already replaced by a newer change${newer?.label ? ` (${newer.label})` : ''}${by}${at}.`;
  }
  const by = outcome.byUserId ? ` by <@${outcome.byUserId}>` : '';
  // Only a cancel stops a change; "already stopped by @Olivia" named the approver as its cause.
  if (outcome.status === 'stopping' || outcome.status === 'stopped') return `That change was already approved${by}, and the charter's cancel stopped it.`;
  if (outcome.status === 'missing') return 'That change request is no longer on this booking.';
  // A run that failed was approved all the same ("already failed by @Olivia" named her as its cause); the progress message tells of the run.
  const approved = ['queued', 'running', 'done', 'failed'].includes(outcome.status);
  return `That change is already ${approved ? 'approved' : outcome.status}${by}.`;
}
