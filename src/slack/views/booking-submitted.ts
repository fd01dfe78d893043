/**
 * Booking modal submitted. Schema errors go back next to their fields (block id = field name) and
 * nothing is posted; so does a captain or crew member the bot could never call (deactivated, a bot)
 * or whom Slack did not answer for (../intake/roster-check.ts). A valid booking: ack (closes the
 * modal), resolve the roster (a lookup failing after the ack is a warning, never a lost booking), compute
 * costs, check for duplicates and double bookings, store it, post the approval message, remember
 * where it is, and redraw the iCal notice the form came from (if any) without its Create button
 * (remembered on the booking: a cancel before approval offers it again, ../intake/notice-after-cancel.ts).
 *
 * The booking id is derived from the modal's view id, so the same submission delivered again (a
 * retry, a double click, two instances) collides on create and makes no second booking or post.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { computeCosts } from '../../booking/costs';
import { parseBookingRequest } from '../../booking/schema';
import { sessionIdFor } from '../../booking/session-id';
import { BookingExistsError } from '../../pipeline/errors';
import { cancelledBeforeApproval } from '../../pipeline/operations';
import { escapeMrkdwn } from '../blocks/format';
import { createdEventNotice } from '../blocks/intake';
import { modalValuesToInput, parseModalMetadata, type NoticeRef } from '../blocks/modal';
import { bookingMetadata } from '../booking-ref';
import { approvalChannelFor, isUserId } from '../approval-channel';
import { openDm } from '../crew-notice';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { approvalCheckWarnings } from '../intake/check-warnings';
import { offerNoticeAgain } from '../intake/notice-after-cancel';
import { checkRoster, uncallableWarnings, unresolvedWarnings, withRosterErrors } from '../intake/roster-check';
import { renderApproval } from '../render';
import { approvalChannelFix } from '../slack-errors';

export function bookingSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const origin = parseModalMetadata(view.private_metadata);
    // Before the fields: no edit in the form fixes where its approval would go.
    const where = approvalChannelFor(deps.config, { userId, ...(origin?.channel ? { origin: origin.channel } : {}) });
    if (!where.ok) {
      await ack({ response_action: 'errors', errors: { guestName: where.message } });
      return;
    }
    const input = modalValuesToInput(view.state.values as never);
    const parsed = parseBookingRequest(input, {
      now: new Date(deps.now()),
      timezone: deps.config.timezone,
      capacity: deps.config.operator.capacity,
    });
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: await withRosterErrors(deps.users, input, parsed.errors as Record<string, string>) });
      return;
    }
    // A captain or crew member the bot could never call, or Slack did not answer for, is refused next to the field, form kept.
    const picks = await checkRoster(deps.users, parsed.value);
    if (picks.errors) {
      await ack({ response_action: 'errors', errors: picks.errors });
      return;
    }
    await ack();
    let channel = where.channel;
    const request = parsed.value;
    const id = sessionIdFor(`view:${view.id}`, deps.config.slack.botToken);
    const log = deps.log.child({ bookingId: id });
    // Whether the record exists decides what the person is told: after create() it does, and
    // "nothing was booked, try again" would make them enter a second booking.
    let saved = false;
    try {
      // An approver's DM is named by their user id here, and Slack posts to that, but chat.update
      // and the history reads behind every later edit refuse it: they need the DM's own id (D…).
      if (isUserId(channel)) channel = await openDm(client, channel);
      const { roster, uncallable, unresolved } = await picks.result;
      const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, deps.config.rates);
      // Known only now when users.info outlasted the form's answer: the approver is told instead,
      // and the booking is made all the same (the form is closed: dropping it would lose it).
      if (unresolved.length > 0) log.warn({ unresolved }, 'users.info did not answer for roster members after the form was answered');
      const warnings = [...uncallableWarnings(uncallable), ...unresolvedWarnings(unresolved), ...(await approvalCheckWarnings(deps, { bookingId: id, request, roster, ...(origin?.notice?.offered ? { offered: origin.notice.offered } : {}) }))];
      let booking;
      try {
        booking = await deps.api.create({ id, request, roster, costs, createdBy: userId, slack: { channel }, warnings });
      } catch (err) {
        if (!(err instanceof BookingExistsError)) throw err;
        log.info({ viewId: view.id }, 'same booking form delivered again; already booked');
        return;
      }
      saved = true;
      // Approvers' open Home tabs list it now (even if the approval message below cannot be posted).
      deps.home?.changed();
      const message = renderApproval(booking, deps.config);
      const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: bookingMetadata(id) });
      // The channel Slack answers is the one to update the message and its thread in.
      if (posted.ts) await deps.api.setSlackRefs(id, { approvalTs: posted.ts, ...(posted.channel ? { channel: posted.channel } : {}) });
      log.info({ channel }, 'approval requested');
    } catch (err) {
      const code = slackErrorCode(err);
      const guest = escapeMrkdwn(request.guestName);
      const fix = approvalChannelFix(code, { opsChannelSet: deps.config.slack.opsChannel !== undefined });
      log.error({ err, saved }, saved ? 'approval message could not be posted' : 'booking could not be created');
      await tellUser(
        client,
        deps.log,
        { channel: origin?.channel, user: userId },
        saved
          ? `The booking for ${guest} is saved as \`${id}\`, but its approval message could not be posted: Slack answered ${code}.${fix ? ` ${fix}` : ''} Approvers can still approve it on charter-bot's Home tab, under Waiting for approval; \`/charter status ${id}\` shows its costs. Nothing has been sent to the calendar, SCC or the guest page yet; do not book it again.`
          : `The booking for ${guest} could not be created (${code}). Nothing was booked; try /charter again.`,
      );
    }
    // Once the charter exists (its approval posted or not), its notice stops offering to create it.
    if (saved && origin?.notice) await markNoticeCreated(deps, client, origin.notice, id, userId);
  };
}

/**
 * The iCal notice the form came from no longer offers [Create charter]. Best effort: the booking and
 * its approval stand either way, and a notice left as it was only offers a duplicate that its
 * approval flags. The booking remembers the notice first, so a cancel before approval can offer it
 * again; a cancel that landed before that, or whose redraw this one overwrote, is caught by the read after.
 */
async function markNoticeCreated(deps: SlackDeps, client: WebClient, notice: NoticeRef, bookingId: string, userId: string): Promise<void> {
  const message = createdEventNotice({ headline: notice.headline, ...(notice.summary ? { summary: notice.summary } : {}), bookingId, userId });
  try {
    await deps.api.setSlackRefs(bookingId, { intakeNotice: notice });
    await client.chat.update({ channel: notice.channel, ts: notice.ts, text: message.text, blocks: message.blocks });
    const now = await deps.api.get(bookingId);
    if (now && cancelledBeforeApproval(now)) await offerNoticeAgain(deps, client, now);
  } catch (err) {
    deps.log.warn({ err, bookingId, notice: { channel: notice.channel, ts: notice.ts } }, 'could not mark the iCal notice as booked');
  }
}

/** Slack's own error (`invalid_blocks`, `channel_not_found`) where there is one; else the error's code. */
function slackErrorCode(err: unknown): string {
  const e = err as { code?: unknown; data?: { error?: unknown } } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  return typeof e?.code === 'string' ? e.code : 'error';
}
