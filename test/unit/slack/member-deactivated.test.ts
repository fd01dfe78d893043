/** Which charters' offices hear that a rostered member was deactivated, and the line they read (pure). */
import { loadConfig, type Config } from '../../../src/config';
import type { BookingRecord } from '../../../src/pipeline/types';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { deactivatedKey } from '../../../src/pipeline/reminders';
import { bookingsLosing, deactivatedLine, unsentDeactivations } from '../../../src/slack/member-deactivated';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

const loaded = loadConfig(validEnv({ CHARTER_TIMEZONE: 'America/Los_Angeles' }));
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config: Config = loaded.config;

const base = sampleRecord();
const captain = base.roster.find((m) => m.role === 'captain')!.slackUserId;
const crew = base.roster.find((m) => m.role === 'crew')!.slackUserId;
const checkIn = checkInMsOf(base, config);
const before = checkIn - 3_600_000;
const ids = (bookings: BookingRecord[], userId: string, nowMs = before) => bookingsLosing(bookings, userId, nowMs, config).map((b) => b.id);

it('names the charters ahead the member is on, in every state that may still sail', () => {
  const states = ['pending_approval', 'approved', 'running', 'done', 'failed'] as const;
  const bookings = states.map((state) => ({ ...sampleRecord(), state }));
  expect(ids(bookings, crew)).toEqual(bookings.map((b) => b.id));
  expect(ids(bookings, 'U0NOTONIT1')).toEqual([]);
});

it('leaves out: check-in reached, cancelled or being cancelled, declined, told already, no thread to post in', () => {
  const done: BookingRecord = { ...base, state: 'done' };
  expect(ids([done], crew, checkIn)).toEqual([]);
  expect(ids([{ ...done, state: 'cancelled' }], crew)).toEqual([]);
  const cancelling: BookingRecord = { ...done, operations: [{ id: 'op1', kind: 'cancel', status: 'running', requestedBy: 'U0APPROVE1', requestedAtMs: 1 }] };
  expect(ids([cancelling], crew)).toEqual([]);
  expect(ids([{ ...done, declines: { [crew]: { atMs: 1 } } }], crew)).toEqual([]);
  expect(ids([{ ...done, declines: { [crew]: { atMs: 1 } } }], captain)).toEqual([done.id]);
  expect(ids([{ ...done, reminders: { [deactivatedKey(crew)]: { sentAtMs: 1 } } }], crew)).toEqual([]);
  // claimed by a delivery that has not posted yet: still a candidate (the claim decides who posts)
  expect(ids([{ ...done, reminders: { [deactivatedKey(crew)]: { claimedBy: 'other', claimExpiresAtMs: before + 1000 } } }], crew)).toEqual([done.id]);
  expect(ids([{ ...done, slack: { channel: 'C0OPS00001' } }], crew)).toEqual([]);
});

it('says who, which part of the roster, and what to do: Edit once approved, approve-then-Edit or rebook while awaiting approval', () => {
  expect(deactivatedLine({ ...base, state: 'done' }, captain)).toBe(
    `:warning: <@${captain}>'s Slack account was deactivated, and they are the captain of this charter. Crew calls and reminders can no longer reach them. Change the crew (Edit) and approve the change.`,
  );
  expect(deactivatedLine({ ...base, state: 'pending_approval' }, crew)).toContain('they are on the crew of this charter. Approved as it is, their crew call would reach nobody');
});

it('finds the lines a delivery claimed and never marked sent, once the claim has lapsed', () => {
  const b: BookingRecord = {
    ...base,
    reminders: {
      [deactivatedKey('U0LAPSED01')]: { claimedBy: 'p1', claimExpiresAtMs: before - 1 },
      [deactivatedKey('U0HELD0001')]: { claimedBy: 'p1', claimExpiresAtMs: before + 1 },
      [deactivatedKey('U0SENT0001')]: { claimedBy: 'p1', claimExpiresAtMs: before - 1, sentAtMs: 5 },
      'dm48:U0LAPSED01': { claimedBy: 'p1', claimExpiresAtMs: before - 1 },
    },
  };
  expect(unsentDeactivations(b, before)).toEqual(['U0LAPSED01']);
  expect(unsentDeactivations(base, before)).toEqual([]);
});
