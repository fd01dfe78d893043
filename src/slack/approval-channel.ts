/**
 * Where a new booking's approval message goes. It shows the price, crew and captain pay, port fees,
 * net and the raw notes, so it must never land in the crew channel or in a non-approver's DM.
 * CHARTER_OPS_CHANNEL when set; without it, the channel /charter ran in (the documented default),
 * except the crew channel; from a DM (or with no channel) only an approver's own DM with the bot.
 * The doctor (checkCrewPosts) reports the configurations that make the first two refusals likely.
 */
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { isApprover, type SlackDeps } from './context';
import { tellUser } from './ephemeral';
import { tellFormNotOpened } from './form-not-opened';

export type ApprovalChannel = { ok: true; channel: string } | { ok: false; message: string };

/**
 * A public or private channel. Anything else (a DM `D…`, or a user id some paths use as the
 * origin) is read by whoever ran /charter there, so it only stands for an approver's DM.
 */
const isChannel = (channel: string) => /^[CG]/.test(channel);

/** A user id (U…, W… on Enterprise Grid): Slack posts to it, into the DM, but edits and reads there need the DM's id. */
export const isUserId = (channel: string) => /^[UW]/.test(channel);

export function approvalChannelFor(config: Config, input: { origin?: string; userId: string }): ApprovalChannel {
  const { opsChannel, crewChannel } = config.slack;
  if (opsChannel) {
    if (opsChannel === crewChannel) {
      return { ok: false, message: 'CHARTER_OPS_CHANNEL is also CHARTER_CREW_CHANNEL, so crew would read the cost breakdown: nothing was posted. Ask an approver to give the ops channel its own CHARTER_OPS_CHANNEL (or unset CHARTER_CREW_CHANNEL to call crew by DM); /charter doctor shows it.' };
    }
    return { ok: true, channel: opsChannel };
  }
  const origin = input.origin;
  if (origin && origin === crewChannel) {
    return { ok: false, message: 'This is the crew channel, and the approval message shows the price and pay: run /charter from the ops channel instead, or ask an approver to set CHARTER_OPS_CHANNEL.' };
  }
  if (origin && isChannel(origin)) return { ok: true, channel: origin };
  if (isApprover(config, input.userId)) return { ok: true, channel: input.userId };
  return { ok: false, message: 'CHARTER_OPS_CHANNEL is not set, so the approval message (with the price and pay) would come to this DM, and only approvers may see it: run /charter from the ops channel instead, or ask an approver to set CHARTER_OPS_CHANNEL.' };
}

/** For messages about a booking already posted for approval (re-surfaced requests): never the crew channel. */
export function mayCarryApprovals(config: Config, channel: string): boolean {
  return channel !== config.slack.crewChannel;
}

/**
 * Before the booking form opens: when its approval message could not be posted, says why, where
 * the user is, and returns false — better than refusing a filled-in form. The submission checks
 * again (views/booking-submitted.ts): the form may come from anywhere its metadata says.
 */
export async function mayOpenBookingForm(deps: Pick<SlackDeps, 'config' | 'log'>, client: WebClient, input: { channel?: string; userId: string }): Promise<boolean> {
  const where = approvalChannelFor(deps.config, { userId: input.userId, ...(input.channel ? { origin: input.channel } : {}) });
  if (where.ok) return true;
  await tellUser(client, deps.log, { ...(input.channel ? { channel: input.channel } : {}), user: input.userId }, where.message);
  return false;
}

/**
 * Opens the booking form (views.open first: the trigger expires 3 s after the click), then checks
 * that the approval message can be posted where it will go. When it cannot, the form is replaced
 * by why a moment after it opened, before anyone fills it in. When it does not open, the user is
 * told why and `kept`: what was not lost and how to start again.
 */
export async function openBookingForm(deps: Pick<SlackDeps, 'config' | 'log'>, client: WebClient, input: { triggerId: string; channel?: string; userId: string; view: ModalView; kept: string }): Promise<void> {
  let opened;
  try {
    opened = await client.views.open({ trigger_id: input.triggerId, view: input.view });
  } catch (err) {
    await tellFormNotOpened(client, deps.log, { ...(input.channel ? { channel: input.channel } : {}), user: input.userId }, { form: 'booking form', err, kept: input.kept });
    return;
  }
  const where = approvalChannelFor(deps.config, { userId: input.userId, ...(input.channel ? { origin: input.channel } : {}) });
  const refusal = where.ok ? await notPostableIn(client, where.channel, deps.config) : undefined;
  if (!refusal || !opened.view?.id) return;
  await client.views
    .update({ view_id: opened.view.id, view: { type: 'modal', title: { type: 'plain_text', text: 'New charter' }, close: { type: 'plain_text', text: 'Close' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${refusal}` } }] } })
    .catch((err: unknown) => deps.log.warn({ err }, 'could not show why the approval message cannot be posted'));
}

/**
 * Channels the bot could post in when last asked, and when: each form need not ask again (a
 * refusal is never remembered, so an /invite takes effect at once). A member removed since is
 * still caught, later, by the submission's own post.
 */
const postableChannels = new Map<string, number>();
const POSTABLE_FOR_MS = 10 * 60_000;

/**
 * Why the approval message could not be posted in `channel`, or undefined. The bot posts only where
 * it is a member (no chat:write.public): found out before the form is filled in, not after. A
 * conversations.info that fails for another reason (a timeout, a rate limit) does not stop the form.
 */
async function notPostableIn(client: WebClient, channel: string, config: Config): Promise<string | undefined> {
  if (!isChannel(channel)) return undefined;
  const checkedAt = postableChannels.get(channel);
  if (checkedAt !== undefined && Date.now() - checkedAt < POSTABLE_FOR_MS) return undefined;
  const where = channel === config.slack.opsChannel ? `the ops channel <#${channel}>` : 'this channel';
  const fix = channel === config.slack.opsChannel ? `Ask someone there to \`/invite @charter-bot\`.` : `\`/invite @charter-bot\` here, or ask an approver to set CHARTER_OPS_CHANNEL.`;
  try {
    const info = await client.conversations.info({ channel });
    if (info.channel?.is_archived) return `The approval message would go to ${where}, which is archived: nothing was created. ${fix}`;
    if (info.channel?.is_member === false) return `The approval message would go to ${where}, and charter-bot is not a member there, so it could not post it: nothing was created. ${fix}`;
    postableChannels.set(channel, Date.now());
    return undefined;
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    if (code === 'channel_not_found') return `The approval message would go to ${where}, which charter-bot cannot see (a private channel it was not invited to): nothing was created. ${fix}`;
    return undefined;
  }
}
