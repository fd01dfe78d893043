/**
 * Acceptance of "money never in crew sight", with the DEFAULT configuration (no crew channel: crew
 * are called by DM) and the production integration steps against the local stand-ins.
 *
 * 1. The whole flow over signed HTTP — /charter, a booking whose internal notes carry money, Approve, crew
 *    confirm / decline (with a money-bearing reason) / say nothing, [Change crew], reminders 48 h
 *    and 24 h out — then EVERY message crew can see (their DMs, any thread under a crew post,
 *    ephemeral replies to them, crew modals) is searched for money with the shared detector and
 *    for this booking's amounts: none. No crew post is in the ops channel.
 * 2. A property over random bookings with money-bearing notes (and crew notes): no money in the SCC request body,
 *    the SCC item after the guard, the crew DMs, the guest page or its .ics.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import { findMoney } from '../../../src/booking/money-detector';
import type { RosterMember } from '../../../src/booking/types';
import type { BookingRecord } from '../../../src/pipeline/types';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { bookingRequestArb, RATES } from '../../support/booking';
import { crewPostsInOpsChannel, crewVisibleCalls, visibleText } from '../../support/crew-surfaces';
import { unmarshall } from '../../support/dynamo-json';
import { notesArb } from '../../support/money-lines';
import { amountsOf, findMoney as findAmounts } from '../../support/money-search';
import { blockActionPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, CAPTAIN, CREW, OPS_CHANNEL, ORIGIN_CHANNEL, settle, shownChangeForm, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

// Real steps against every stand-in, a dozen bookings: generous under a loaded machine (no timing is asserted).
jest.setTimeout(180_000);

const HOUR = 3_600_000;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let h: Harness;
let ddb: DynamoDBClient;

beforeAll(async () => {
  h = await startHarness({ real: true, deps: { now: clock.now } });
  expect(h.config.slack.crewChannel).toBeUndefined();
  ddb = new DynamoDBClient({ endpoint: h.standins!.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  ddb?.destroy();
  await h?.close();
});

async function sccItems(externalId: string) {
  const res = await ddb.send(new ScanCommand({ TableName: h.config.scc.eventsTable, FilterExpression: 'externalId = :x', ExpressionAttributeValues: { ':x': { S: externalId } }, ConsistentRead: true }));
  return (res.Items ?? []).map(unmarshall);
}

async function guestSurfaces(id: string): Promise<{ html: string; ics: string }> {
  const base = `${h.config.guest.siteUrl}/g/${id}`;
  const [html, ics] = await Promise.all([fetch(base).then((r) => r.text()), fetch(`${base}.ics`).then((r) => r.text())]);
  return { html, ics };
}

/** What the booking's crew-visible artifacts hold that is money: detector findings and this booking's amounts. */
function moneyIn(value: unknown, booking: BookingRecord): string[] {
  return [...findMoney(value).map((f) => `${f.path} (${f.why})`), ...findAmounts(value, amountsOf(booking.costs)).map((f) => `${f.path} (${f.why})`)];
}

it('the whole flow: nothing crew can see carries money, and no crew post is in the ops channel', async () => {
  // Internal notes with money, including lines the detector knowingly misses; crew notes with lines that only mention a money word.
  const notes = 'Paid $1,200, net 584\nCrew pay 25/h\nSam: 150\nOwner split 70/30';
  const crewNotes = 'Birthday sunset sail\nPay attention: tide turns at 3 pm\nTip: bring a jacket';
  await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL });
  const id = await submitBooking(h, { ...VALID_FIELDS, notes, crewNotes });
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const done = await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed', 60_000);
  expect(done.state).toBe('done');
  expect(done.steps.revenue_guard.result).toMatchObject({ verified: true });
  await settle(h);
  const dm = (u: string) => done.slack.crewPosts![u]!;

  // Lee confirms; Ana declines with a reason that mentions money; Sam says nothing; ops clicks [Change crew].
  await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: dm(CREW[0]).channel }));
  await h.requester.interact(blockActionPayload({ userId: CREW[1], actionId: `crew_decline:${CREW[1]}`, value: `${id}:${CREW[1]}`, channelId: dm(CREW[1]).channel }));
  const isDeclineModal = (c: { method: string; body: Record<string, unknown> }) => c.method === 'views.open' && (c.body.view as { callback_id?: string }).callback_id === 'crew_decline';
  await h.slack.waitFor((calls) => calls.some(isDeclineModal));
  const modal = h.slack.calls.find(isDeclineModal)?.body.view as { private_metadata: string };
  await h.requester.interact(viewSubmissionPayload({ userId: CREW[1], callbackId: 'crew_decline', privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: 'Booked elsewhere\nthey pay $300 more' } } } }));
  // Someone clicks a button that is not theirs: an ephemeral reply in their DM.
  await h.requester.interact(blockActionPayload({ userId: CAPTAIN, actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: dm(CAPTAIN).channel }));
  await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined && b.declines?.[CREW[1]] !== undefined);
  await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length >= 1);
  // [Change crew] opens the change form (for ops, who see money anyway; not a crew surface).
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'crew_change', value: id, channelId: OPS_CHANNEL }));
  await shownChangeForm(h);

  // Reminders 48 h and 24 h before check-in.
  const checkIn = checkInMsOf(done, h.config);
  // The clock only moves forward (timers in the app remember times); the property below runs later still.
  for (const hoursBefore of [47, 23]) {
    clock.offsetMs = checkIn - hoursBefore * HOUR - Date.now();
    await h.running.built.periodic.runOnce();
  }
  await settle(h);
  const final = (await h.running.built.api.get(id))!;
  expect(Object.keys(final.reminders ?? {}).sort()).toEqual([`dm24:${CAPTAIN}`, `dm48:${CAPTAIN}`, 'ops24']);

  const seen = crewVisibleCalls(h.slack, { crewUsers: [CAPTAIN, ...CREW] });
  // The search covers every kind of crew surface this flow produces.
  const kinds = new Set(seen.map((c) => `${c.method}${String(c.body.channel ?? '').startsWith('D') ? ' DM' : ''}`));
  expect([...kinds].sort()).toEqual(['chat.postEphemeral DM', 'chat.postMessage DM', 'chat.update DM', 'views.open'].sort());
  expect(new Set(seen.filter((c) => c.method === 'chat.postMessage').map((c) => c.body.channel))).toEqual(new Set([CAPTAIN, ...CREW].map((u) => `D${u.slice(1)}`)));
  for (const call of seen) expect({ method: call.method, money: moneyIn(call.body, final) }).toEqual({ method: call.method, money: [] });
  expect(crewPostsInOpsChannel(h.slack, OPS_CHANNEL)).toEqual([]);

  // The notes for crew reached crew; nothing of the internal notes did, not even what the detector misses.
  const crewText = JSON.stringify(seen.map((c) => c.body));
  expect(crewText).toContain('Pay attention: tide turns at 3 pm');
  expect(crewText).toContain('Birthday sunset sail');
  expect(crewText).toContain("can't make it — Booked elsewhere");
  expect(crewText).not.toMatch(/net 584|\$300|Sam: 150|70\/30/);
  // …while the ops thread did hear the whole reason.
  expect(h.slack.callsTo('chat.postMessage').some((c) => c.body.channel === OPS_CHANNEL && String(c.body.text).includes('$300'))).toBe(true);

  // SCC (crew read it) and the guest page: no money either.
  const sccBody = h.standins!.scc.recorder.find('POST', '/events').find((r) => (r.body as { externalId?: string }).externalId === id)?.body;
  expect(moneyIn(sccBody, final)).toEqual([]);
  expect(String((sccBody as { description: string }).description)).toContain('Pay attention: tide turns at 3 pm');
  expect(String((sccBody as { description: string }).description)).not.toMatch(/Sam: 150|70\/30/);
  for (const item of await sccItems(id)) expect(moneyIn(item, final)).toEqual([]);
  const guest = await guestSurfaces(id);
  expect(moneyIn(visibleText(guest.html), final)).toEqual([]);
  expect(moneyIn(guest.ics, final)).toEqual([]);
});

it('random bookings with money-bearing notes: no money in the SCC request, the SCC item after the guard, the crew DMs, the guest page or the .ics', async () => {
  let n = 0;
  await fc.assert(
    // No crew notes: a booking saved before the field (crew read its notes, filtered); with them, the
    // crew field is money-bearing too, as a record made elsewhere than the form could be.
    fc.asyncProperty(bookingRequestArb.filter((r) => r.crew.length <= 4), notesArb, fc.option(notesArb, { nil: undefined }), async (generated, notes, crewNotes) => {
      n += 1;
      const request = { ...generated, notes, ...(crewNotes === undefined ? {} : { crewNotes }) };
      const roster: RosterMember[] = [
        { slackUserId: request.captain, name: 'Sam Ortiz', email: 'sam@example.com', role: 'captain' },
        ...request.crew.filter((u) => u !== request.captain).map((u, i) => ({ slackUserId: u, name: `Crew ${i}`, role: 'crew' as const })),
      ];
      for (const m of roster) h.slack.setUser({ id: m.slackUserId, realName: m.name });
      const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
      const id = `PRP${String(n).padStart(4, '0')}${String(Date.now() % 1e5).padStart(5, '0')}`;
      h.slack.clear();
      await h.running.built.api.create({ id, request, roster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL, approvalTs: `1800000000.${String(n).padStart(6, '0')}` } });
      await h.running.built.api.approve(id, APPROVER);
      const done = await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed', 60_000);
      expect(done.state).toBe('done');
      await settle(h);

      const sccBody = h.standins!.scc.recorder.find('POST', '/events').find((r) => (r.body as { externalId?: string }).externalId === id)?.body;
      expect(sccBody).toBeDefined();
      expect(moneyIn(sccBody, done)).toEqual([]);
      const items = await sccItems(id);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(moneyIn(item, done)).toEqual([]);
      const seen = crewVisibleCalls(h.slack, { crewUsers: roster.map((m) => m.slackUserId) });
      expect(seen.filter((c) => c.method === 'chat.postMessage')).toHaveLength(roster.length);
      for (const call of seen) expect(moneyIn(call.body, done)).toEqual([]);
      expect(crewPostsInOpsChannel(h.slack, OPS_CHANNEL)).toEqual([]);
      const guest = await guestSurfaces(id);
      expect(guest.html).toContain(`/g/${id}`);
      expect(moneyIn(visibleText(guest.html), done)).toEqual([]);
      expect(moneyIn(guest.ics, done)).toEqual([]);
    }),
    { numRuns: 15 },
  );
});
