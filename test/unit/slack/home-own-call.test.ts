/**
 * App Home for an approver who is also on a charter's crew: whether they may answer their own call
 * (answersClosed: the charter's departure worked out in the operator's zone, its operations looked
 * through) is worked out once per charter, and the tab still offers their answers. The call being
 * updated is covered end to end by test/integration/slack/app-home-answers-during-change.test.ts.
 */
import { charterSchedule } from '../../../src/booking/time';
import { loadConfig, type Config } from '../../../src/config';
import type { BookingRecord } from '../../../src/pipeline/types';
import { buildHomeView } from '../../../src/slack/home/publisher';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

// The real zone arithmetic, counted (SWC's module exports cannot be spied on in place).
jest.mock('../../../src/booking/time', () => {
  const actual = jest.requireActual<typeof import('../../../src/booking/time')>('../../../src/booking/time');
  return { ...actual, charterSchedule: jest.fn(actual.charterSchedule) };
});

const CAPTAIN = 'U0CAPTAIN1';
const OFFICE = 'U0APPROVER2';
const NOW_MS = Date.parse('2030-07-01T12:00:00Z');

function config(): Config {
  const loaded = loadConfig(validEnv({ CHARTER_APPROVERS: `${CAPTAIN},${OFFICE}`, CHARTER_TIMEZONE: 'America/Los_Angeles' }));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config;
}

/** Set up, the captain's call posted to his DM: his answers are taken (crew-answers.ts). */
function doneCharter(date: string): BookingRecord {
  const r = sampleRecord(undefined, NOW_MS);
  return { ...r, state: 'done', request: { ...r.request, date }, slack: { ...r.slack, crewPosts: { [CAPTAIN]: { channel: 'D0CAPTAIN1', ts: '1893456000.000100' } } } };
}

/** How many departures the approver's tab works out for these charters. */
function schedulesFor(userId: string, charters: BookingRecord[]): { count: number; text: string } {
  jest.mocked(charterSchedule).mockClear();
  const text = JSON.stringify(buildHomeView({ config: config() }, charters, userId, NOW_MS));
  return { count: jest.mocked(charterSchedule).mock.calls.length, text };
}

it('works out once per charter whether an approver on its crew may answer, and offers their answers', () => {
  const charters = [doneCharter('2030-07-03'), doneCharter('2030-07-04'), doneCharter('2030-07-05')];
  const office = schedulesFor(OFFICE, charters);
  const captain = schedulesFor(CAPTAIN, charters);
  // The same tab but for the own-call rule: one more departure per charter, not two.
  expect(captain.count - office.count).toBe(charters.length);
  for (const c of charters) {
    expect(captain.text).toContain(`"value":"${c.id}:${CAPTAIN}:r1"`);
    expect(office.text).not.toContain(`"value":"${c.id}:${CAPTAIN}`);
  }
});

it('draws their answers for the call as a change left it: the buttons carry its revision, as the crew post’s do', () => {
  const rescheduled = { ...doneCharter('2030-07-03'), callRevisions: { [CAPTAIN]: 4 } };
  const text = schedulesFor(CAPTAIN, [rescheduled]).text;
  expect(text.match(new RegExp(`"value":"${rescheduled.id}:${CAPTAIN}(:r\\d+)?"`, 'g'))).toEqual([`"value":"${rescheduled.id}:${CAPTAIN}:r4"`, `"value":"${rescheduled.id}:${CAPTAIN}:r4"`]);
});
