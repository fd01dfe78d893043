/**
 * The guest page refresh (message shortcut and `/charter refresh ID`) against the real S3 and
 * CloudFront stand-ins: every refresh clears the cache, even of content that did not change, and
 * two clicks at once both hear it was refreshed.
 */
import { APPROVER, clickInOps, doneBooking, ephemeralsTo, OPS_CHANNEL, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const refresh = (id: string) => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
const invalidationsOf = (id: string) => h.standins!.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id));

it('a refresh of unchanged content still sends a new invalidation, and says which', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REF1' });
  const before = invalidationsOf(id).length;
  h.slack.clear();
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 2);
  await settle(h);
  const sent = invalidationsOf(id);
  expect(sent.length - before).toBe(2);
  const replies = ephemeralsTo(h, APPROVER);
  for (const [i, reply] of replies.entries()) expect(reply).toContain(`(invalidation \`${sent[before + i]?.id}\`)`);
});

it('two refresh clicks at once: both are told the page was refreshed', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REF2' });
  h.slack.clear();
  await Promise.all([refresh(id), refresh(id)]);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 2);
  for (const reply of ephemeralsTo(h, APPROVER)) expect(reply).toMatch(/^Guest page re-rendered and its cache cleared/);
});

it('a refresh after a change (whose own invalidation used the new content\'s reference) still clears the cache', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-REF3' };
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00' });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  const before = invalidationsOf(id).length;
  h.slack.clear();
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  const sent = invalidationsOf(id);
  expect(sent.length).toBe(before + 1);
  expect(ephemeralsTo(h, APPROVER)[0]).toContain(`(invalidation \`${sent.at(-1)?.id}\`)`);
});
