/**
 * Pasted-confirmation parsing, per paste: the CPU the form's prefill spends before it answers Slack
 * (the modal is updated inside Slack's 3 s). Every corpus file, and pastes built to be the parser's
 * worst case at the 20,000 characters it reads: one line of labels (a flattened table gone wrong),
 * thousands of office-hours lines, a date-like number on every line. Timing lives here, not in the
 * intake tests, which check only what is read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfirmation } from '../src/booking/intake/parse-confirmation';
import { type BenchResult, ROOT, round } from './harness';

const CORPUS = join(ROOT, 'test/fixtures/intake');
const ROUNDS = 5;
/** Well inside Slack's 3 s for the whole answer, which also takes a users.info call and views.update. */
const WORST_GOAL_MS = 500;

const WORST_CASES: Record<string, string> = {
  'one line of 1,000+ labels': `Renter: Maria Delgado ${'Date: '.repeat(4000)}`,
  'office-hours lines': 'Marina hours\n' + 'Open 9-5 daily\n'.repeat(1400),
  'a date on every line': '06/15/2027 Hours: 4 Guests: 6\n'.repeat(700),
  'flattened rows': 'Renter: Maria Delgado | Date: 06/15/2027 | Hours: 4 | Guests: 6 | Email: m@example.com\n'.repeat(230),
};

function timeParse(text: string, ctx: { timezone: string; nowMs: number }): number {
  const t0 = performance.now();
  parseConfirmation(text, ctx);
  return performance.now() - t0;
}

export function benchIntake(): BenchResult {
  const ctx = { timezone: 'America/Los_Angeles', nowMs: Date.parse('2026-12-01T17:00:00Z') };
  const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(CORPUS, f), 'utf8'));
  for (const text of corpus) timeParse(text, ctx);
  const corpusMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) for (const text of corpus) corpusMs.push(timeParse(text, ctx));
  const worst: Record<string, number> = {};
  for (const [name, text] of Object.entries(WORST_CASES)) {
    const runs = Array.from({ length: ROUNDS }, () => timeParse(text.slice(0, 20_000), ctx)).sort((a, b) => a - b);
    worst[name] = round(runs[Math.floor(runs.length / 2)]!, 1);
  }
  const worstMs = Math.max(...Object.values(worst));
  corpusMs.sort((a, b) => a - b);
  return {
    id: 'INTAKE',
    what: 'pasted-confirmation parse, worst 20,000-character paste (median of 5)',
    baseline: null,
    measured: { label: 'worst paste', value: worstMs, unit: 'ms' },
    ratio: null,
    goal: `≤ ${WORST_GOAL_MS} ms`,
    pass: worstMs <= WORST_GOAL_MS,
    extra: {
      corpus_files: corpus.length,
      corpus_p50_ms: round(corpusMs[Math.floor(corpusMs.length / 2)]!, 2),
      corpus_max_ms: round(corpusMs.at(-1)!, 2),
      ...Object.fromEntries(Object.entries(worst).map(([k, v]) => [`${k} (ms)`, v])),
    },
    notes: ['Pure CPU in the bench process; the parser reads at most 20,000 characters of a paste.'],
  };
}
