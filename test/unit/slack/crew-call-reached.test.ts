/**
 * How the record says a member's crew call went out (callReached): answers are taken, and the
 * crew Home lists a charter, only from then.
 */
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type Operation } from '../../../src/pipeline/types';
import { callReached } from '../../../src/slack/crew-call-reached';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const LEE = 'U0CREW0001';
const ANA = 'U0CREW0002';
const post = { channel: 'D0LEE00001', ts: '1800000000.000100' };

it('is false before any post, true once the member’s DM or the crew channel post is saved', () => {
  const r = sampleRecord();
  expect(callReached(r, LEE)).toBe(false);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [LEE]: post } } }, LEE)).toBe(true);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [LEE]: post } } }, ANA)).toBe(false);
  expect(callReached({ ...r, slack: { ...r.slack, crewPosts: { [CREW_CHANNEL_POST_KEY]: { channel: 'C0CREW0001', ts: post.ts } } } }, ANA)).toBe(true);
});

it('reads posts only a crew step’s result names: the create’s, or (its call left to it) a change’s', () => {
  const r = sampleRecord();
  const createPosted: BookingRecord = { ...r, steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, result: { [`post:${LEE}`]: `${post.channel}/${post.ts}` } } } };
  expect(callReached(createPosted, LEE)).toBe(true);
  const change: Operation = { id: 'op2', kind: 'change', status: 'done', requestedBy: 'U0APPROVE1', requestedAtMs: 1, steps: { crew_notice: { status: 'done', attempts: 1, result: { [`post:${ANA}`]: `D0ANA00001/${post.ts}` } } } };
  const deferred: BookingRecord = { ...r, steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, result: { callDeferredTo: 'op2' } } }, operations: [change] };
  expect(callReached(deferred, ANA)).toBe(true);
  expect(callReached(deferred, LEE)).toBe(false);
});
