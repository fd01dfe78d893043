/**
 * Change and cancel notes to crew land exactly once when Slack's answer is lost: the reply under a
 * crew post that says what changed (or that the charter is cancelled) and the "you're off" DM of a
 * crew member a swap removed. Real HTTP against the Slack stand-in and the integration stand-ins
 * (a change and a cancel run the real dashboard / SCC / S3 / CloudFront steps).
 */
import { APPROVER, clickInOps, CREW, doneBooking, OUTSIDER, settle, startHarness, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness, crewPostPayloadOf, heldCrewPosts, isCrewPost } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, deps: { crewPostOnce: { settleMs: 300, lookupPauseMs: 50, deadlineMs: 8000 } } });
});
afterAll(async () => h.close());
afterEach(() => h.slack.clear());

const isPost = isCrewPost;
const payloadOf = crewPostPayloadOf;
const held = (id: string, post: string) => heldCrewPosts(h.slack, id, post);

/** A crew swap to `crew`, submitted and approved, run to done; `fault` is set up just before. */
async function approveCrewSwap(id: string, crew: string[], fault = () => {}) {
  fault();
  await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, crew });
  await h.slack.waitFor((calls) => calls.some((c) => JSON.stringify(c.body.blocks ?? []).includes('change_approve')));
  const opId = (await h.running.built.api.get(id))?.operations?.at(-1)?.id ?? '';
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const changed = await waitForBooking(h, id, (b) => b.operations?.at(-1)?.status === 'done' || b.operations?.at(-1)?.status === 'failed', 20_000);
  await settle(h);
  expect(changed.operations?.at(-1)?.status).toBe('done');
  return changed;
}

it('a crew swap: the change note under a crew call and the removed member’s "you\'re off" DM each land once although both answers were lost', async () => {
  const id = await doneBooking(h);
  const before = (await h.running.built.api.get(id))!;
  const leeCall = before.slack.crewPosts![CREW[0]]!;
  const anaDm = before.slack.crewPosts![CREW[1]]!.channel;
  h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_change_note', { to: CREW[0] }) });
  h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_off', { to: CREW[1] }) });

  const changed = await approveCrewSwap(id, [CREW[0], OUTSIDER]);

  // one note under each remaining crew call (captain, Lee; the new member got a call instead), Lee's once
  const notes = held(id, 'crew_change_note');
  expect(notes.filter((m) => payloadOf(m).to === CREW[0])).toHaveLength(1);
  expect(notes.find((m) => payloadOf(m).to === CREW[0])).toMatchObject({ channel: leeCall.channel, thread_ts: leeCall.ts });
  expect(new Set(notes.map((m) => payloadOf(m).to)).size).toBe(notes.length);
  const off = held(id, 'crew_off');
  expect(off).toHaveLength(1);
  expect(off[0]).toMatchObject({ channel: anaDm });
  expect(String(off[0]?.text)).toContain("You're off");
  expect(payloadOf(off[0]!).rev).toBe(changed.revision);
  expect(h.slack.callsTo('conversations.replies').some((c) => c.body.channel === leeCall.channel && c.body.ts === leeCall.ts)).toBe(true);
});

it('a cancel: the cancel note under a crew call lands once although its answer was lost', async () => {
  const id = await doneBooking(h);
  const before = (await h.running.built.api.get(id))!;
  h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_cancel_note', { to: CREW[0] }) });

  await clickInOps(h, 'booking_cancel', id, APPROVER);
  const cancelled = await waitForBooking(h, id, (b) => b.state === 'cancelled' || b.operations?.at(-1)?.status === 'failed', 20_000);
  await settle(h);
  expect(cancelled.state).toBe('cancelled');

  const notes = held(id, 'crew_cancel_note');
  expect(notes.map((m) => payloadOf(m).to).sort()).toEqual(before.roster.map((m) => m.slackUserId).sort());
  const lee = notes.find((m) => payloadOf(m).to === CREW[0]);
  expect(lee).toMatchObject({ channel: before.slack.crewPosts![CREW[0]]!.channel, thread_ts: before.slack.crewPosts![CREW[0]]!.ts });
});

it('taken off, then put back: a top-level DM says she is back on, last in her DM, once although its answer was lost', async () => {
  const id = await doneBooking(h);
  const anaDm = (await h.running.built.api.get(id))!.slack.crewPosts![CREW[1]]!.channel;
  h.slack.clear();
  await approveCrewSwap(id, [CREW[0]]);
  h.slack.clear();
  const back = await approveCrewSwap(id, [CREW[0], CREW[1]], () => h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_on', { to: CREW[1] }) }));
  // Its answer was lost: it was looked up, found, and not sent again.
  expect(h.slack.callsTo('chat.postMessage').filter((c) => isPost(id, 'crew_on')(c.body as never))).toHaveLength(1);
  expect(h.slack.callsTo('conversations.history').some((c) => c.body.channel === anaDm)).toBe(true);

  const on = held(id, 'crew_on');
  expect(on).toHaveLength(1);
  expect(on[0]).toMatchObject({ channel: anaDm });
  expect(on[0]?.thread_ts).toBeUndefined();
  expect(payloadOf(on[0]!)).toMatchObject({ to: CREW[1], rev: back.revision });
  // What she reads last in her DM, below "You're off": back on, and where to confirm.
  const topLevel = h.slack.messages(anaDm).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts).map((m) => String(m.text));
  expect(topLevel.at(-2)).toContain("You're off");
  expect(topLevel.at(-1)).toMatch(/^:arrow_right: You're back on the charter aboard .* — please confirm on your crew call above\.$/);
  // Lee stayed on throughout: nothing but the change note.
  expect(held(id, 'crew_on').filter((m) => payloadOf(m).to === CREW[0])).toEqual([]);
});
