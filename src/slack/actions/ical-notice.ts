/**
 * Buttons on the iCal watcher's notices. [Create charter] opens the booking modal prefilled from the
 * event: the button carries the prefill, so views.open is the first outside call (3 s trigger
 * window), and the form carries the notice, which the booking's submission redraws without its
 * button (../views/booking-submitted.ts). [Reschedule] and [Cancel charter] hand over to the change/cancel commands until those
 * flows own these buttons.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { INTAKE_FIELDS } from '../../booking/intake/parse-confirmation';
import { escapeMrkdwn, sliceWhole } from '../blocks/format';
import { decodeCreateValue, type CreateFromEventValue } from '../blocks/intake';
import type { NoticeRef } from '../blocks/modal';
import type { OfferedTrip } from '../../pipeline/types';
import { mayOpenBookingForm } from '../approval-channel';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { openPrefilledModal } from '../intake/prefill';

export function createCharterFromEvent(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const value = decodeCreateValue(action.value);
    const channel = body.channel?.id ?? deps.config.slack.opsChannel ?? body.user.id;
    if (!value) return tellUser(client, deps.log, { channel: body.channel?.id, user: body.user.id }, 'That notice is from an older version of the bot; run `/charter` to book it.');
    if (!(await mayOpenBookingForm(deps, client, { ...(body.channel?.id ? { channel: body.channel.id } : {}), userId: body.user.id }))) return;
    const dropped = value.dropped ?? [];
    const missing = INTAKE_FIELDS.filter((f) => value.fields[f] === undefined && !dropped.includes(f));
    const notice = noticeOf(body, value);
    await openPrefilledModal(deps, client, { triggerId: body.trigger_id, channel, userId: body.user.id, prefill: { fields: value.fields, missing, ...(dropped.length > 0 ? { notCarried: dropped } : {}), source: `the ${value.feed} calendar` }, ...(notice ? { notice } : {}), kept: 'The notice is unchanged: click *Create charter* on it again.' });
  };
}

/**
 * The clicked notice, for the form to carry: once its charter is made the notice is redrawn without
 * [Create charter], so nobody books the same trip twice from it. Its headline is the fallback text
 * it was posted with, its summary the line under the headline in its first section (Slack sends the
 * message's blocks with the click); the modal's metadata holds 3,000 characters, so both are cut
 * well short of that.
 */
function noticeOf(body: BlockAction, value: CreateFromEventValue): NoticeRef | undefined {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  if (typeof channel !== 'string' || typeof ts !== 'string') return undefined;
  const text = typeof body.message?.text === 'string' ? body.message.text.trim() : '';
  const summary = summaryOf(body.message?.blocks);
  const offered = offeredOf(value);
  return { channel, ts, headline: text !== '' ? sliceWhole(text, 300) : `New ${escapeMrkdwn(value.feed)} booking`, ...(summary ? { summary } : {}), ...(offered ? { offered } : {}) };
}

/**
 * The trip as the notice offered it, kept with the request: its cancel judges the notice by this
 * trip, whatever the form's time or reference was edited to. A UID cut to fit the button names no
 * event, so none is kept: the judge falls back to the request's own details.
 */
function offeredOf(value: CreateFromEventValue): OfferedTrip | undefined {
  if (value.uid.length > OFFERED_UID_MAX || value.feed.length > OFFERED_UID_MAX) return undefined;
  const f = value.fields;
  return {
    feed: value.feed,
    uid: value.uid,
    ...(f.date !== undefined ? { date: f.date } : {}),
    ...(f.departureTime !== undefined ? { departureTime: f.departureTime } : {}),
    ...(typeof f.durationHours === 'number' ? { durationHours: f.durationHours } : {}),
    ...(f.platformRef !== undefined ? { platformRef: f.platformRef } : {}),
  };
}

/** The modal's metadata holds 3,000 characters; headline and summary take at most 900 of them. */
const OFFERED_UID_MAX = 300;

/** What follows the headline in the notice's first section (already escaped mrkdwn), cut without leaving half an entity. */
function summaryOf(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const section = (blocks as { type?: unknown; text?: { text?: unknown } }[]).find((b) => b?.type === 'section');
  const text = section?.text?.text;
  if (typeof text !== 'string') return undefined;
  const newline = text.indexOf('\n');
  const rest = newline < 0 ? '' : text.slice(newline + 1).trim();
  if (rest === '') return undefined;
  return rest.length > 600 ? sliceWhole(rest, 600).replace(/&[a-z]*$/, '') : rest;
}

export function handOver(command: 'reschedule' | 'cancel') {
  return (deps: SlackDeps) =>
    async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
      await ack();
      const id = action.value ?? 'ID';
      await tellUser(client, deps.log, { channel: body.channel?.id, user: body.user.id }, `To ${command} this charter, run \`/charter ${command} ${id}\`.`);
    };
}
