/**
 * The crew_notice step stops when the runner aborts its attempt (the attempt's deadline, a lost
 * lease): whatever was in flight finishes, but nothing further goes to Slack. The real step (the
 * create's, wrapped for change/cancel as the app wires it) against the Slack Web API stand-in over
 * HTTP; the abort comes the moment the stand-in receives the first call of the kind named.
 */
import { WebClient } from '@slack/web-api';
import { loadConfig, type Config } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { CREATE_OP } from '../../../src/pipeline/op-steps';
import type { BookingRecord, StepContext } from '../../../src/pipeline/types';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { withLifecycleCrewNotice } from '../../../src/slack/crew-lifecycle';
import { createCrewNoticeStep } from '../../../src/slack/crew-notice';
import { PostOnce } from '../../../src/slack/post-once';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

let slack: SlackApiStandin;
let client: WebClient;
let config: Config;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  slack = await startSlackApiStandin();
  client = new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const loaded = loadConfig(validEnv({ SLACK_API_URL: slack.url }));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  config = loaded.config;
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.clear());

/** The step as app.ts wires it; saved post refs go to a plain list (the store is not what is tested). */
function crewNotice(booking: BookingRecord) {
  const saved: string[] = [];
  const api = {
    get: async () => booking,
    saveCrewPost: async (_id: string, key: string) => (saved.push(key), booking),
    setSlackRefs: async () => booking,
    updateSlackRefs: async (_id: string, mutate: (slack: BookingRecord['slack']) => BookingRecord['slack'] | undefined) => {
      saved.push(...Object.keys(mutate(booking.slack)?.crewPosts ?? {}).filter((k) => booking.slack.crewPosts?.[k] === undefined));
      return { written: true, booking };
    },
  };
  const poster = new PostOnce({ client });
  return { step: withLifecycleCrewNotice(createCrewNoticeStep({ client, poster, config, api }), { client, poster, config }), saved };
}

/** Aborts `control` when the stand-in receives the first call of `method`. */
function abortOnFirst(method: string, control: AbortController): void {
  const off = slack.onCall((call) => {
    if (call.method !== method) return;
    off();
    control.abort(new Error('step attempt deadline'));
  });
}

const ctxOf = (booking: BookingRecord, signal: AbortSignal, extra: Partial<StepContext> = {}): StepContext => ({ booking, results: {}, attempt: 1, signal, log, ...extra });
const slackWrites = () => slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').map((c) => c.method);

describe('crew_notice and its abort signal', () => {
  it('a create attempt aborted while it opens the crew DMs posts no crew call', async () => {
    const booking = sampleRecord();
    delete booking.slack.approvalTs; // no ops-thread line: the DMs are the only posts
    expect(booking.roster.length).toBeGreaterThan(1);
    const control = new AbortController();
    abortOnFirst('conversations.open', control);
    const { step, saved } = crewNotice(booking);

    await expect(step(ctxOf(booking, control.signal))).rejects.toThrow('step attempt deadline');
    expect(slack.callsTo('conversations.open').length).toBeGreaterThan(0);
    expect(slackWrites()).toEqual([]);
    expect(saved).toEqual([]);
  });

  it('a cancel attempt aborted at its first crew post update makes no further Slack call', async () => {
    const booking = sampleRecord();
    booking.slack.crewPosts = Object.fromEntries(booking.roster.map((m, i) => [m.slackUserId, { channel: `D0DM00000${i}`, ts: `1700000001.00000${i}`, shown: 'x' }]));
    const control = new AbortController();
    abortOnFirst('chat.update', control);
    const { step } = crewNotice(booking);
    const operation = { id: 'op2', kind: 'cancel' as const, revision: 2 };

    await expect(step(ctxOf(booking, control.signal, { operation }))).rejects.toThrow('step attempt deadline');
    // The update already sent when the abort came is the only one: no other post redrawn, no note to the crew.
    expect(slackWrites()).toEqual(['chat.update']);
  });

  it('without an abort the same steps post every call and note (the tests above can fail)', async () => {
    const booking = sampleRecord();
    delete booking.slack.approvalTs;
    const { step, saved } = crewNotice(booking);
    await step(ctxOf(booking, new AbortController().signal, { operation: { id: CREATE_OP, kind: 'create', revision: 1 } }));
    expect(slackWrites()).toEqual(booking.roster.map(() => 'chat.postMessage'));
    expect(saved.sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
  });
});
