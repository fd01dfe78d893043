/** Which charters' offices hear that a rostered member was deactivated, and the line they read (pure). */
import { loadConfig, type Config } from '../../../src/config';
import type { BookingRecord } from '../../../src/pipeline/types';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { deactivatedKey } from '../../../src/pipeline/reminders';
import { bookingsLosing, deactivatedLine, owedDeactivations } from '../../../src/slack/member-deactivated';
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

it('owes a line: never claimed on a booking made before the deactivation, or claimed and never marked sent once the claim lapsed', () => {
  const done: BookingRecord = { ...base, state: 'done' };
  const since = done.createdAtMs + 60_000;
  const registry = { [crew]: since };
  const owed = (b: BookingRecord, r: Record<string, number> = registry, nowMs = before) => owedDeactivations(b, r, nowMs, config);
  const claim = (state: { claimExpiresAtMs: number; sentAtMs?: number }) => ({ ...done, reminders: { [deactivatedKey(crew)]: { claimedBy: 'p1', ...state } } });
  // never claimed: the delivery listed nothing (store unavailable) or died after the registry's write
  expect(owed(done)).toEqual([crew]);
  // ...but a booking made after it passed the form's crew check: the member is likely active again
  expect(owed({ ...done, createdAtMs: since + 1 })).toEqual([]);
  // claimed: owed once the claim lapsed unsent; not while it is held, nor once sent
  expect(owed(claim({ claimExpiresAtMs: before - 1 }))).toEqual([crew]);
  expect(owed(claim({ claimExpiresAtMs: before + 1 }))).toEqual([]);
  expect(owed(claim({ claimExpiresAtMs: before - 1, sentAtMs: 5 }))).toEqual([]);
  // the crew member out of the registry (reactivated): their lapsed claim owes nothing; the captain, in it, is owed
  expect(owed(claim({ claimExpiresAtMs: before - 1 }), { [captain]: since })).toEqual([captain]);
  expect(owed(done, { U0NOTONIT1: since })).toEqual([]);
  // the charters bookingsLosing leaves out owe nothing: check-in reached, declined
  expect(owed(done, registry, checkIn)).toEqual([]);
  expect(owed({ ...done, declines: { [crew]: { atMs: 1 } } })).toEqual([]);
});
