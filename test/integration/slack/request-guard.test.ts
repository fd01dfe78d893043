/**
 * Requests refused before Bolt reads or runs anything: bodies over the limit (413) and correctly
 * signed requests stamped more than 5 minutes in the future (401). The limit is checked against
 * the largest payload the bot can really receive, measured here from its own worst-case messages.
 */
import { request } from 'node:http';
import { computeCosts } from '../../../src/booking/costs';
import { approvalMessage } from '../../../src/slack/blocks/approval';
import { bookingModal } from '../../../src/slack/blocks/modal';
import { SLACK_BODY_LIMIT_BYTES } from '../../../src/slack/request-guard';
import { RATES, sampleRequest } from '../../support/booking';
import { blockActionPayload, bookingModalState, interactivityBody, messageShortcutPayload, slackSignature, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, OPS_CHANNEL, ORIGIN_CHANNEL, SIGNING_SECRET, startHarness, submitBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const ID = 'K7M2Q9TX4B1P';
const CREW = Array.from({ length: 10 }, (_, i) => `U0CREW${String(i).padStart(4, '0')}`);
const worst = sampleRequest({ guestName: '&'.repeat(100), notes: '&<>'.repeat(700).slice(0, 2000), crewNotes: '&<>'.repeat(400).slice(0, 1000), boatsetterRef: '&'.repeat(64), crew: CREW });

/** A click on the worst-case approval message: Slack sends the whole message back in block_actions. */
function largestBlockAction(): string {
  const costs = computeCosts({ grossCents: worst.priceCents, crewCount: CREW.length, crewHours: worst.crewHours, captainHours: worst.captainHours }, RATES);
  const roster = [{ slackUserId: worst.captain, name: 'c', role: 'captain' as const }, ...CREW.map((id) => ({ slackUserId: id, name: 'n', role: 'crew' as const }))];
  const message = approvalMessage({ bookingId: ID, request: worst, roster, costs, createdBy: APPROVER, timezone: 'America/Los_Angeles', capacity: 6, checkInLeadMinutes: 30 });
  const payload = blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: ID, channelId: OPS_CHANNEL });
  return interactivityBody({ ...payload, message: { type: 'message', ts: '1800000000.000001', text: message.text, blocks: message.blocks, metadata: { event_type: 'charter_booking', event_payload: { booking_id: ID } } } });
}

/** Submitting the booking modal filled to every field's maximum: Slack sends the whole view and its state. */
function largestViewSubmission(): string {
  const view = bookingModal({ timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: ORIGIN_CHANNEL }, nowMs: Date.now() });
  const state = bookingModalState({ guestName: '&'.repeat(100), guestEmail: `${'a'.repeat(64)}@${'b'.repeat(180)}.com`, guestPhone: '+1 619 555 0100', date: '2030-07-04', departureTime: '16:00', durationHours: '12', partySize: '6', priceCents: '100000', captain: 'U0CAPTAIN1', crew: CREW, crewHours: '24', captainHours: '24', boatsetterRef: '&'.repeat(64), notes: '&<>'.repeat(700).slice(0, 2000), crewNotes: '&<>'.repeat(400).slice(0, 1000) });
  const payload = viewSubmissionPayload({ userId: APPROVER, values: state, privateMetadata: view.private_metadata ?? '' });
  return interactivityBody({ ...payload, view: { ...(payload.view as object), blocks: view.blocks } });
}

/**
 * The message shortcut (intake: "New charter from message") on the longest message Slack
 * allows, 40,000 characters of a pasted confirmation: Slack sends its text and its rich_text block.
 */
function largestMessageShortcut(): string {
  const line = 'Booking confirmed: Maria Delgado, party of 6, Jul 4 2030 4:00 PM, 5 hours, $1,200.00 (BS-48213)\n';
  const text = line.repeat(Math.ceil(40_000 / line.length)).slice(0, 40_000);
  const message = { type: 'message', ts: '1800000000.000001', user: APPROVER, text, blocks: [{ type: 'rich_text', block_id: 'r1', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }] };
  return interactivityBody(messageShortcutPayload({ userId: APPROVER, channelId: OPS_CHANNEL, message, callbackId: 'new_charter_from_message' }));
}

/** A raw POST to /slack/events (fetch cannot send a Content-Length that lies or stream slowly). */
function post(body: Buffer | string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.running.url}/slack/events`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

const signed = (body: string, timestampSec = Math.floor(Date.now() / 1000)) => ({ 'x-slack-request-timestamp': String(timestampSec), 'x-slack-signature': slackSignature(SIGNING_SECRET, timestampSec, body) });

describe('body limit', () => {
  it('is at least twice the largest payload the bot really receives, and far below Bolt\'s 4 MB', () => {
    const sizes = { blockAction: Buffer.byteLength(largestBlockAction()), viewSubmission: Buffer.byteLength(largestViewSubmission()), messageShortcut: Buffer.byteLength(largestMessageShortcut()) };
    process.stdout.write(`\nlargest Slack payloads (bytes): ${JSON.stringify(sizes)}; limit ${SLACK_BODY_LIMIT_BYTES}\n`);
    expect(Math.max(...Object.values(sizes))).toBeLessThan(SLACK_BODY_LIMIT_BYTES / 2);
    expect(SLACK_BODY_LIMIT_BYTES).toBeLessThanOrEqual(512 * 1024);
  });

  it('serves the largest real payload', async () => {
    h.slack.clear();
    const body = largestBlockAction();
    expect(await post(body, signed(body))).toBe(200);
    // Its booking was never made: the listener ran and says so (waited for, so it lands in this test).
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral' && String(c.body.text).startsWith(`No booking \`${ID}\``)));
  });

  // raw-body refuses a declared Content-Length over the limit before reading, and stops reading a
  // chunked body at the limit: no more than the limit is ever buffered per request.
  it('refuses a body over the limit with 413 before checking the signature, and nothing runs', async () => {
    h.slack.clear();
    const big = Buffer.alloc(SLACK_BODY_LIMIT_BYTES + 1, 'a');
    expect(await post(big, signed(big.toString()))).toBe(413);
    expect(await post(big, { 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=unsigned' })).toBe(413);
    expect(h.slack.calls).toHaveLength(0);
  });
});

describe('request timestamps', () => {
  it('refuses correctly signed requests stamped 10 minutes and a year in the future with 401; no listener runs', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    const now = Math.floor(Date.now() / 1000);
    for (const ahead of [10 * 60, 365 * 24 * 3600, 5 * 60 + 5]) {
      const res = await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }), { timestampSec: now + ahead });
      expect(res.status).toBe(401);
      const command = await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text: 'help' }, { timestampSec: now + ahead });
      expect(command.status).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls).toHaveLength(0);
    expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');
  });

  it('refuses them on every spelling of the events path Bolt routes the same way (dot segments, a fragment)', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    const { hostname, port } = new URL(h.running.url!);
    const body = interactivityBody(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
    const yearAhead = Math.floor(Date.now() / 1000) + 365 * 24 * 3600;
    for (const path of ['/slack/./events', '/slack/events#x', '/x/../slack/events']) {
      // A raw path: a URL string would be normalised by the client before it is sent.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ hostname, port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed(body, yearAhead) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
      expect({ path, status }).toEqual({ path, status: 401 });
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');
  });

  it('still accepts a clock a little ahead (4 minutes)', async () => {
    h.slack.clear();
    const res = await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text: 'help' }, { timestampSec: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  });
});
