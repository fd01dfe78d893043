/**
 * A reschedule's update of a crew post loses its answer (a reset) and Slack stores it 2.5 s later,
 * within one call deadline (1 s here) plus the 2 s PostOnce allows. A cancel that redrew the posts
 * at once was overwritten by that update: the captain's DM showed a live "Crew call … please
 * confirm" at the new time, Confirm buttons and all, under a cancelled charter. The cancel's crew
 * step now redraws only once such an update can no longer land.
 */
import { blocksToText } from '../../../src/slack/blocks/to-text';
import type { StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { clickInOps, doneBooking, OPS_CHANNEL, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);
const CAPTAIN_DM = 'D0CAPTAIN1';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, env: { CHARTER_CREATE_QUIET_MS: '600', CHARTER_CALL_TIMEOUT_MS: '1000' } });
});
afterAll(async () => {
  await h.close();
});

const crewDms = (id: string) => h.slack.messages().filter((m) => String(m.channel).startsWith('D') && JSON.stringify(m.metadata ?? {}).includes(id));
const withConfirm = (m: StoredSlackMessage) => JSON.stringify(m.blocks ?? []).includes('"action_id":"crew_confirm');
const shown = (m: StoredSlackMessage) => `${String(m.text)} ${blocksToText((m.blocks ?? []) as never)}`;

/** A done charter at 4 PM with a reschedule to 11 AM proposed; the next crew post update is stored 2.5 s late, its answer lost. */
async function rescheduleWithLateCrewUpdate(ref: string) {
  const fields = { ...VALID_FIELDS, boatsetterRef: ref };
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '11:00' });
  h.slack.loseNext('chat.update', 1, { effect: 2500, answer: 'reset', when: (b) => b.channel !== OPS_CHANNEL });
  return { id, opId };
}

async function cancelledAndSettled(id: string) {
  const end = await waitForBooking(h, id, (b) => b.state === 'cancelled' || b.state === 'failed', 30_000);
  expect(end.state).toBe('cancelled');
  await settle(h);
  await h.slack.lateEffectsLanded();
}

it("a cancel right after a change whose retried crew step lost an update's answer leaves no live crew call", async () => {
  const { id, opId } = await rescheduleWithLateCrewUpdate('BS-LC-0001');
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const changed = await waitForBooking(h, id, (b) => ['done', 'failed'].includes(b.operations?.find((o) => o.id === opId)?.status ?? ''), 30_000);
  // The change's crew step redrew the post again and finished: only its first attempt's update is late.
  expect(changed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.attempts).toBeGreaterThan(1);
  await clickInOps(h, 'booking_cancel', id);
  await cancelledAndSettled(id);
  expect(crewDms(id).filter(withConfirm)).toEqual([]);
});

it('a cancel clicked as the change updates a crew post leaves no live crew call, and tells the captain of the call his post may show', async () => {
  const { id, opId } = await rescheduleWithLateCrewUpdate('BS-LC-0002');
  let clicked: Promise<unknown> | undefined;
  const off = h.slack.onCall((c) => {
    if (!clicked && c.method === 'chat.update' && c.body.channel !== OPS_CHANNEL) clicked = clickInOps(h, 'booking_cancel', id);
  });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  while (!clicked) await new Promise((r) => setTimeout(r, 10));
  await clicked;
  off();
  await cancelledAndSettled(id);
  const dms = crewDms(id);
  expect(dms.filter(withConfirm)).toEqual([]);
  // The lost update may have put 11:00 on his post: he is told 11:00 will not sail, not 4:00.
  const captain = dms.filter((m) => m.channel === CAPTAIN_DM);
  const post = captain.find((m) => shown(m).includes('This charter was cancelled'));
  expect(post && shown(post)).toContain('11:00 AM');
  const note = captain.find((m) => shown(m).includes('Charter cancelled'));
  expect(note && shown(note)).toContain('11:00 AM');
});
