/** The operator's flow over real HTTP: signed Slack requests in, Web API calls out to the stand-in. */
import { findMoney } from '../../../src/booking/money-detector';
import { callDigest, shownDigest } from '../../../src/slack/crew-notice';
import { amountsOf, findMoney as findAmounts } from '../../support/money-search';
import { blockActionPayload, bookingModalState, messageShortcutPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, CAPTAIN, CREW, OPS_CHANNEL, ORIGIN_CHANNEL, OUTSIDER, settle, startHarness, stepCalls, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';
import { permanentError } from '../../fixtures/pipeline/scripted-steps';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const approve = (id: string, userId = APPROVER, retryNum?: number) =>
  h.requester.interact(blockActionPayload({ userId, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }), retryNum === undefined ? {} : { retryNum });

describe('/charter', () => {
  it('acks and opens the modal with the trigger id before any other Web API call', async () => {
    h.slack.clear();
    const res = await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, trigger_id: '123.456.trigger' });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    expect(h.slack.calls[0]?.method).toBe('views.open');
    const body = h.slack.calls[0]?.body as { trigger_id: string; view: { blocks: { block_id: string; element: { type: string } }[]; private_metadata: string } };
    expect(body.trigger_id).toBe('123.456.trigger');
    expect(JSON.parse(body.view.private_metadata)).toEqual({ channel: ORIGIN_CHANNEL });
    const elements = Object.fromEntries(body.view.blocks.filter((b) => b.block_id).map((b) => [b.block_id, b.element?.type]));
    expect(elements).toMatchObject({ captain: 'users_select', crew: 'multi_users_select', date: 'datepicker', departureTime: 'timepicker', partySize: 'number_input', priceCents: 'number_input' });
    expect(JSON.stringify(body.view)).toContain('America/Los_Angeles');
  });

  it('answers help and status ephemerally; money only for approvers', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    await h.requester.command({ user_id: OUTSIDER, channel_id: OPS_CHANNEL, text: `status ${id.toLowerCase()}` });
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `status ${id}` });
    await h.requester.command({ user_id: OUTSIDER, channel_id: OPS_CHANNEL, text: 'help' });
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 3);
    const texts = h.slack.callsTo('chat.postEphemeral').map((c) => ({ user: c.body.user, text: String(c.body.text) }));
    const outsider = texts.find((t) => t.user === OUTSIDER && t.text.includes(id));
    const approver = texts.find((t) => t.user === APPROVER);
    expect(outsider?.text).toContain('pending approval');
    expect(outsider?.text).not.toContain('$');
    expect(approver?.text).toContain('$584.00');
    expect(texts.some((t) => t.text.includes('/charter status ID'))).toBe(true);
  });
});

describe('modal submission', () => {
  it('returns field errors keyed by block id and posts nothing', async () => {
    h.slack.clear();
    const res = await h.requester.interact(
      viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestEmail: 'not-an-email', partySize: '40', captain: undefined }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }),
    );
    expect(res.status).toBe(200);
    const json = res.json as { response_action: string; errors: Record<string, string> };
    expect(json.response_action).toBe('errors');
    expect(Object.keys(json.errors).sort()).toEqual(['captain', 'guestEmail', 'partySize']);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
  });

  it('refuses a guest name that carries money next to the field, and posts nothing', async () => {
    h.slack.clear();
    const res = await h.requester.interact(
      viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestName: 'Maria Delgado · $1,200 paid' }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }),
    );
    const json = res.json as { response_action: string; errors: Record<string, string> };
    expect(json).toMatchObject({ response_action: 'errors', errors: { guestName: expect.stringContaining('no amount of money') } });
    expect(Object.keys(json.errors)).toEqual(['guestName']);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
  });

  it('posts the approval with the known-answer cost breakdown, roster from users.info, zone named', async () => {
    h.slack.clear();
    const id = await submitBooking(h);
    const post = approvalPosts(h.slack)[0];
    expect(post?.body.channel).toBe(OPS_CHANNEL);
    const blocks = JSON.stringify(post?.body.blocks);
    for (const amount of ['$1,200.00', '$250.00', '$150.00', '$216.00', '$584.00']) expect(blocks).toContain(amount);
    expect(blocks).toContain('2 × $25.00/h × 5 h');
    expect(blocks).toContain('$50.00/h × 3 h');
    expect(blocks).toContain('18% of gross');
    expect(blocks).toContain('PDT');
    expect(blocks).toContain('America/Los_Angeles');
    const booking = await h.running.built.api.get(id);
    expect(booking?.roster.map((m) => [m.slackUserId, m.name, m.email, m.role])).toEqual([
      [CAPTAIN, 'Sam Ortiz', 'sam@example.com', 'captain'],
      [CREW[0], 'Lee Park', 'lee@example.com', 'crew'],
      [CREW[1], 'Ana Cruz', 'ana@example.com', 'crew'],
    ]);
    expect(booking?.costs.netCents).toBe(58400);
    const actions = (post?.body.blocks as { type: string; elements?: { action_id: string; style?: string; confirm?: unknown }[] }[]).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.style, e.confirm !== undefined])).toEqual([
      ['booking_approve', 'primary', false],
      ['booking_cancel', 'danger', true],
    ]);
  });
});

describe('approval', () => {
  it('refuses a non-approver ephemerally and changes nothing', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    expect((await approve(id, OUTSIDER)).status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(h.slack.callsTo('chat.postEphemeral')[0]?.body.user).toBe(OUTSIDER);
    expect(h.slack.callsTo('chat.update')).toHaveLength(0);
    expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');
  });

  it('double clicks and Slack retries start one pipeline; the message says who approved, buttons gone', async () => {
    const id = await submitBooking(h);
    const before = stepCalls(h, 'calendar');
    h.slack.clear();
    const results = await Promise.all([approve(id), approve(id), approve(id, APPROVER, 1), approve(id, APPROVER, 2)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    expect(stepCalls(h, 'calendar') - before).toBe(1);
    const approvedUpdates = h.slack.callsTo('chat.update').filter((c) => JSON.stringify(c.body.blocks).includes('Approved by'));
    expect(approvedUpdates).toHaveLength(1);
    const blocks = JSON.stringify(approvedUpdates[0]?.body.blocks);
    expect(blocks).toContain(`Approved by <@${APPROVER}>`);
    expect(blocks).toMatch(/P[DS]T/);
    expect(blocks).not.toContain('booking_approve');
    expect(h.slack.callsTo('chat.postEphemeral').filter((c) => String(c.body.text).startsWith('Already approved'))).toHaveLength(3);
  });

  it('rejects a forged signature and a timestamp older than five minutes with 401, with no effect', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    const forged = await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }), { signingSecret: 'not-the-secret' });
    const stale = await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }), { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    const staleCommand = await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL }, { timestampSec: Math.floor(Date.now() / 1000) - 301 });
    expect([forged.status, stale.status, staleCommand.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls).toHaveLength(0);
    expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');
  });

  it('cancel by an approver closes the request', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_cancel', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.state === 'cancelled');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update'));
    expect(JSON.stringify(h.slack.callsTo('chat.update')[0]?.body.blocks)).toContain(`Cancelled by <@${APPROVER}>`);
  });
});

describe('after approval', () => {
  let id: string;
  beforeAll(async () => {
    id = await submitBooking(h);
    h.slack.clear();
    await approve(id);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
  });

  it('keeps one progress message in the thread, ending with the guest URL and the crew section', async () => {
    const booking = await h.running.built.api.get(id);
    const progressPosts = h.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === booking?.slack.approvalTs && String(c.body.text).includes('steps done'));
    expect(progressPosts).toHaveLength(1);
    // The progress message's last send: an update, or the first post itself when the pipeline
    // finished before the post's turn came (sends are spaced workspace-wide).
    const last = h.slack.calls
      .filter((c) => (c.method === 'chat.update' && c.body.ts === booking?.slack.progressTs) || (c.method === 'chat.postMessage' && c.status === 200 && JSON.stringify(c.body.blocks ?? []).includes(`booking:${id}:progress`)))
      .at(-1);
    const text = JSON.stringify(last?.body.blocks);
    expect(text).toContain(`https://queenofsandiego.com/g/${id}`);
    expect(text).toContain('*Crew*');
    expect(text).toContain('All set');
  });

  it('calls each crew member by DM — none in the ops channel — without any money (detector + amounts)', async () => {
    const booking = await h.running.built.api.get(id);
    const crewPosts = h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Crew call:'));
    expect(crewPosts.map((c) => c.body.channel).sort()).toEqual([CAPTAIN, ...CREW].map((u) => `D${u.slice(1)}`).sort());
    // DMs are opened once per crew member for the app's life (crew-notice.ts), not once per booking
    const opened = h.slack.callsTo('conversations.open').map((c) => String(c.body.users));
    expect(opened.every((u) => [CAPTAIN, ...CREW].includes(u as never))).toBe(true);
    expect(new Set(opened).size).toBe(opened.length);
    expect(crewPosts.every((c) => c.body.thread_ts === undefined)).toBe(true);
    for (const post of crewPosts) {
      expect(findMoney(post.body)).toEqual([]);
      expect(findAmounts(post.body, amountsOf(booking!.costs))).toEqual([]);
      // Their own buttons only.
      const recipient = `U${String(post.body.channel).slice(1)}`;
      const actionIds = JSON.stringify(post.body.blocks).match(/crew_(confirm|decline):U[0-9A-Z]+/g) ?? [];
      expect(new Set(actionIds.map((a) => a.split(':')[1]))).toEqual(new Set([recipient]));
      expect(JSON.stringify(post.body)).toContain(`/g/${id}`);
    }
    // each saved with a digest of exactly what was posted, so a re-run leaves it alone, and of the
    // call it carries without answers, so crew answering at once do not read as a change in progress
    expect(booking?.slack.crewPosts).toEqual(Object.fromEntries(crewPosts.map((c) => {
      const key = `U${String(c.body.channel).slice(1)}`;
      return [key, { channel: c.body.channel, ts: c.response.ts, shown: shownDigest({ text: String(c.body.text), blocks: c.body.blocks }), call: callDigest(booking!, h.config, key) }];
    })));
    const opsChannelPosts = h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === OPS_CHANNEL);
    expect(opsChannelPosts.filter((c) => /Crew call:|crew_confirm/.test(JSON.stringify(c.body)))).toEqual([]);
    const called = opsChannelPosts.filter((c) => String(c.body.text).startsWith('Crew called:'));
    expect(called.map((c) => [c.body.text, c.body.thread_ts])).toEqual([[`Crew called: <@${CAPTAIN}> (captain), <@${CREW[0]}>, <@${CREW[1]}> — each by DM`, booking?.slack.approvalTs]]);
  });

  it('lets only the assigned crew member confirm themselves; their DM, the thread and the progress roster show it', async () => {
    const booking = await h.running.built.api.get(id);
    const dm = booking!.slack.crewPosts![CREW[0]]!;
    h.slack.clear();
    const confirm = (userId: string, forUser: string) => h.requester.interact(blockActionPayload({ userId, actionId: `crew_confirm:${forUser}`, value: `${id}:${forUser}`, channelId: dm.channel }));
    await confirm(OUTSIDER, OUTSIDER);
    await confirm(CREW[1], CREW[0]);
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 2);
    expect((await h.running.built.api.get(id))?.confirmations).toEqual({});
    await confirm(CREW[0], CREW[0]);
    const confirmed = await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined);
    expect(Object.keys(confirmed.confirmations)).toEqual([CREW[0]]);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === dm.ts));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.text === `:white_check_mark: <@${CREW[0]}> confirmed`));
    await settle(h);
    const crewUpdate = h.slack.callsTo('chat.update').find((c) => c.body.ts === dm.ts);
    expect(JSON.stringify(crewUpdate?.body.blocks)).toMatch(new RegExp(`<@${CREW[0]}> — :white_check_mark: confirmed`));
    expect(JSON.stringify(crewUpdate?.body.blocks)).not.toContain(`crew_confirm:${CREW[0]}`);
    const threadLine = h.slack.callsTo('chat.postMessage').find((c) => String(c.body.text).endsWith('confirmed'));
    expect([threadLine?.body.channel, threadLine?.body.thread_ts]).toEqual([OPS_CHANNEL, confirmed.slack.approvalTs]);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === confirmed.slack.progressTs));
    const threadUpdate = h.slack.callsTo('chat.update').find((c) => c.body.ts === confirmed.slack.progressTs);
    expect(JSON.stringify(threadUpdate?.body.blocks)).toContain(`<@${CREW[0]}> — :white_check_mark: confirmed`);
  });

  it('refresh shortcut: approver on a booking message gets the invalidation id; other messages get an explanation', async () => {
    const booking = await h.running.built.api.get(id);
    const approval = approvalPosts(h.slack).find(() => false) ?? { blocks: [{ block_id: `booking:${id}:header` }] };
    const cacheCalls = stepCalls(h, 'guest_cache');
    h.slack.clear();
    await h.requester.interact(messageShortcutPayload({ userId: APPROVER, channelId: OPS_CHANNEL, message: { ts: booking?.slack.approvalTs, ...approval } }));
    await h.requester.interact(messageShortcutPayload({ userId: APPROVER, channelId: OPS_CHANNEL, message: { text: 'lunch?', blocks: [{ block_id: 'abc', type: 'section' }] } }));
    await h.requester.interact(messageShortcutPayload({ userId: OUTSIDER, channelId: OPS_CHANNEL, message: { metadata: { event_type: 'charter_booking', event_payload: { booking_id: id } } } }));
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 3);
    const replies = h.slack.callsTo('chat.postEphemeral').map((c) => `${String(c.body.user)} ${String(c.body.text)}`);
    expect(replies.find((r) => r.startsWith(APPROVER) && r.includes('invalidation'))).toContain(`invalidation \`I${id}`);
    expect(replies.find((r) => r.includes('not a charter booking'))).toBeDefined();
    expect(replies.find((r) => r.startsWith(OUTSIDER))).toContain('Only approvers');
    expect(stepCalls(h, 'guest_cache') - cacheCalls).toBe(1);
  });

  it('/charter refresh ID does what the shortcut does', async () => {
    const cacheCalls = stepCalls(h, 'guest_cache');
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toContain(`invalidation \`I${id}`);
    expect(stepCalls(h, 'guest_cache') - cacheCalls).toBe(1);
  });

  it('a refresh that fails tells the approver the failed step\'s message, not "see the logs"', async () => {
    h.steps.set('guest_cache', { permanent: true });
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    h.steps.set('guest_cache', {});
    const reply = String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text);
    expect(reply).toMatch(/^Refresh failed: .+\.$/);
    expect(reply).toContain(permanentError().operatorMessage.replace(/\.$/, ''));
  });

  it('two refresh clicks while the re-upload fails: both are told it failed, neither that the cache was cleared', async () => {
    h.steps.set('guest_page', { delayMs: 300, permanent: true });
    h.slack.clear();
    await Promise.all([
      h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` }),
      h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` }),
    ]);
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 2);
    h.steps.set('guest_page', {});
    for (const c of h.slack.callsTo('chat.postEphemeral')) expect(String(c.body.text)).toMatch(/^Refresh failed: /);
  });

  it('reports store reachability on GET /healthz', async () => {
    const res = await fetch(`${h.running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, store: 'reachable' });
  });
});
