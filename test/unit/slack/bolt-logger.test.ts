import { boltLogger } from '../../../src/slack/bolt-logger';
import { createLogger } from '../../../src/log';
import { REFUSAL_LOG_EVERY_MS } from '../../../src/slack/refusal-log';

describe("Bolt's and the Slack client's lines in the log, refused requests among them", () => {
  it("passes Bolt's other warnings through, and its refusals once a minute with the count", () => {
    let nowMs = 0;
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (l: string) => void lines.push(l) } as never });
    const bolt = boltLogger(log, () => nowMs);
    const stale = 'Failed to parse and verify the request data: Failed to verify authenticity: x-slack-request-timestamp must differ from system time by no more than 5 minutes or request is stale';
    for (let i = 0; i < 5; i++) bolt.warn(stale);
    bolt.warn('An incoming event was not acknowledged within 3 seconds.');
    nowMs = REFUSAL_LOG_EVERY_MS;
    bolt.warn(stale);
    const out = lines.map((l) => JSON.parse(l) as { msg: string; refusedUnlogged?: number });
    expect(out.map((l) => [l.msg.slice(0, 30), l.refusedUnlogged])).toEqual([
      ['Failed to parse and verify the', undefined],
      ['An incoming event was not ackn', undefined],
      ['Failed to parse and verify the', 4],
    ]);
  });

  it('hints at SLACK_SIGNING_SECRET once a minute, counting every mismatch since its last hint, whatever other refusals come', () => {
    let nowMs = 0;
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (l: string) => void lines.push(l) } as never });
    const bolt = boltLogger(log, () => nowMs);
    const mismatch = 'Failed to verify authenticity: signature mismatch';
    for (let i = 0; i < 3; i++) bolt.warn(mismatch);
    // Refusals of many kinds meanwhile do not reset the hint's minute.
    for (let i = 0; i < 100; i++) bolt.warn(`Failed to verify authenticity: kind ${'x'.repeat(i)}`);
    bolt.warn(mismatch);
    nowMs = REFUSAL_LOG_EVERY_MS;
    bolt.warn(mismatch);
    const hints = lines.map((l) => JSON.parse(l) as { msg: string; requests?: number }).filter((l) => l.msg.includes('SLACK_SIGNING_SECRET'));
    expect(hints.map((l) => l.requests)).toEqual([1, 4]);
  });

  it("puts the Web API client's line for each failed attempt at debug: the caller logs the failure, with its booking", () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } as never });
    boltLogger(log).warn('http request failed', 'no answer from Slack within 10000 ms');
    expect(lines.map((l) => (JSON.parse(l) as { level: number; msg: string }).level)).toEqual([20]);
  });
});
