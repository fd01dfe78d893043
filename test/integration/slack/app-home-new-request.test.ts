/**
 * A new charter request on an approver's open Home tab. Approvals are what the tab lists first, and
 * the request was saved through this very process: the tab is refreshed with it at once, as for any
 * other change (debounced), not only by the periodic refresh a minute later.
 */
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
const lastViewOf = (userId: string) => JSON.stringify(h.slack.callsTo('views.publish').filter((c: RecordedSlackCall) => c.body.user_id === userId).at(-1)?.body.view ?? {});

it('an open approver tab lists a request submitted after it was opened', async () => {
  expect((await h.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastViewOf(APPROVER)).not.toContain('Waiting for approval');

  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(3), guestName: 'Nina Newrequest' });
  await h.running.built.home.idle();
  const shown = lastViewOf(APPROVER);
  expect(shown).toContain('Waiting for approval (1)');
  expect(shown).toContain(`"value":"${id}"`);
});
