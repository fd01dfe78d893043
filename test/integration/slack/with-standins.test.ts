/**
 * The whole flow with the production integration steps against the local stand-ins: /charter →
 * modal → Approve → calendar, SCC, revenue guard, guest page, invalidation, crew post → both crew
 * confirm → the guest URL in the thread serves the page.
 */
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, CREW, OPS_CHANNEL, ORIGIN_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, env: { CHARTER_CREW_CHANNEL: 'C0CREW0001' } });
});
afterAll(async () => {
  await h.close();
});

it('takes a booking from /charter to a thread showing a guest URL that serves the page', async () => {
  const opened = await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL });
  expect(opened.status).toBe(200);
  const id = await submitBooking(h);
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const done = await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed', 20_000);
  expect(done.state).toBe('done');
  await settle(h);

  const standins = h.standins;
  if (!standins) throw new Error('stand-ins not started');
  expect(standins.dashboard.entries()).toHaveLength(1);
  expect(standins.cloudfront.invalidations()).toHaveLength(1);

  const progress = h.slack.callsTo('chat.update').filter((c) => c.body.ts === done.slack.progressTs).at(-1);
  const url = `${h.config.guest.siteUrl}/g/${id}`;
  expect(JSON.stringify(progress?.body.blocks)).toContain(url);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Maria');

  const crewPosts = h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Crew call:'));
  expect(crewPosts.map((c) => [c.body.channel, c.body.thread_ts])).toEqual([['C0CREW0001', undefined]]);

  for (const member of CREW) {
    await h.requester.interact(blockActionPayload({ userId: member, actionId: `crew_confirm:${member}`, value: `${id}:${member}`, channelId: OPS_CHANNEL }));
  }
  const confirmed = await waitForBooking(h, id, (b) => CREW.every((m) => b.confirmations[m] !== undefined));
  expect(Object.keys(confirmed.confirmations).sort()).toEqual([...CREW].sort());
});
