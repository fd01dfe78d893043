/**
 * One progress message in the thread although Slack's answer to its post was lost: the post may
 * have landed, so it is looked up by its metadata before anything is posted again. Through the
 * whole app (harness: the real WebClients, PostOnce and the Slack stand-in over HTTP).
 */
import { APPROVER, clickInOps, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking } from './harness';

/** Told by what it says, not by its metadata: that is what an operator sees twice. */
const isProgressPost = (body: { thread_ts?: unknown; text?: unknown }) => body.thread_ts !== undefined && / steps done/.test(String(body.text));

it.each(['reset', 502] as const)("one progress message in the thread when the post landed but its answer was lost (%s)", async (answer) => {
  // The app's Slack clients as in production (the harness's default turns their retries off): the
  // WebClient's own retries would send the post again blind.
  const h = await startHarness({ deps: { slackClientOptions: {} } });
  try {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer, when: isProgressPost });
    await clickInOps(h, 'booking_approve', id, APPROVER);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    const b = (await h.running.built.api.get(id))!;
    const inThread = h.slack.messages(OPS_CHANNEL).filter((m) => m.thread_ts === b.slack.approvalTs && isProgressPost(m));
    expect(inThread).toHaveLength(1);
    expect(b.slack.progressTs).toBe(inThread[0]?.ts);
    expect(String(inThread[0]?.text)).toMatch(/^All set: 6\/6 steps done/);
    // Found, not posted again: one lookup in the thread, and the one post Slack took.
    expect(h.slack.callsTo('conversations.replies').length).toBeGreaterThanOrEqual(1);
    expect(h.slack.callsTo('chat.postMessage').filter(({ body }) => isProgressPost(body))).toHaveLength(1);
  } finally {
    await h.close();
  }
}, 30_000);
