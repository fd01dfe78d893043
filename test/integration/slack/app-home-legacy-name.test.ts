/**
 * A booking saved before the form refused amounts in the guest name ("$1,200 Maria Delgado"): the
 * crew see the guest's first name on their Home (and crew posts, SCC), and the first word of that
 * name is an amount. No money on a crew member's Home, whatever the record holds.
 */
import { computeCosts } from '../../../src/booking/costs';
import { isMoneyLine } from '../../../src/booking/money-detector';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES } from '../../../src/pipeline/types';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { amountsOf, findMoney } from '../../support/money-search';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { APPROVER, CREW, inDays, OPS_CHANNEL, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it.each(['$1,200 Maria Delgado', 'USD 1200 Maria Delgado', '1200$ Maria'])('a legacy guest name %p puts no amount on a crew member’s Home', async (guestName) => {
  const request = sampleRequest({ date: inDays(2), guestName });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
  // Called by DM: a crew Home lists a charter once its call went out.
  const crewPosts = { [CREW[0]]: { channel: 'D0CREW0001', ts: '1800000000.000200' } };
  const record = newBookingRecord({ id: `LEGACY${String(guestName.length).padStart(6, '0')}`, request, roster: sampleRoster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL, crewPosts } }, Date.now());
  record.state = 'done';
  for (const s of STEP_NAMES) record.steps[s] = { status: 'done', attempts: 1, result: {} };
  await h.running.built.store.create(record);

  h.slack.clear();
  expect((await h.requester.event(appHomeOpenedEvent({ userId: CREW[0] }))).status).toBe(200);
  await h.running.built.home.idle();
  const view = h.slack.callsTo('views.publish').filter((c: RecordedSlackCall) => c.body.user_id === CREW[0]).at(-1)?.body.view as { blocks: { text?: { text: string } }[] };
  const lines = view.blocks.flatMap((b) => (b.text?.text ?? '').split('\n'));
  expect(lines.some((l) => l.startsWith('Maria, party of 6'))).toBe(true);
  expect(findMoney(view, amountsOf(costs))).toEqual([]);
  expect(lines.filter((l) => l.includes('party of') && isMoneyLine(l.split(',')[0] ?? ''))).toEqual([]);
});
