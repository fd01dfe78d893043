/**
 * The approval message at the top of a booking's thread after a change has run: it shows the
 * booking as it now is (date, roster, net), names the change and who approved it, and carries the
 * change's warnings rather than intake's (which were about the old details).
 * Real Bolt receiver, signed requests, the stand-ins.
 */
import type { StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { clickInOps, CREW, doneBooking, OPS_CHANNEL, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const year = new Date().getUTCFullYear() + 1;
const approvalOf = (ts: string): StoredSlackMessage => h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)!;
const textOf = (m: StoredSlackMessage) => JSON.stringify(m.blocks ?? []);

it('after a reschedule with a crew swap and a new price, the approval shows the new date, roster and net, and names the change', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-APCH1', date: `${year}-07-04` };
  const id = await doneBooking(h, fields);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  const before = textOf(approvalOf(approvalTs));
  expect(before).toContain('Jul 4');
  expect(before).not.toContain('Changed since');

  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: `${year}-07-09`, crew: [CREW[0], OUTSIDER], priceCents: '1500' });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);

  const after = approvalOf(approvalTs);
  const shown = textOf(after);
  expect(shown).toContain('Jul 9');
  expect(shown).not.toContain('Jul 4');
  expect(shown).toContain(`<@${OUTSIDER}>`);
  expect(shown).not.toContain(`<@${CREW[1]}>`);
  expect(shown).toMatch(/:pencil2: Changed since: reschedule \(approved by <@U0APPROVE1>, [^)]+\)\. The details above are the booking as it is now/);
  // The approval still says who approved it first, and has no buttons to press again.
  expect(shown).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
  expect(shown).not.toContain('booking_approve');
  const booking = (await h.running.built.api.get(id))!;
  expect(after.text).toContain(`net $${(booking.costs.netCents / 100).toFixed(2)}`.replace(/\.00$/, ''));
});

it('a redraw whose update lands late, after a cancel was drawn, is drawn again: the message says cancelled', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-APCH2', date: `${year}-07-14` };
  const id = await doneBooking(h, fields);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: `${year}-07-19` });
  // The change's redraw reaches Slack 1.5 s late (a slow Slack, or another process on Lambda).
  h.slack.loseNext('chat.update', 1, { effect: 1500, answer: { afterMs: 1600 }, when: (b) => b.ts === approvalTs && JSON.stringify(b.blocks).includes('Changed since') });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await settle(h);
  await h.slack.lateEffectsLanded();
  const shown = textOf(approvalOf(approvalTs));
  expect(shown).toContain(':x: Cancelled');
  expect(shown).not.toContain(':white_check_mark: Approved');
});

it('a redraw Slack refuses once is tried again', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-APCH3', date: `${year}-08-04` };
  const id = await doneBooking(h, fields);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: `${year}-08-09` });
  h.slack.failNext('chat.update', 1, 'internal_error', (b) => b.ts === approvalTs);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  const shown = textOf(approvalOf(approvalTs));
  expect(shown).toContain('Aug 9');
  expect(shown).toContain('Changed since: reschedule');
});
