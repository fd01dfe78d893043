/**
 * Where a new booking's approval message goes. It shows the price, crew and captain pay, port fees,
 * net and the raw notes, so it must never land in the crew channel or in a non-approver's DM.
 * CHARTER_OPS_CHANNEL when set; without it, the channel /charter ran in (the documented default),
 * except the crew channel; from a DM (or with no channel) only an approver's own DM with the bot.
 * The doctor (checkCrewPosts) reports the configurations that make the first two refusals likely.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { isApprover, type SlackDeps } from './context';
import { tellUser } from './ephemeral';

export type ApprovalChannel = { ok: true; channel: string } | { ok: false; message: string };

/**
 * A public or private channel. Anything else (a DM `D…`, or a user id some paths use as the
 * origin) is read by whoever ran /charter there, so it only stands for an approver's DM.
 */
const isChannel = (channel: string) => /^[CG]/.test(channel);

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
