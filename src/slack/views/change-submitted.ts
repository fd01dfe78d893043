/**
 * The change form submitted (approvers only, like opening it). Field errors go back next to their fields
 * (a captain or crew member the bot could never call among them); a valid form becomes a proposed
 * change — never applied here — and the bot posts the change request (old → new per field, the new
 * cost breakdown, Approve change / Reject) in the booking's thread.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { computeCosts } from '../../booking/costs';
import { parseBookingRequest } from '../../booking/schema';
import { charterTimeSettings } from '../../config';
import { changeDiff } from '../blocks/lifecycle';
import { modalValuesToInput, parseChangeModalMetadata } from '../blocks/modal';
import { approvalCheckWarnings } from '../intake/check-warnings';
import { checkRoster, uncallableWarnings, unresolvedWarnings, withRosterErrors } from '../intake/roster-check';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { publishChangeRequest, whyNotAllowedToChange, whyNotChangeable } from '../lifecycle';

export function changeSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    // Only a form opened for an approver gets here, unless CHARTER_APPROVERS changed since it opened.
    const refused = whyNotAllowedToChange(deps, body.user.id);
    if (refused) {
      await ack({ response_action: 'errors', errors: { guestName: refused } });
      return;
    }
    const meta = parseChangeModalMetadata(view.private_metadata);
    const input = modalValuesToInput(view.state.values as never);
    const parsed = parseBookingRequest(input, { now: new Date(deps.now()), timezone: deps.config.timezone, capacity: deps.config.operator.capacity });
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: await withRosterErrors(deps.users, input, parsed.errors as Record<string, string>) });
      return;
    }
    // The roster's users.info lookups go alongside the booking's read (both before the 3 s answer);
    // whom Slack does not answer for keeps the name the booking has for them.
    const read = meta ? deps.api.get(meta.bookingId) : Promise.resolve(undefined);
    const [booking, picks] = await Promise.all([read, checkRoster(deps.users, parsed.value, { known: read.then((b) => b?.roster) })]);
    const why = !meta || !booking ? 'This form no longer matches a booking; open Edit again.' : whyNotChangeable(booking);
    if (why) {
      await ack({ response_action: 'errors', errors: { guestName: why } });
      return;
    }
    // A captain or crew member the bot could never call (deactivated, a bot), or whom Slack did not answer for, is refused next to the field.
    if (picks.errors) {
      await ack({ response_action: 'errors', errors: picks.errors });
      return;
    }
    const request = parsed.value;
    const from = { request: booking!.request, roster: booking!.roster, costs: booking!.costs };
    const settings = charterTimeSettings(deps.config);
    await ack();
    const userId = body.user.id;
    const log = deps.log.child({ bookingId: meta!.bookingId, userId });
    try {
      const { roster, uncallable, unresolved } = await picks.result;
      const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, deps.config.rates);
      const details = { request, roster, costs };
      if (changeDiff(from, details, settings).length === 0) {
        return tellUser(client, deps.log, { channel: meta!.channel, user: userId }, `Nothing changed in booking \`${meta!.bookingId}\`; no change request was made.`);
      }
      // The same double-booking checks as a new booking's approval, against the new details; the
      // form has closed, so a check that fails is a warning, not a change to type again.
      // Who cannot be called is known only now when users.info outlasted the form's answer: the approver is told.
      const warnings = [...uncallableWarnings(uncallable), ...unresolvedWarnings(unresolved), ...(await approvalCheckWarnings(deps, { bookingId: meta!.bookingId, request, roster, current: booking!.request, ...(booking!.slack.intakeNotice?.offered ? { offered: booking!.slack.intakeNotice.offered } : {}) }))];
      const { booking: updated, op } = await deps.api.proposeChange(meta!.bookingId, { details, label: meta!.label, userId, warnings });
      // Approvers' Home tabs list it under "Waiting for approval"; nothing runs yet to refresh them.
      deps.home?.changed();
      const notShown = await publishChangeRequest(deps, client, updated, op.id);
      log.info({ opId: op.id }, 'change requested');
      if (notShown) await tellUser(client, deps.log, { channel: meta!.channel, user: userId }, notShown);
    } catch (err) {
      log.error({ err }, 'change could not be proposed');
      await tellUser(client, deps.log, { channel: meta!.channel, user: userId }, `The change to booking \`${meta!.bookingId}\` could not be proposed (${(err as { code?: string }).code ?? 'error'}). Nothing changed; try again.`);
    }
  };
}
