import { boltLogger } from '../../../src/slack/bolt-logger';
import { createLogger } from '../../../src/log';
import { REFUSAL_LOG_EVERY_MS, refusalLimiter } from '../../../src/slack/refusal-log';

describe("Bolt's and the Slack client's lines in the log, refused requests among them", () => {
  it('one line a minute per kind, the next one counting those left out', () => {
    let nowMs = 0;
    const limit = refusalLimiter(() => nowMs);
    const written: [string, number][] = [];
    const refuse = (kind: string) => limit(kind, (suppressed) => written.push([kind, suppressed]));
    for (let i = 0; i < 30; i++) refuse('future');
    refuse('too large');
    nowMs = REFUSAL_LOG_EVERY_MS - 1;
    refuse('future');
    nowMs = REFUSAL_LOG_EVERY_MS;
    refuse('future');
    expect(written).toEqual([
      ['future', 0],
      ['too large', 0],
      ['future', 30],
    ]);
  });

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

  it("puts the Web API client's line for each failed attempt at debug: the caller logs the failure, with its booking", () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } as never });
    boltLogger(log).warn('http request failed', 'no answer from Slack within 10000 ms');
    expect(lines.map((l) => (JSON.parse(l) as { level: number; msg: string }).level)).toEqual([20]);
  });
});
