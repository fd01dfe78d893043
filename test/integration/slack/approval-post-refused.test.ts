/**
 * A booking saved whose approval message Slack refused to post: the person who submitted it is
 * told what Slack answered, what to fix for that answer, and where approvers can still approve it.
 * Real Bolt receiver, signed requests, the Slack stand-in.
 */
import type { SlackTestChannel } from '../../../src/sandbox/slack-api-standin';
import { bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, OPS_CHANNEL, ORIGIN_CHANNEL, startHarness, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const savedReplies = () => h.slack.callsTo('chat.postEphemeral').filter((c) => c.body.user === APPROVER && String(c.body.text).includes('is saved as')).map((c) => String(c.body.text));

/** Submits the booking form with the ops channel answering as `channel`; returns the reply. */
async function submitWithOpsChannel(channel: SlackTestChannel): Promise<string> {
  const before = savedReplies().length;
  h.slack.setChannel(OPS_CHANNEL, channel);
  try {
    await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(VALID_FIELDS), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
    await h.slack.waitFor(() => savedReplies().length > before);
  } finally {
    h.slack.setChannel(OPS_CHANNEL, undefined);
  }
  return savedReplies()[before]!;
}

it.each([
  [{ isMember: false }, 'not_in_channel', 'Invite @charter-bot to the ops channel (CHARTER_OPS_CHANNEL).'],
  [{ isArchived: true }, 'is_archived', 'The ops channel is archived: unarchive it, or set CHARTER_OPS_CHANNEL to another channel.'],
  [{ exists: false }, 'channel_not_found', "Check that CHARTER_OPS_CHANNEL is the channel's ID"],
] as const)('ops channel %j: the reply names %s and its fix', async (channel, code, fix) => {
  const reply = await submitWithOpsChannel(channel);
  expect(reply).toContain(`its approval message could not be posted: Slack answered ${code}. ${fix}`);
  expect(reply).toContain("Approvers can still approve it on charter-bot's Home tab, under Waiting for approval; `/charter status ");
  expect(reply).toContain('do not book it again');
});

it('a wrong CHARTER_OPS_CHANNEL is not answered with an invite alone: the private-channel invite comes after the id check', async () => {
  const reply = await submitWithOpsChannel({ exists: false });
  expect(reply).not.toContain('invite @charter-bot to that channel');
  expect(reply).toMatch(/channel's ID .*; if the channel is private, invite @charter-bot to it\./);
});
