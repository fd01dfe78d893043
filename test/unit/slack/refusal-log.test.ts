import { createLogger } from '../../../src/log';
import { REFUSAL_LOG_EVERY_MS, refusalLimiter, refusedRequestWarner } from '../../../src/slack/refusal-log';

describe('refused requests: one warning a minute per kind', () => {
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
    // A quiet minute: the next line counts nothing left out.
    nowMs = 3 * REFUSAL_LOG_EVERY_MS;
    refuse('future');
    expect(written).toEqual([
      ['future', 0],
      ['too large', 0],
      ['future', 30],
      ['future', 0],
    ]);
  });

  it('holds a bounded number of kinds: past the bound it starts afresh, so a kind may be logged again within its minute', () => {
    const limit = refusalLimiter(() => 0);
    const written: string[] = [];
    const refuse = (kind: string) => limit(kind, () => written.push(kind));
    refuse('first');
    refuse('first');
    for (let i = 0; i < 64; i++) refuse(`kind ${i}`);
    refuse('first');
    expect(written.filter((k) => k === 'first')).toHaveLength(2);
    expect(written).toHaveLength(66);
  });

  it("refusedRequestWarner: 'refused a Slack request' with its reason, and how many of that reason went unlogged", () => {
    let nowMs = 0;
    const lines: string[] = [];
    const warn = refusedRequestWarner(createLogger({ destination: { write: (l: string) => void lines.push(l) } as never }), () => nowMs);
    for (let i = 0; i < 5; i++) warn('timestamp more than 5 minutes in the future');
    warn('body too large');
    nowMs = REFUSAL_LOG_EVERY_MS;
    warn('timestamp more than 5 minutes in the future');
    const out = lines.map((l) => JSON.parse(l) as { level: number; msg: string; reason: string; refusedUnlogged?: number });
    expect(out.map((l) => [l.level, l.msg, l.reason, l.refusedUnlogged])).toEqual([
      [40, 'refused a Slack request', 'timestamp more than 5 minutes in the future', undefined],
      [40, 'refused a Slack request', 'body too large', undefined],
      [40, 'refused a Slack request', 'timestamp more than 5 minutes in the future', 4],
    ]);
  });
});
