/**
 * Every message and view the bot builds stays within Slack's limits (src/slack/blocks/limits.ts,
 * the validator the Slack stand-in answers with) and never lets typed text ping or link — for
 * hostile input: 2,000-character notes full of & < >, `<!channel>`, long names, many crew.
 */
import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest, RosterMember } from '../../../src/booking/types';
import { loadConfig, type Config } from '../../../src/config';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord, type StepStatus } from '../../../src/pipeline/types';
import { approvalMessage, type ApprovalDecision } from '../../../src/slack/blocks/approval';
import { crewMessage } from '../../../src/slack/blocks/crew';
import { LIMITS, validateMessage, validateView } from '../../../src/slack/blocks/limits';
import { bookingModal } from '../../../src/slack/blocks/modal';
import { progressMessage } from '../../../src/slack/blocks/progress';
import { HELP_TEXT, statusText } from '../../../src/slack/blocks/status';
import { crewSafeViewOf } from '../../../src/slack/crew-notice';
import { RATES, sampleRequest } from '../../support/booking';
import { validEnv } from '../../support/env';

const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config: Config = loaded.config;
const ID = 'K7M2Q9TX4B1P';

/** Pieces people (or a pasted confirmation) type that Slack would turn into pings, links or a broken layout. */
const HOSTILE = ['<!channel>', '<!here>', '<!everyone>', '<https://evil.example|click>', '<@U0APPROVE1>', '&', '<', '>', '&amp;', '*', '`', '\n', '😀', 'é'];
const hostileText = (maxLength: number) =>
  fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 })), { maxLength }).map((parts) => parts.join('').slice(0, maxLength));
/** Mostly the worst case (the field full of escapable characters), sometimes a random mix. */
const worstOr = (max: number) => fc.oneof(fc.constant('&<>'.repeat(max).slice(0, max)), fc.constant('<!channel>'.repeat(max).slice(0, max)), hostileText(max));

const slackId = fc.stringMatching(/^U[A-Z0-9]{8}$/);
const requestArb: fc.Arbitrary<BookingRequest> = fc.record({
  guestName: worstOr(100).map((s) => s || 'x'),
  guestPhone: fc.option(fc.constant('+1 619 555 0100'), { nil: undefined }),
  notes: fc.option(worstOr(2000), { nil: undefined }),
  boatsetterRef: fc.option(worstOr(64), { nil: undefined }),
  crew: fc.uniqueArray(slackId, { maxLength: 10 }),
}).map((r) => sampleRequest({ ...r, guestPhone: r.guestPhone, notes: r.notes || undefined, boatsetterRef: r.boatsetterRef || undefined }));

const rosterOf = (req: BookingRequest, names: string[]): RosterMember[] => [
  { slackUserId: req.captain, name: names[0] ?? 'Captain', role: 'captain' },
  ...req.crew.map((id, i) => ({ slackUserId: id, name: names[i + 1] ?? `Crew ${i}`, email: 'c@example.com', role: 'crew' as const })),
];

const caseArb = fc.record({
  request: requestArb,
  names: fc.array(worstOr(200).map((s) => s || 'n'), { minLength: 11, maxLength: 11 }),
  statuses: fc.array(fc.constantFrom<StepStatus>('pending', 'running', 'done', 'failed'), { minLength: STEP_NAMES.length, maxLength: STEP_NAMES.length }),
  errorMessage: worstOr(5000),
  state: fc.constantFrom<BookingRecord['state']>('pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled'),
  confirmedMask: fc.array(fc.boolean(), { minLength: 11, maxLength: 11 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function recordOf(c: Case): BookingRecord {
  const costs = computeCosts({ grossCents: c.request.priceCents, crewCount: c.request.crew.length, crewHours: c.request.crewHours, captainHours: c.request.captainHours }, RATES);
  const r = newBookingRecord({ id: ID, request: c.request, roster: rosterOf(c.request, c.names), costs, createdBy: 'U0APPROVE1', slack: { channel: 'C0OPS00001', approvalTs: '1.1' } }, 1_900_000_000_000);
  r.state = c.state;
  STEP_NAMES.forEach((step, i) => {
    const status = c.statuses[i] ?? 'pending';
    r.steps[step] = { status, attempts: 2, ...(status === 'failed' || status === 'running' ? { error: { message: c.errorMessage, code: c.errorMessage.slice(0, 80), retryable: true } } : {}), ...(status === 'done' ? { result: { eventId: c.errorMessage.slice(0, 300), ts: '1.1' } } : {}) };
  });
  r.roster.forEach((m, i) => {
    if (c.confirmedMask[i]) r.confirmations[m.slackUserId] = 1_900_000_000_000;
  });
  return r;
}

/** Raw `<!…>` / `<http…|…>` anywhere means Slack would ping or link: typed text must arrive escaped. */
function expectNoRawSpecials(text: string): void {
  expect(text).not.toMatch(/<!(channel|here|everyone)/);
  expect(text).not.toMatch(/<https?:/);
  expect(text).not.toContain('&<'); // an unescaped & < pair from the worst-case input
}

/** Every mrkdwn string a message carries: its fallback text and every text object in its blocks. */
function mrkdwnStrings(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => mrkdwnStrings(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
    Object.values(o).forEach((v) => mrkdwnStrings(v, out));
  }
  return out;
}

const RUNS = { numRuns: 150 };

it('approval messages (pending, approved, cancelled) stay within the limits and escape typed text everywhere, fallback text included', () => {
  fc.assert(
    fc.property(caseArb, fc.constantFrom<ApprovalDecision['kind']>('pending', 'approved', 'cancelled'), (c, kind) => {
      const r = recordOf(c);
      const decision: ApprovalDecision = kind === 'pending' ? { kind } : { kind, userId: 'U0APPROVE1', atMs: 1_900_000_000_000 };
      const message = approvalMessage({ bookingId: ID, request: r.request, roster: r.roster, costs: r.costs, createdBy: 'U0APPROVE1', timezone: config.timezone, capacity: 6, checkInLeadMinutes: 30 }, decision);
      expect(validateMessage(message)).toEqual([]);
      for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
    }),
    RUNS,
  );
});

it('keeps every character of long notes, in order, across as many sections as escaping needs', () => {
  const notes = '&<>'.repeat(700).slice(0, 2000);
  const message = approvalMessage({ bookingId: ID, request: sampleRequest({ notes }), roster: [], costs: computeCosts({ grossCents: 100000, crewCount: 0, crewHours: 0, captainHours: 0 }, RATES), createdBy: 'U0APPROVE1', timezone: config.timezone, capacity: 6, checkInLeadMinutes: 30 });
  const noteSections = message.blocks.filter((b) => b.block_id?.includes(':notes')).map((b) => (b as { text: { text: string } }).text.text);
  expect(noteSections.length).toBeGreaterThan(1);
  expect(noteSections.join('')).toBe(`*Notes*\n${notes.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  expect(validateMessage(message)).toEqual([]);
});

it('progress messages, for every state and step outcome with long hostile upstream errors, stay within the limits', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const message = progressMessage(recordOf(c), { guestUrl: `https://queenofsandiego.com/g/${ID}`, timezone: config.timezone });
      expect(validateMessage(message)).toEqual([]);
      for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
    }),
    RUNS,
  );
});

it('crew posts, with many crew and long hostile names, stay within the limits', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const r = recordOf(c);
      const message = crewMessage(crewSafeViewOf(r, config), r.confirmations);
      expect(validateMessage(message)).toEqual([]);
      for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
    }),
    RUNS,
  );
});

it('/charter status replies and help stay within a message and escape the guest name', () => {
  fc.assert(
    fc.property(caseArb, fc.boolean(), (c, showMoney) => {
      const text = statusText(recordOf(c), { guestUrl: `https://queenofsandiego.com/g/${ID}`, showMoney });
      expect(validateMessage({ text })).toEqual([]);
      expect(text.length).toBeLessThanOrEqual(LIMITS.messageText);
      expectNoRawSpecials(text);
    }),
    RUNS,
  );
  expect(validateMessage({ text: HELP_TEXT })).toEqual([]);
});

it('the booking modal stays within a view\'s limits', () => {
  expect(validateView(bookingModal({ timezone: config.timezone, capacity: 6, origin: { channel: 'C0OPS00001' }, nowMs: 1_900_000_000_000 }))).toEqual([]);
});

it('the Cancel confirm dialog text stays under 300 characters for a 100-character name of & (was 564)', () => {
  const message = approvalMessage({ bookingId: ID, request: sampleRequest({ guestName: '&'.repeat(100) }), roster: [], costs: computeCosts({ grossCents: 100000, crewCount: 0, crewHours: 0, captainHours: 0 }, RATES), createdBy: 'U0APPROVE1', timezone: config.timezone, capacity: 6, checkInLeadMinutes: 30 });
  const confirm = JSON.stringify(message.blocks).match(/"confirm":\{"title".*?"text":\{"type":"mrkdwn","text":"([^"]*)"/)?.[1] ?? '';
  expect(confirm.length).toBeGreaterThan(100);
  expect(confirm.length).toBeLessThanOrEqual(LIMITS.confirmText);
  expect(confirm).toMatch(/…\.$/);
});
