/**
 * A cancel's crew step taken over from a holder that fenced itself while its note to a crew member
 * was in flight: Slack stores that note after the taker's first lookup. The taker must find it, not
 * send the member a second "cancelled" note. The real step (wrapped for change/cancel as app.ts
 * wires it) against the Slack Web API stand-in over HTTP; the fenced holder is a second WebClient.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { loadConfig, type Config } from '../../../src/config';
import { createLogger } from '../../../src/log';
import type { BookingRecord, StepContext } from '../../../src/pipeline/types';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { crewPostMetadata } from '../../../src/slack/booking-ref';
import { withLifecycleCrewNotice } from '../../../src/slack/crew-lifecycle';
import { createCrewNoticeStep } from '../../../src/slack/crew-notice';
import { PostOnce } from '../../../src/slack/post-once';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

let slack: SlackApiStandin;
let client: WebClient;
let fencedClient: WebClient;
let config: Config;
const log = createLogger({ level: 'silent' });
const ANA = 'U0CREW0002';

beforeAll(async () => {
  slack = await startSlackApiStandin();
  client = new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  // The fenced holder's lost answer is the point, not a warning worth printing.
  fencedClient = new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  // Scaled down: one Slack call's deadline is 3 s.
  const loaded = loadConfig(validEnv({ SLACK_API_URL: slack.url, CHARTER_CALL_TIMEOUT_MS: '3000' }));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  config = loaded.config;
});
afterAll(async () => {
  await slack.close();
});

type Payload = Record<string, unknown>;
const payloadOf = (m: { metadata?: unknown }): Payload => ((m.metadata as { event_payload?: Payload } | undefined)?.event_payload ?? {});

it("a cancel note the fenced holder sent is found by the process that took the step over, not sent twice", async () => {
  const booking: BookingRecord = sampleRecord();
  delete booking.slack.approvalTs;
  // The crew calls the create posted, saved on the booking.
  const crewPosts: NonNullable<BookingRecord['slack']['crewPosts']> = {};
  for (const m of booking.roster) {
    const channel = (await client.conversations.open({ users: m.slackUserId })).channel!.id!;
    const posted = await client.chat.postMessage({ channel, text: 'Crew call', metadata: crewPostMetadata(booking.id, 'crew_call', { rev: 1, to: m.slackUserId }) });
    crewPosts[m.slackUserId] = { channel, ts: posted.ts! };
  }
  booking.slack.crewPosts = crewPosts;
  const operation = { id: 'op2', kind: 'cancel' as const, revision: 2 };
  const ana = crewPosts[ANA]!;

  // The holder's note to Ana: Slack stores it 2 s after it is sent and never answers (the holder had fenced).
  slack.loseNext('chat.postMessage', 1, { effect: 2000, answer: 'reset' });
  const fencedNote = fencedClient.chat.postMessage({ channel: ana.channel, thread_ts: ana.ts, text: 'cancelled', metadata: crewPostMetadata(booking.id, 'crew_cancel_note', { rev: 2, to: ANA }) }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));

  const poster = new PostOnce({ client, settleMs: 200, lookupPauseMs: 20 });
  const api = { get: async () => booking, saveCrewPost: async () => booking, setSlackRefs: async () => booking, updateSlackRefs: async () => ({ written: true, booking }) };
  const step = withLifecycleCrewNotice(createCrewNoticeStep({ client, poster, config, api }), { client, poster, config });
  const ctx: StepContext = { booking, results: {}, operation, attempt: 1, outcomeUnknown: true, takenOverAtMs: Date.now(), signal: new AbortController().signal, log };
  await step(ctx);
  await slack.lateEffectsLanded();
  await fencedNote;

  const notes = slack.messages().filter((m) => payloadOf(m).booking_id === booking.id && payloadOf(m).post === 'crew_cancel_note');
  expect(notes.map((m) => payloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
});
