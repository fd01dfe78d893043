/**
 * How the record says a member's crew call went out (callReached): answers are taken, and the
 * crew Home lists a charter, only from then.
 */
import { loadConfig, type Config } from '../../../src/config';
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type Operation } from '../../../src/pipeline/types';
import { callReached } from '../../../src/slack/crew-call-reached';
import { callDigest } from '../../../src/slack/crew-notice';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config: Config = loaded.config;

const LEE = 'U0CREW0001';
const ANA = 'U0CREW0002';
const post = { channel: 'D0LEE00001', ts: '1800000000.000100' };

it('is false before any post, true once the member’s DM or the crew channel post is saved', () => {
  const r = sampleRecord();
  expect(callReached(r, LEE, config)).toBe(false);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [LEE]: post } } }, LEE, config)).toBe(true);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [LEE]: post } } }, ANA, config)).toBe(false);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [CREW_CHANNEL_POST_KEY]: { channel: 'C0CREW0001', ts: post.ts } } } }, ANA, config)).toBe(true);
});

it('reads posts only a crew step’s result names: the create’s, or (its call left to it) a change’s', () => {
  const r = sampleRecord();
  const createPosted: BookingRecord = { ...r, steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, result: { [`post:${LEE}`]: `${post.channel}/${post.ts}` } } } };
  expect(callReached(createPosted, LEE, config)).toBe(true);
  const change: Operation = { id: 'op2', kind: 'change', status: 'done', requestedBy: 'U0APPROVE1', requestedAtMs: 1, steps: { crew_notice: { status: 'done', attempts: 1, result: { [`post:${ANA}`]: `D0ANA00001/${post.ts}` } } } };
  const deferred: BookingRecord = { ...r, steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, result: { callDeferredTo: 'op2' } } }, operations: [change] };
  expect(callReached(deferred, ANA, config)).toBe(true);
  expect(callReached(deferred, LEE, config)).toBe(false);
});

it('takes the crew channel post as carrying a member a change added only once a crew step drew it with them', () => {
  const r = sampleRecord();
  const channelPost = { channel: 'C0CREW0001', ts: post.ts };
  const details = { request: r.request, roster: r.roster, costs: r.costs };
  const withoutAna = { ...details, roster: r.roster.filter((m) => m.slackUserId !== ANA) };
  const added = (crewStep: Operation['steps']): BookingRecord => ({
    ...r,
    slack: { ...r.slack, crewPosts: { [CREW_CHANNEL_POST_KEY]: channelPost } },
    operations: [{ id: 'op2', kind: 'change', status: 'failed', requestedBy: 'U0APPROVE1', requestedAtMs: 1, previous: withoutAna, details, ...(crewStep ? { steps: crewStep } : {}) }],
  });
  const failedBefore = added({ crew_notice: { status: 'pending', attempts: 0 } });
  expect(callReached(failedBefore, ANA, config)).toBe(false);
  expect(callReached(failedBefore, LEE, config)).toBe(true); // on the crew the post was drawn for
  const drewIt = added({ crew_notice: { status: 'done', attempts: 1, result: { [`post:${CREW_CHANNEL_POST_KEY}`]: `${channelPost.channel}/${channelPost.ts}` } } });
  expect(callReached(drewIt, ANA, config)).toBe(true);
});

it('with no digest on the channel post, counts a member a replaced change added from that change, whose crew step drew the post', () => {
  const r = sampleRecord();
  const channelPost = { channel: 'C0CREW0001', ts: post.ts };
  const details = { request: r.request, roster: r.roster, costs: r.costs };
  const withoutAna = { ...details, roster: r.roster.filter((m) => m.slackUserId !== ANA) };
  const drew = { status: 'done' as const, attempts: 1, result: { [`post:${CREW_CHANNEL_POST_KEY}`]: `${channelPost.channel}/${channelPost.ts}` } };
  const change = (id: string, status: Operation['status'], crewStep: NonNullable<Operation['steps']>['crew_notice'], more: Partial<Operation> = {}): Operation => ({
    id,
    kind: 'change',
    status,
    requestedBy: 'U0APPROVE1',
    requestedAtMs: 1,
    startedAtMs: 2,
    previous: withoutAna,
    details,
    steps: { crew_notice: crewStep! },
    ...more,
  });
  // The first drew the post with Ana, then failed after (its calendar); the second plans from what it replaced, so "adds" her again.
  const replaced: BookingRecord = {
    ...r,
    slack: { ...r.slack, crewPosts: { [CREW_CHANNEL_POST_KEY]: channelPost } },
    operations: [change('op2', 'superseded', drew), change('op3', 'failed', { status: 'pending', attempts: 0 }, { crewMayHaveSeen: details })],
  };
  expect(callReached(replaced, ANA, config)).toBe(true);
  // Had the first not reached the crew, the second's add is hers: not called.
  const unreached: BookingRecord = { ...replaced, operations: [change('op2', 'superseded', { status: 'failed', attempts: 0 }), change('op3', 'failed', { status: 'pending', attempts: 0 })] };
  expect(callReached(unreached, ANA, config)).toBe(false);
});

it('finds the call a compacted change drew on the channel post in what the change replacing it may have shown (crewMayHaveSeen)', () => {
  const r = sampleRecord();
  const channelPost = { channel: 'C0CREW0001', ts: post.ts };
  const full = { request: r.request, roster: r.roster, costs: r.costs };
  const withoutAna = { ...full, roster: r.roster.filter((m) => m.slackUserId !== ANA) };
  const created = Object.fromEntries(r.roster.map((m) => [m.slackUserId, 1]));
  const offGave = Object.fromEntries(withoutAna.roster.map((m) => [m.slackUserId, 1]));
  const backGave = Object.fromEntries(r.roster.map((m) => [m.slackUserId, 3]));
  const drawnOff = callDigest({ ...r, roster: withoutAna.roster, callRevisions: offGave }, config, CREW_CHANNEL_POST_KEY);
  const later = { ...full, request: { ...r.request, departureTime: '17:30' } };
  const base = { kind: 'change' as const, requestedBy: 'U0APPROVE1', requestedAtMs: 1 };
  // The first took Ana off: its crew step drew the post, then failed on a note. Compacted, it keeps its revisions only.
  const off: Operation = { ...base, id: 'op2', status: 'superseded', startedAtMs: 2, compacted: true, callRevisionsBefore: created, callRevisionsGiven: offGave, steps: { crew_notice: { status: 'failed', attempts: 1 } } };
  // The second put her back (planned from what the first replaced) and failed before its crew step.
  const back: Operation = { ...base, id: 'op3', status: 'failed', startedAtMs: 3, details: later, previous: full, crewMayHaveSeen: withoutAna, callRevisionsBefore: offGave, callRevisionsGiven: backGave, steps: { crew_notice: { status: 'pending', attempts: 0 } } };
  const record: BookingRecord = { ...r, request: later.request, callRevisions: backGave, slack: { ...r.slack, crewPosts: { [CREW_CHANNEL_POST_KEY]: { ...channelPost, call: drawnOff } } }, operations: [off, back] };
  expect(callReached(record, ANA, config)).toBe(false);
  expect(callReached(record, LEE, config)).toBe(true);
});
