/**
 * Where the approval message (the cost breakdown) may go when CHARTER_OPS_CHANNEL is not set:
 * the channel /charter ran in, but never the crew channel and never a non-approver's DM. Signed
 * Slack requests to the real app, Web API calls to the Slack stand-in.
 */
import { DateTime } from 'luxon';
import { computeCosts } from '../../../src/booking/costs';
import { sessionIdFor } from '../../../src/booking/session-id';
import { createLogger } from '../../../src/log';
import { watchApprovals } from '../../../src/slack/approval-watch';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { encodeCreateValue } from '../../../src/slack/blocks/intake';
import { blockActionPayload, bookingModalState, messageShortcutPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, CREW, ORIGIN_CHANNEL, startHarness, VALID_FIELDS, type Harness } from './harness';

const CREW_CHANNEL = 'C0CREW0001';
const CREW_DM = 'D0CREW0001';
const APPROVER_DM = 'D0APPROVE1';

const submit = (h: Harness, userId: string, channel: string | undefined, viewId?: string) =>
  h.requester.interact(viewSubmissionPayload({ userId, values: bookingModalState(VALID_FIELDS), privateMetadata: JSON.stringify(channel ? { channel } : {}), ...(viewId ? { viewId } : {}) }));

/** Every Web API call whose body shows the cost breakdown. */
const costCalls = (h: Harness) => h.slack.calls.filter((c) => JSON.stringify(c.body).includes('584.00'));

async function quiet(h: Harness): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  await h.running.built.service.idle();
}

describe('no CHARTER_OPS_CHANNEL, a crew channel set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CHARTER_OPS_CHANNEL: '', CHARTER_CREW_CHANNEL: CREW_CHANNEL } });
  });
  afterAll(async () => h.close());
  beforeEach(() => h.slack.clear());

  it('/charter and New charter from message in the crew channel are refused privately, before any form', async () => {
    await h.requester.command({ user_id: APPROVER, channel_id: CREW_CHANNEL, trigger_id: '1.1.trigger' });
    await h.requester.command({ user_id: APPROVER, channel_id: CREW_CHANNEL, text: 'Renter: Maria Delgado\nDate: July 4\n4:00 PM' });
    await h.requester.interact(messageShortcutPayload({ userId: APPROVER, channelId: CREW_CHANNEL, callbackId: 'new_charter_from_message', message: { text: 'Renter: Maria Delgado\nParty of 6' } }));
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 3);
    for (const c of h.slack.callsTo('chat.postEphemeral')) {
      expect(c.body).toMatchObject({ channel: CREW_CHANNEL, user: APPROVER });
      expect(String(c.body.text)).toContain('CHARTER_OPS_CHANNEL');
      expect(String(c.body.text)).toContain('crew channel');
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('a form opened from the crew channel is refused inline on submit: nothing posted, nothing booked', async () => {
    const res = await submit(h, APPROVER, CREW_CHANNEL, 'V0CREWCHAN1');
    const json = res.json as { response_action: string; errors: Record<string, string> };
    expect(json.response_action).toBe('errors');
    expect(Object.values(json.errors).join(' ')).toContain('CHARTER_OPS_CHANNEL');
    await quiet(h);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await h.running.built.api.get(sessionIdFor('view:V0CREWCHAN1', h.config.slack.botToken))).toBeUndefined();
  });

  it("a non-approver's form from a DM is refused inline: the cost breakdown never reaches their DM", async () => {
    const res = await submit(h, CREW[0], CREW_DM);
    expect((res.json as { response_action: string }).response_action).toBe('errors');
    const noOrigin = await submit(h, CREW[0], undefined);
    expect((noOrigin.json as { response_action: string }).response_action).toBe('errors');
    // Some paths fall back to the user id as the origin (an iCal notice clicked outside a channel).
    const userOrigin = await submit(h, CREW[0], CREW[0]);
    expect((userOrigin.json as { response_action: string }).response_action).toBe('errors');
    await quiet(h);
    expect(costCalls(h)).toEqual([]);
  });

  it("an approver's form from a DM goes to that approver's DM with the bot", async () => {
    const res = await submit(h, APPROVER, APPROVER_DM);
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => approvalPosts(h.slack).length === 1);
    // Opened with conversations.open: Slack would post to the user id too, but edits there need the DM's id.
    expect(approvalPosts(h.slack)[0]?.body.channel).toBe(APPROVER_DM);
  });

  it('a form from any other channel posts the approval there, as before', async () => {
    await submit(h, APPROVER, ORIGIN_CHANNEL);
    await h.slack.waitFor(() => approvalPosts(h.slack).length === 1);
    expect(approvalPosts(h.slack)[0]?.body.channel).toBe(ORIGIN_CHANNEL);
  });

  it('Create charter on an iCal notice in the crew channel is refused privately', async () => {
    const value = encodeCreateValue({ feed: 'Boatsetter', uid: 'evt-1', fields: { guestName: 'Maria Delgado' } });
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_create_charter', value, channelId: CREW_CHANNEL }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toContain('CHARTER_OPS_CHANNEL');
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('a request pending in the crew channel (posted before this rule) is not re-surfaced there', async () => {
    const request = sampleRequest();
    const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
    const legacy = await h.running.built.api.create({ id: 'K7M2Q9TX4B9Z', request, roster: sampleRoster, costs, createdBy: APPROVER, slack: { channel: CREW_CHANNEL, approvalTs: '1800000000.000009' } });
    const checkIn = DateTime.fromISO(`${legacy.request.date}T${legacy.request.departureTime}`, { zone: h.config.timezone }).minus({ minutes: 30 });
    await watchApprovals({ store: h.running.built.store, client: h.running.built.bolt.client, config: h.config, log: createLogger({ level: 'silent' }) }, checkIn.toMillis() - 23 * 3_600_000);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CREW_CHANNEL)).toEqual([]);
  });
});

describe('the ops channel is the crew channel', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CHARTER_OPS_CHANNEL: CREW_CHANNEL, CHARTER_CREW_CHANNEL: CREW_CHANNEL } });
  });
  afterAll(async () => h.close());

  it('a submission is refused inline and nothing reaches the channel', async () => {
    const res = await submit(h, APPROVER, ORIGIN_CHANNEL);
    const json = res.json as { response_action: string; errors: Record<string, string> };
    expect(json.response_action).toBe('errors');
    expect(Object.values(json.errors).join(' ')).toContain('CHARTER_CREW_CHANNEL');
    await quiet(h);
    expect(costCalls(h)).toEqual([]);
  });
});
