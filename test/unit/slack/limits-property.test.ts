/**
 * Every message and view the bot builds stays within Slack's limits (src/slack/blocks/limits.ts,
 * the validator the Slack stand-in answers with) and never lets typed text ping or link — for
 * hostile input: 2,000-character notes full of & < >, `<!channel>`, long names, many crew.
 */
import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import { crewNoteLines } from '../../../src/booking/crew-safe';
import type { BookingRequest, RosterMember } from '../../../src/booking/types';
import { loadConfig, type Config } from '../../../src/config';
import { proposeChange } from '../../../src/pipeline/operations';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord, type StepStatus } from '../../../src/pipeline/types';
import { approvalMessage, type ApprovalDecision } from '../../../src/slack/blocks/approval';
import { resurfaceMessage } from '../../../src/slack/approval-watch';
import { crewMessage } from '../../../src/slack/blocks/crew';
import { escapeMrkdwn } from '../../../src/slack/blocks/format';
import { changeRequestMessage } from '../../../src/slack/blocks/lifecycle';
import { blocksTextLength, LIMITS, validateMessage, validateView } from '../../../src/slack/blocks/limits';
import { bookingModal } from '../../../src/slack/blocks/modal';
import { progressMessage } from '../../../src/slack/blocks/progress';
import { HELP_TEXT, statusText } from '../../../src/slack/blocks/status';
import { crewAnswersOf, crewSafeViewOf } from '../../../src/slack/crew-notice';
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
  // undefined: a booking saved before "Notes for crew" (its crew see the notes' crew-safe lines).
  crewNotes: fc.option(worstOr(1000), { nil: undefined }),
  boatsetterRef: fc.option(worstOr(64), { nil: undefined }),
  crew: fc.uniqueArray(slackId, { maxLength: 10 }),
}).map((r) => sampleRequest({ ...r, guestPhone: r.guestPhone, notes: r.notes || undefined, crewNotes: r.crewNotes, boatsetterRef: r.boatsetterRef || undefined }));

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

it('approval messages (pending, approved, cancelled, expired; second approver on or off) stay within the limits and escape typed text everywhere, fallback text included', () => {
  fc.assert(
    fc.property(caseArb, fc.constantFrom<ApprovalDecision['kind']>('pending', 'approved', 'cancelled', 'expired'), fc.boolean(), (c, kind, requireSecondApprover) => {
      const r = recordOf(c);
      const decision: ApprovalDecision =
        kind === 'pending' ? { kind } : kind === 'expired' ? { kind, departureAtMs: 1_900_000_000_000 } : { kind, userId: 'U0APPROVE1', atMs: 1_900_000_000_000 };
      const message = approvalMessage({ bookingId: ID, request: r.request, roster: r.roster, costs: r.costs, createdBy: 'U0APPROVE1', timezone: config.timezone, capacity: 6, checkInLeadMinutes: 30, requireSecondApprover }, decision);
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
      // The crew channel post (everyone's buttons) and each crew member's own DM.
      const view = crewSafeViewOf(r, config);
      for (const recipient of [undefined, ...r.roster.map((m) => m.slackUserId)]) {
        const message = crewMessage(view, crewAnswersOf(r), recipient ? { recipient } : {});
        expect(validateMessage(message)).toEqual([]);
        for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
      }
    }),
    RUNS,
  );
});

it('/charter status replies and help stay within a message and escape the guest name', () => {
  fc.assert(
    fc.property(caseArb, fc.boolean(), (c, showMoney) => {
      const text = statusText(recordOf(c), { guestUrl: `https://queenofsandiego.com/g/${ID}`, showMoney, timezone: config.timezone });
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

/** An unpaired UTF-16 surrogate: half an emoji, which Slack would show as a broken character (or refuse). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Notes shown whole, or, when the message's text budget ran out, cut at its end: a prefix ending in
 * "…", and only in a message filled to within a few characters of Slack's total.
 */
function expectWholeOrCutAtBudget(sections: string[], full: string, message: { blocks: unknown }): void {
  const shown = sections.join('');
  if (shown === full) return;
  expect(shown.endsWith('…')).toBe(true);
  expect(full.startsWith(shown.slice(0, -1))).toBe(true);
  expect(blocksTextLength(message.blocks)).toBeGreaterThan(LIMITS.messageBlocksText - 16);
}

it('change requests, with long hostile notes of both kinds on both sides, stay within the limits and show the new notes whole when the message has room', () => {
  fc.assert(
    fc.property(caseArb, worstOr(2000), worstOr(2000), worstOr(1000), (c, before, after, afterCrew) => {
      const r = recordOf({ ...c, state: 'done' });
      const from = { request: { ...r.request, notes: before || undefined }, roster: r.roster, costs: r.costs };
      const to = { ...from.request, notes: after || 'changed', crewNotes: afterCrew, guestName: `${r.request.guestName}!` };
      const { op } = proposeChange({ ...r, request: from.request }, { details: { ...from, request: to }, label: 'reschedule', userId: 'U0APPROVE1', nowMs: 1 });
      for (const status of ['proposed', 'rejected'] as const) {
        const message = changeRequestMessage({ bookingId: ID, op: { ...op, status }, from, settings: { timezone: config.timezone, checkInLeadMinutes: 30 } });
        expect(validateMessage(message)).toEqual([]);
        for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
        const sectionsOf = (key: string) => message.blocks.filter((b) => new RegExp(`:change-${op.id}-${key}-\\d+$`).test(b.block_id ?? '')).map((b) => (b as { text: { text: string } }).text.text);
        const newNotes = sectionsOf('notes');
        if (newNotes.length > 0) expectWholeOrCutAtBudget(newNotes, `*New internal notes*\n${escapeMrkdwn(after || 'changed')}`, message);
        const newCrewNotes = sectionsOf('crew-notes');
        if (newCrewNotes.length > 0) expectWholeOrCutAtBudget(newCrewNotes, `*New notes for crew*\n${escapeMrkdwn(crewNoteLines(to).join('\n'))}`, message);
      }
    }),
    RUNS,
  );
});

it('change forms, prefilled from bookings with long hostile notes (made before "Notes for crew" or since), stay within a view\'s limits', () => {
  fc.assert(
    fc.property(requestArb, (request) => {
      const view = bookingModal({ timezone: config.timezone, capacity: 6, origin: { channel: 'C0OPS00001' }, nowMs: 1_900_000_000_000, initial: request, change: { bookingId: ID, label: 'edit' } });
      expect(validateView(view)).toEqual([]);
    }),
    RUNS,
  );
});

it('the progress message keeps every queued operation and its steps visible when an upstream error is a whole HTML page', () => {
  const r = recordOf(fc.sample(caseArb, { seed: 7, numRuns: 1 })[0] as Case);
  r.state = 'done';
  const change = proposeChange(r, { details: { request: { ...r.request, partySize: 2 }, roster: r.roster, costs: r.costs }, label: 'reschedule', userId: 'U0APPROVE1', nowMs: 1 }).op;
  const html = `<html>${'<p>upstream reset before headers &amp; more</p>'.repeat(90)}</html>`;
  change.status = 'failed';
  change.steps = { scc_update: { status: 'failed', attempts: 5, error: { message: html, code: `<${'E'.repeat(200)}>`, retryable: true } }, guest_page: { status: 'pending', attempts: 0 } } as never;
  const cancel = { ...change, id: 'op-cancel', kind: 'cancel' as const, status: 'queued' as const, label: undefined, steps: undefined };
  r.operations = [...(r.operations ?? []), change, cancel] as never;
  const message = progressMessage(r, { guestUrl: `https://queenofsandiego.com/g/${ID}`, timezone: config.timezone });
  expect(validateMessage(message)).toEqual([]);
  const operations = JSON.stringify(message.blocks.find((b) => b.block_id?.endsWith(':operations')));
  expect(operations).toContain('*Cancel*');
  expect(operations).toContain('Guest page uploaded');
  expect(operations).not.toContain('<EEEE');
});

it('crew posts and the progress crew section name every crew member even when most declined with long reasons, and never cut a mention', () => {
  fc.assert(
    fc.property(caseArb, fc.array(worstOr(500), { minLength: 11, maxLength: 11 }), (c, reasons) => {
      const r = recordOf({ ...c, state: 'done' });
      r.steps.crew_notice = { status: 'done', attempts: 1 };
      r.roster.forEach((m, i) => {
        if (i % 2 === 0 || i === 1) {
          delete r.confirmations[m.slackUserId];
          r.declines = { ...(r.declines ?? {}), [m.slackUserId]: { atMs: 1_900_000_000_000, reason: reasons[i] || 'sick' } };
        }
      });
      const progress = progressMessage(r, { guestUrl: `https://queenofsandiego.com/g/${ID}`, timezone: config.timezone });
      const answers = { confirmations: r.confirmations, declines: r.declines ?? {} };
      const crewPost = crewMessage(crewSafeViewOf(r, config), answers);
      for (const message of [progress, crewPost]) {
        expect(validateMessage(message)).toEqual([]);
        const text = mrkdwnStrings(message.blocks).join('\n');
        for (const m of r.roster) expect(text).toContain(`<@${m.slackUserId}>`);
        expect(text).not.toMatch(/<@U[A-Z0-9]*…/);
      }
    }),
    RUNS,
  );
});

it('the approval reminder escapes the guest name in its notification text too', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const message = resurfaceMessage(recordOf({ ...c, state: 'pending_approval' }), { checkInAtMs: 1_900_000_000_000, timezone: config.timezone });
      expect(validateMessage(message)).toEqual([]);
      for (const text of [message.text, ...mrkdwnStrings(message.blocks)]) expectNoRawSpecials(text);
    }),
    RUNS,
  );
});

it('a prefilled booking form never cuts an emoji in half at a field’s limit', () => {
  const emojiAtEnd = (n: number) => `${'n'.repeat(n - 1)}😀 tail`;
  const modal = bookingModal({
    timezone: config.timezone,
    capacity: 6,
    origin: { channel: 'C0OPS00001' },
    nowMs: 1_900_000_000_000,
    prefill: { fields: { guestName: emojiAtEnd(100), notes: emojiAtEnd(2000), platformRef: emojiAtEnd(64) }, missing: [], source: 'the pasted text' },
  });
  expect(validateView(modal)).toEqual([]);
  const json = JSON.stringify(modal);
  expect(json).not.toMatch(/\\ud83d(?!\\ude00)/);
  expect(LONE_SURROGATE.test(JSON.parse(json).blocks.map((b: { element?: { initial_value?: string } }) => b.element?.initial_value ?? '').join(''))).toBe(false);
});
