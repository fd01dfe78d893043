/** Pure Block Kit builders, read as text the way an operator reads them. */
import { computeCosts } from '../../../src/booking/costs';
import { loadConfig, type Config } from '../../../src/config';
import { requestCancel } from '../../../src/pipeline/operations';
import { deactivatedKey } from '../../../src/pipeline/reminders';
import { applyTransition, newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord } from '../../../src/pipeline/types';
import { approvalMessage, costLines } from '../../../src/slack/blocks/approval';
import { blocksTextLength, LIMITS } from '../../../src/slack/blocks/limits';
import { crewMessage, parseConfirmValue } from '../../../src/slack/blocks/crew';
import { bookingModal, modalValuesToInput, parseModalMetadata } from '../../../src/slack/blocks/modal';
import { progressMessage } from '../../../src/slack/blocks/progress';
import { statusText } from '../../../src/slack/blocks/status';
import { findMoney } from '../../../src/booking/money-detector';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { bookingIdFromMessage, parseRetryNum } from '../../../src/slack/booking-ref';
import { crewSafeViewOf } from '../../../src/slack/crew-notice';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { validEnv } from '../../support/env';
import { bookingModalState } from '../../support/slack-requests';

const ID = 'K7M2Q9TX4B1P';
const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config: Config = loaded.config;
const request = sampleRequest();
const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
const approvalInput = { bookingId: ID, request, roster: sampleRoster, costs, createdBy: 'U0APPROVE1', timezone: 'America/Los_Angeles', capacity: 6, checkInLeadMinutes: 30 };

function record(mutate: (r: BookingRecord) => void = () => undefined): BookingRecord {
  const r = newBookingRecord({ id: ID, request, roster: sampleRoster, costs, createdBy: 'U0APPROVE1', slack: { channel: 'C0OPS00001', approvalTs: '1.1' } }, 1_900_000_000_000);
  mutate(r);
  return r;
}

describe('approval message', () => {
  it('lays the known-answer costs out in aligned columns', () => {
    const lines = costLines(costs);
    expect(lines).toEqual([
      'Charter price  gross               $1,200.00',
      'Crew           2 × $25.00/h × 5 h   −$250.00',
      'Captain        $50.00/h × 3 h       −$150.00',
      'Port fees      18% of gross         −$216.00',
      '────────────────────────────────────────────',
      'Net                                  $584.00',
    ]);
  });

  it('reads well as text, names the zone, and loses its buttons once decided', () => {
    const pending = blocksToText(approvalMessage(approvalInput).blocks);
    const approved = blocksToText(approvalMessage(approvalInput, { kind: 'approved', userId: 'U0APPROVE1', atMs: Date.UTC(2030, 6, 1, 19, 5) }).blocks);
    process.stdout.write(`\n--- approval (pending) ---\n${pending}\n--- approval (approved) ---\n${approved}\n`);
    expect(pending).toContain('4:00 PM PDT – 9:00 PM PDT');
    expect(pending).toContain('Pacific Time (America/Los_Angeles)');
    expect(pending).toContain('[ Approve ](primary)  [ Cancel ](danger)');
    expect(approved).toContain('Approved by <@U0APPROVE1> at Mon, Jul 1, 2030, 12:05 PM PDT');
    expect(approved).not.toContain('[ Approve ]');
  });

  it('shows both notes, labelled for who reads them; guests and crew get neither from here', () => {
    const withBoth = { ...approvalInput, request: sampleRequest({ notes: 'Sam: 150\nOwner split 70/30', crewNotes: 'Bring ice\nDock B slip 12' }) };
    const message = approvalMessage(withBoth);
    const text = blocksToText(message.blocks);
    expect(text).toContain('*Internal notes* (office only)\nSam: 150\nOwner split 70/30');
    expect(text).toContain('*Notes for crew* (crew post and SCC event)\nBring ice\nDock B slip 12');
    expect(text.indexOf('*Internal notes*')).toBeLessThan(text.indexOf('*Notes for crew*'));
    expect(message.blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining([`booking:${ID}:notes`, `booking:${ID}:crew-notes`]));
    // Blank crew notes: no empty heading.
    expect(blocksToText(approvalMessage({ ...withBoth, request: { ...withBoth.request, crewNotes: '' } }).blocks)).not.toContain('Notes for crew');
    // A booking made before the field reads as it always did.
    const legacy = blocksToText(approvalMessage({ ...approvalInput, request: sampleRequest({ notes: 'Bring ice' }) }).blocks);
    expect(legacy).toContain('*Notes*\nBring ice');
    expect(legacy).not.toMatch(/Internal notes|Notes for crew/);
  });

  it('fits both notes full of & into Slack\'s total for a message\'s blocks: the shorter whole, the longer cut at the end', () => {
    const message = approvalMessage({ ...approvalInput, request: { ...request, notes: '&'.repeat(2000), crewNotes: '&'.repeat(1000) } });
    expect(blocksTextLength(message.blocks)).toBeLessThanOrEqual(LIMITS.messageBlocksText);
    const sections = (m: typeof message, key: string) => m.blocks.filter((b) => new RegExp(`:${key}(-\\d+)?$`).test(b.block_id ?? '')).map((b) => (b as { text: { text: string } }).text.text).join('');
    expect(sections(message, 'crew-notes')).toBe(`*Notes for crew* (crew post and SCC event)\n${'&amp;'.repeat(1000)}`);
    expect(sections(message, 'notes')).toMatch(/^\*Internal notes\* \(office only\)\n(&amp;)+…$/);
    // A message with room keeps every character.
    const roomy = approvalMessage({ ...approvalInput, request: { ...request, notes: '&'.repeat(1000), crewNotes: '&'.repeat(1000) } });
    expect(sections(roomy, 'notes')).toBe(`*Internal notes* (office only)\n${'&amp;'.repeat(1000)}`);
  });

  it('warns about a negative net and an empty crew', () => {
    const losing = computeCosts({ grossCents: 10000, crewCount: 0, crewHours: 5, captainHours: 5 }, RATES);
    const text = blocksToText(approvalMessage({ ...approvalInput, request: { ...request, crew: [] }, costs: losing }).blocks);
    expect(text).toContain(':warning: Net is negative');
    expect(text).toContain(':warning: No crew assigned');
  });

  it('shows the booking’s own warnings first and, when many conflicts do not fit, says how many more there are', () => {
    const losing = computeCosts({ grossCents: 10000, crewCount: 2, crewHours: 8, captainHours: 8 }, RATES);
    const conflicts = Array.from({ length: 30 }, (_, i) => `Jacqueline Okonkwo-Richards ${i} (crew) is also on charter BBBBBBBBBBBB (Sat, Jul 6, 2030, 9:00 AM – 5:00 PM PDT, check-in 30 min before).`);
    const message = approvalMessage({ ...approvalInput, costs: losing, warnings: conflicts });
    const section = message.blocks.find((b) => b.block_id === `booking:${ID}:warnings`) as { text: { text: string } };
    const lines = section.text.text.split('\n');
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(lines[0]).toBe(':warning: Net is negative: this charter loses money at these rates.');
    const shown = lines.filter((l) => l.startsWith(':warning: Jacqueline')).length;
    expect(lines.at(-1)).toBe(`_…and ${30 - shown} more_`);
    expect(shown).toBeLessThan(30);
  });
});

describe('progress message', () => {
  it('shows each step state, the failure fix, the Retry button only when failed, and the guest URL once the cache is cleared', () => {
    const running = record((r) => {
      r.state = 'running';
      r.steps.calendar = { status: 'done', attempts: 1, result: { calendarId: 'cal-42', created: true } };
      r.steps.guest_page = { status: 'done', attempts: 1, result: { key: 'jada-guest-k7m2q9tx4b1p.html' } };
      r.steps.guest_cache = { status: 'done', attempts: 1, result: { invalidationId: 'I2ABC' } };
      r.steps.scc_event = { status: 'running', attempts: 2, error: { message: 'SCC is unavailable; it will be retried.', code: 'SCC_UNAVAILABLE', retryable: true } };
    });
    const text = blocksToText(progressMessage(running, { guestUrl: `https://queenofsandiego.com/g/${ID}`, timezone: 'America/Los_Angeles' }).blocks);
    const failed = record((r) => {
      r.state = 'failed';
      r.steps.scc_event = { status: 'failed', attempts: 1, error: { message: 'SCC rejected the service key: check SCC_SERVICE_KEY.', code: 'SCC_UNAUTHORIZED', retryable: false } };
    });
    const failedText = blocksToText(progressMessage(failed, { guestUrl: 'x', timezone: 'America/Los_Angeles' }).blocks);
    const done = record((r) => {
      r.state = 'done';
      for (const s of STEP_NAMES) r.steps[s] = { status: 'done', attempts: 1, result: {} };
      r.confirmations = { U0CREW0001: Date.UTC(2030, 6, 1, 20, 0) };
    });
    const doneText = blocksToText(progressMessage(done, { guestUrl: `https://queenofsandiego.com/g/${ID}`, timezone: 'America/Los_Angeles' }).blocks);
    process.stdout.write(`\n--- progress (running) ---\n${text}\n--- progress (failed) ---\n${failedText}\n--- progress (done) ---\n${doneText}\n`);
    expect(text).toContain('Calendar entry — calendarId `cal-42`');
    expect(text).toContain('SCC event — running (attempt 2)');
    expect(text).toContain('Money removed from SCC — waiting for SCC event');
    expect(text).toContain(`Guest page*  https://queenofsandiego.com/g/${ID}`);
    expect(text).not.toContain('Retry');
    expect(failedText).toContain(':x: SCC event — failed: SCC rejected the service key: check SCC_SERVICE_KEY. (`SCC_UNAUTHORIZED`)');
    expect(failedText).toContain('[ Retry failed steps ]');
    expect(failedText).toContain('Crew notified — not started: needs Money removed from SCC and Guest page cache cleared');
    // With its day, as on the crew post: "confirmed 1:00 PM" beside a 4:00 PM departure reads like a time of the trip.
    expect(doneText).toContain('<@U0CREW0001> — :white_check_mark: confirmed Mon, Jul 1, 1:00 PM PDT');
    expect(doneText).toContain('<@U0CREW0002> — not confirmed yet');
  });

  it("says a cancelled booking's steps that never ran are not needed, rather than that they are waiting, and its failed step's fix is no longer asked for", () => {
    // The create failed at SCC, then the charter was cancelled: revenue_guard and crew_notice never ran.
    const cancelled = record((r) => {
      r.state = 'cancelled';
      r.operations = [
        { id: 'create', kind: 'create', status: 'failed', requestedBy: 'U0APPROVE1', requestedAtMs: 1_900_000_000_000, approvedBy: 'U0APPROVE1', approvedAtMs: 1_900_000_000_500 },
        { id: 'op2', kind: 'cancel', status: 'done', requestedBy: 'U0APPROVE1', requestedAtMs: 1_900_000_001_000, approvedBy: 'U0APPROVE1', approvedAtMs: 1_900_000_001_000, steps: {} },
      ];
      r.steps.calendar = { status: 'done', attempts: 1, result: { calendarId: 'cal-42' } };
      r.steps.scc_event = { status: 'failed', attempts: 1, error: { message: 'SCC rejected POST /events with 400', code: 'SCC_REJECTED', retryable: false } };
      r.steps.guest_page = { status: 'done', attempts: 1, result: {} };
      r.steps.guest_cache = { status: 'done', attempts: 1, result: {} };
    });
    const text = blocksToText(progressMessage(cancelled, { guestUrl: 'x', timezone: 'America/Los_Angeles' }).blocks);
    expect(text).toContain(':white_circle: Money removed from SCC — not needed, cancelled');
    expect(text).toContain(':white_circle: Crew notified — not needed, cancelled');
    expect(text).toContain(':x: SCC event — failed before the cancel (`SCC_REJECTED`)');
    expect(text).not.toContain('waiting');
    expect(text).not.toContain('SCC rejected POST /events');
  });
});

describe('crew section of a cancelled charter', () => {
  // Set up, Sam confirmed, Ana can't make it, Lee never answered; then the office cancels.
  const setUp = record((r) => {
    r.state = 'done';
    for (const s of STEP_NAMES) r.steps[s] = { status: 'done', attempts: 1, result: {} };
    r.confirmations = { U0CAPTAIN1: Date.UTC(2030, 6, 1, 20, 0) };
    r.declines = { U0CREW0002: { atMs: Date.UTC(2030, 6, 1, 21, 0) } };
  });
  const withCancel = (crewStep: 'running' | 'done', state: BookingRecord['state']): BookingRecord => {
    const asked = requestCancel(setUp, 'U0APPROVE1', Date.UTC(2030, 6, 2, 16, 0));
    const operations = asked.operations!.map((o) => (o.kind === 'cancel' ? { ...o, status: state === 'cancelled' ? ('done' as const) : ('running' as const), steps: { crew_notice: { status: crewStep, attempts: 1 } } } : o));
    return { ...asked, state, operations };
  };
  const crewOf = (b: BookingRecord) => blocksToText(progressMessage(b, { guestUrl: 'x', timezone: 'America/Los_Angeles' }).blocks).split('*Crew*')[1] ?? '';

  it('says who was told and what each had answered, and awaits nobody', () => {
    const cancelled = crewOf(withCancel('done', 'cancelled'));
    const cancelling = crewOf(withCancel('running', 'running'));
    process.stdout.write(`\n--- crew section (cancelling) ---\n*Crew*${cancelling}\n--- crew section (cancelled) ---\n*Crew*${cancelled}\n`);
    expect(cancelled).toMatch(/^ — told the charter is cancelled\n/);
    expect(cancelled).toContain('<@U0CAPTAIN1> (captain) — :white_check_mark: confirmed Mon, Jul 1, 1:00 PM PDT');
    expect(cancelled).toContain("<@U0CREW0002> — :x: can't make it");
    expect(cancelled).toContain('<@U0CREW0001> — had not answered');
    expect(cancelling).toMatch(/^ — no longer asked: the charter is being cancelled\n/);
    for (const text of [cancelled, cancelling]) expect(text).not.toMatch(/not confirmed yet|please confirm|waiting/);
  });

  it('of a charter never called: names those who had answered as told (an old record), and shows no section when its crew step told nobody', () => {
    // The create failed before its crew step; Sam's Confirm was taken anyway (before answers waited for the call).
    const neverCalled = record((r) => {
      r.state = 'failed';
      r.steps.calendar = { status: 'done', attempts: 1, result: { calendarId: 'cal-42' } };
      r.steps.scc_event = { status: 'failed', attempts: 1, error: { message: 'SCC rejected the service key', code: 'SCC_UNAUTHORIZED', retryable: false } };
      r.confirmations = { U0CAPTAIN1: Date.UTC(2030, 6, 1, 20, 0) };
    });
    const cancelledWith = (result: Record<string, number | boolean>): BookingRecord => {
      const asked = requestCancel(neverCalled, 'U0APPROVE1', Date.UTC(2030, 6, 2, 16, 0));
      const operations = asked.operations!.map((o) => (o.kind === 'cancel' ? { ...o, status: 'done' as const, steps: { crew_notice: { status: 'done' as const, attempts: 1, result } } } : o));
      return { ...asked, state: 'cancelled', operations };
    };
    const told = crewOf(cancelledWith({ posts: 0, answeredWithoutPost: 1, notesPosted: true }));
    expect(told).toMatch(/^ — never called; who had answered was told the charter is cancelled\n/);
    expect(told).toContain('<@U0CAPTAIN1> (captain) — :white_check_mark: confirmed');
    expect(told).toContain('<@U0CREW0001> — had not answered');
    const text = (b: BookingRecord) => blocksToText(progressMessage(b, { guestUrl: 'x', timezone: 'America/Los_Angeles' }).blocks);
    expect(text(cancelledWith({ skipped: true }))).not.toContain('*Crew*');
    // Departed before the cancel: nobody was pinged.
    expect(text(cancelledWith({ posts: 0, notesPosted: true }))).not.toContain('*Crew*');
  });

  it('does not send the office to Edit for a deactivated member: a cancelled charter has no Edit', () => {
    const deactivated = (b: BookingRecord): BookingRecord => ({ ...b, reminders: { ...b.reminders, [deactivatedKey('U0CREW0001')]: { sentAtMs: Date.UTC(2030, 6, 1, 22, 0) } } });
    expect(crewOf(deactivated(setUp))).toContain('<@U0CREW0001> — :no_entry: Slack account deactivated: change the crew (Edit)');
    const cancelled = crewOf(deactivated(withCancel('done', 'cancelled')));
    expect(cancelled).toContain('<@U0CREW0001> — :no_entry: Slack account deactivated\n');
    expect(cancelled).not.toContain('Edit');
  });
});

describe('status for someone who is not an approver', () => {
  it('keeps the trail and each step, without audit details, money lines of errors or the guest surname', () => {
    const failed = record((r) => {
      r.state = 'failed';
      r.audit.push({ action: 'declined', userId: 'U0CREW0001', atMs: 1_900_000_001_000, detail: "Can't for $150 — Sam gets $400 for the same trip" });
      r.audit.push({ action: 'retried', userId: 'U0APPROVE1', atMs: 1_900_000_002_000, detail: 'scc_event failed after 1 attempt: X — net 584' });
      r.steps.scc_event = { status: 'failed', attempts: 1, error: { message: 'SCC refused the event.\nIt echoed: captain pay $150', code: 'SCC_REJECTED', retryable: false } };
    });
    const opts = { guestUrl: 'x', timezone: 'America/Los_Angeles' };
    const crew = statusText(failed, { ...opts, showMoney: false });
    expect(crew).toContain('<@U0CREW0001> declined the crew call');
    expect(crew).toContain('SCC refused the event.');
    expect(crew).toContain('SCC_REJECTED');
    expect(crew).not.toContain(request.guestName.split(' ').slice(1).join(' '));
    expect(findMoney(crew)).toEqual([]);
    const approver = statusText(failed, { ...opts, showMoney: true });
    for (const s of ['Sam gets $400', 'net 584', 'captain pay $150', request.guestName]) expect(approver).toContain(s);
  });


  it('a Retry names the steps it cleared by their labels, as having failed, each message whole (review s53 M3)', () => {
    const retried = record((r) => {
      r.audit.push({ action: 'retried', userId: 'U0APPROVE1', atMs: 1_900_000_002_000, detail: 'calendar failed after 3 attempts: GCAL_TIMEOUT — Google did not answer; try later; crew_notice failed after 1 attempt: SLACK_ERROR — channel_not_found' });
      r.audit.push({ action: 'retried', userId: 'U0APPROVE1', atMs: 1_900_000_003_000, detail: 'scc_event failed after 1 attempt' });
      r.audit.push({ action: 'retried', userId: 'U0APPROVE1', atMs: 1_900_000_004_000, detail: 'written by hand' });
    });
    const text = statusText(retried, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney: true });
    expect(text).toContain('<@U0APPROVE1> pressed Retry (Calendar entry had failed: Google did not answer; try later; Crew notified had failed: channel_not_found)\n');
    expect(text).toContain('<@U0APPROVE1> pressed Retry (SCC event had failed)\n');
    expect(text).toContain('<@U0APPROVE1> pressed Retry (written by hand)\n');
  });

  it('a step counts its attempts across Retries, saying how many ran since the last one (review s53 L4)', () => {
    const retried = record((r) => {
      r.state = 'failed';
      r.steps.scc_event = { status: 'failed', attempts: 1, attemptsBeforeRetry: 2, finishedAtMs: 1_900_000_002_000, error: { message: 'SCC rejected the service key', code: 'SCC_UNAUTHORIZED', retryable: false } };
      r.steps.revenue_guard = { status: 'pending', attempts: 0, attemptsBeforeRetry: 1 };
      r.steps.calendar = { status: 'done', attempts: 1, finishedAtMs: 1_900_000_001_000 };
    });
    const text = statusText(retried, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney: true });
    expect(text).toMatch(/• SCC event: \*failed\* at [^·]+ · 3 attempts, 1 since Retry — last error/);
    expect(text).toContain('• Money removed from SCC: pending · 1 attempt, none since Retry');
    expect(text).toMatch(/• Calendar entry: done at [^·]+ · 1 attempt\n/);
  });

  it('a request cancelled before approval reads as cancelled in its operations too, under a heading with no raw zone name', () => {
    const cancelled = applyTransition(record(() => undefined), 'cancel', { nowMs: 1_900_000_001_000, userId: 'U0APPROVE1' });
    expect(cancelled.state).toBe('cancelled');
    const text = statusText(cancelled, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney: true });
    expect(text).toMatch(/\n• Create — asked by <@U0APPROVE1> .* · \*cancelled\*/);
    expect(text).toContain('\n*Operations*\n');
    expect(text).toContain('_Times in Pacific Time (America/Los_Angeles)._');
  });

  it('puts each change in the trail, in its place among the answers it reset', () => {
    const at = 1_900_000_000_000;
    const changed = record((r) => {
      r.state = 'done';
      r.audit.push({ action: 'confirmed', userId: 'U0CREW0001', atMs: at + 1_000 });
      r.operations = [
        { id: 'op2', kind: 'change', label: 'reschedule', status: 'done', requestedBy: 'U0APPROVE1', requestedAtMs: at + 2_000, approvedBy: 'U0APPROVE2', approvedAtMs: at + 3_000, finishedAtMs: at + 4_000 },
        { id: 'op3', kind: 'change', label: 'crew swap', status: 'rejected', requestedBy: 'U0APPROVE1', requestedAtMs: at + 6_000, approvedBy: 'U0APPROVE2', approvedAtMs: at + 7_000, finishedAtMs: at + 7_000 },
      ];
      r.audit.push({ action: 'confirmed', userId: 'U0CREW0001', atMs: at + 5_000 });
    });
    for (const showMoney of [true, false]) {
      const trail = statusText(changed, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney }).split('*Steps*')[0]!;
      const order = [
        '<@U0CREW0001> confirmed for the crew',
        '<@U0APPROVE1> asked for the change (reschedule)',
        '<@U0APPROVE2> approved the change (reschedule)',
        'charter-bot applied the change (reschedule)',
        '<@U0CREW0001> confirmed for the crew',
        '<@U0APPROVE1> asked for the change (crew swap)',
        '<@U0APPROVE2> rejected the change (crew swap)',
      ];
      let from = 0;
      for (const line of order) {
        const found = trail.indexOf(line, from);
        expect({ line, found: found >= 0 }).toEqual({ line, found: true });
        from = found + line.length;
      }
      expect(trail).not.toContain('applied the change (crew swap)');
    }
  });

  it('names a guest saved with an amount before their name by a plain word, not the amount', () => {
    const legacy = record((r) => {
      r.request.guestName = '$1,200 Maria Delgado';
    });
    const crew = statusText(legacy, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney: false });
    expect(crew).toContain('— Maria, departs');
    expect(findMoney(crew)).toEqual([]);
  });

  it("says the bot's own reminders and notices in words, never as a mention of a user called system", () => {
    const reminded = record((r) => {
      r.state = 'done';
      const at = 1_900_000_000_000;
      r.audit.push({ action: 'reminded', userId: 'system', atMs: at + 1, detail: 'dm48:U0CREW0001' });
      r.audit.push({ action: 'reminded', userId: 'system', atMs: at + 2, detail: 'dm24:U0CREW0002 (not delivered: user_disabled)' });
      r.audit.push({ action: 'reminded', userId: 'system', atMs: at + 3, detail: 'ops24' });
      r.audit.push({ action: 'reminded', userId: 'system', atMs: at + 4, detail: 'deactivated:U0CREW0002' });
    });
    for (const showMoney of [true, false]) {
      const text = statusText(reminded, { guestUrl: 'x', timezone: 'America/Los_Angeles', showMoney });
      expect(text).not.toContain('<@system>');
      expect(text).toContain('charter-bot reminded <@U0CREW0001> by DM, 48 h before check-in');
      expect(text).toContain('charter-bot reminded <@U0CREW0002> by DM, 24 h before check-in — not delivered (user_disabled); the ops thread was told');
      expect(text).toContain('charter-bot reminded the ops thread who is not confirmed, 24 h before check-in');
      expect(text).toContain("charter-bot told the ops thread <@U0CREW0002>'s Slack account was deactivated");
    }
  });
});

describe('crew message', () => {
  it('is built from the crew-safe view: roster, times, checklist, guest URL, and no money anywhere', () => {
    const message = crewMessage(crewSafeViewOf(record(), config), { confirmations: { U0CAPTAIN1: Date.UTC(2030, 6, 1, 18, 30) }, declines: {} });
    const text = blocksToText(message.blocks);
    process.stdout.write(`\n--- crew post ---\n${text}\n`);
    const all = JSON.stringify(message);
    expect(all).not.toMatch(/\$|1,?200|584|250\.00|net|gross|fee|price|Birthday/i);
    expect(text).toContain('Captain: <@U0CAPTAIN1> — :white_check_mark: confirmed Mon, Jul 1, 11:30 AM PDT');
    expect(text).toContain('Crew: <@U0CREW0001> — please confirm');
    expect(text).toContain('[ Confirm — Lee Park ]');
    expect(text).not.toContain('Confirm — Sam Ortiz');
    expect(text).toContain(`https://queenofsandiego.com/g/${ID}`);
  });

  it("as a DM: only the recipient's own buttons; a decline shows its reason to the decliner alone and offers Confirm after all", () => {
    const view = crewSafeViewOf(record(), config);
    const answers = { confirmations: { U0CAPTAIN1: Date.UTC(2030, 6, 1, 18, 30) }, declines: { U0CREW0002: { atMs: Date.UTC(2030, 6, 1, 19), reason: 'sick kid' } } };
    const lee = blocksToText(crewMessage(view, answers, { recipient: 'U0CREW0001' }).blocks);
    expect(lee).toContain('You are called for this charter. Role: *crew*');
    expect(lee).toContain('[ Confirm ]');
    expect(lee).toContain("[ Can't make it ]");
    expect(lee).not.toMatch(/Confirm — |Sam Ortiz ]/);
    // The reason was told the office: Lee (and the crew channel) read only that Ana can't make it.
    expect(lee).toContain("Crew: <@U0CREW0002> — :x: can't make it\n");
    expect(lee).not.toContain('sick kid');
    expect(blocksToText(crewMessage(view, answers).blocks)).not.toContain('sick kid');
    const ana = blocksToText(crewMessage(view, answers, { recipient: 'U0CREW0002' }).blocks);
    expect(ana).toContain("Crew: <@U0CREW0002> — :x: can't make it — sick kid");
    expect(ana).toContain('[ Confirm after all ]');
    expect(ana).not.toContain("[ Can't make it ]");
    const sam = crewMessage(view, answers, { recipient: 'U0CAPTAIN1' });
    expect(sam.blocks.some((b) => b.type === 'actions' && b.elements.some((e) => 'action_id' in e && e.action_id?.startsWith('crew_confirm:')))).toBe(false);
    expect(blocksToText(sam.blocks)).toContain("[ Can't make it ]");
  });

  it('shows the crew-safe lines of operator notes, never their money lines', () => {
    const notes = 'Birthday sunset sail\nPaid $1,200, net 584\nPay attention: tide turns at 3 pm';
    const view = crewSafeViewOf({ ...record(), request: { ...record().request, notes } }, config);
    const text = blocksToText(crewMessage(view, { confirmations: {}, declines: {} }).blocks);
    expect(text).toContain('Notes from the office');
    expect(text).toContain('Birthday sunset sail');
    expect(text).toContain('Pay attention: tide turns at 3 pm');
    expect(text).not.toMatch(/1,200|584/);
  });

  it('a booking made with "Notes for crew" shows crew those notes and nothing of the internal notes', () => {
    const view = crewSafeViewOf({ ...record(), request: { ...record().request, notes: 'Sam: 150\nOwner split 70/30', crewNotes: 'Bring ice\nDock B slip 12' } }, config);
    const text = blocksToText(crewMessage(view, { confirmations: {}, declines: {} }).blocks);
    expect(text).toContain('Notes from the office*\nBring ice\nDock B slip 12');
    expect(text).not.toMatch(/Sam: 150|70\/30/);
  });

  it('long notes continue in further sections rather than lose lines (a booking made before the field has 2,000 typed characters)', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Line ${i + 1}: & <bring> & <ice> & <rope> & <cooler>`);
    const view = crewSafeViewOf({ ...record(), request: { ...record().request, notes: lines.join('\n') } }, config);
    const sections = crewMessage(view, { confirmations: {}, declines: {} }).blocks.filter((b) => b.block_id?.includes(':crew-notes')).map((b) => (b as { text: { text: string } }).text.text);
    expect(sections.length).toBeGreaterThan(1);
    expect(sections.every((t) => t.length <= 3000)).toBe(true);
    expect(sections.join('')).toBe(`*Notes from the office*\n${lines.join('\n').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  });

  it('parses only well-formed confirm values', () => {
    expect(parseConfirmValue(`${ID}:U0CREW0001`)).toEqual({ bookingId: ID, userId: 'U0CREW0001' });
    expect(parseConfirmValue('nonsense')).toBeUndefined();
    expect(parseConfirmValue(undefined)).toBeUndefined();
  });
});

describe('modal', () => {
  it('uses field names as block ids and round-trips its state to the schema input', () => {
    const view = bookingModal({ timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: 'C0ORIGIN01' }, nowMs: Date.UTC(2030, 0, 1) });
    const ids = view.blocks.map((b) => b.block_id).filter(Boolean);
    expect(ids).toEqual(['guestName', 'guestEmail', 'guestPhone', 'date', 'departureTime', 'durationHours', 'partySize', 'priceCents', 'captain', 'crew', 'crewHours', 'captainHours', 'platform', 'platformRef', 'notes', 'crewNotes']);
    expect(parseModalMetadata(view.private_metadata)).toEqual({ channel: 'C0ORIGIN01' });
    expect(parseModalMetadata('garbage')).toBeUndefined();
    const input = modalValuesToInput(bookingModalState({ guestName: 'A', date: '2030-01-02', captain: 'U0CAPTAIN1', crew: ['U0CREW0001'], notes: undefined }) as never);
    expect(input).toEqual({ guestName: 'A', date: '2030-01-02', captain: 'U0CAPTAIN1', crew: ['U0CREW0001'] });
  });

  it("carries the iCal notice it was opened from, with the event's summary, through its metadata (review 2026-12-07, diff #46 item 3)", () => {
    const notice = { channel: 'C0OPS00001', ts: '1800000000.000100', headline: 'New Boatsetter booking · Sat, Dec 19, 9:00 AM – 1:30 PM PST', summary: 'Boatsetter booking: José Núñez &amp; family' };
    const view = bookingModal({ timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: 'C0ORIGIN01', notice }, nowMs: Date.UTC(2030, 0, 1) });
    expect(parseModalMetadata(view.private_metadata)).toEqual({ channel: 'C0ORIGIN01', notice });
    // a form opened before the summary was carried still redraws its notice
    const { summary: _summary, ...older } = notice;
    expect(parseModalMetadata(JSON.stringify({ channel: 'C0ORIGIN01', notice: older }))).toEqual({ channel: 'C0ORIGIN01', notice: older });
  });
});

describe('modal notes: internal and for crew', () => {
  const base = { timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: 'C0ORIGIN01' }, nowMs: Date.UTC(2030, 0, 1) };
  type Input = { label: { text: string }; hint?: { text: string }; optional?: boolean; element: Record<string, unknown> };
  const inputOf = (view: ReturnType<typeof bookingModal>, id: string) => view.blocks.find((b) => b.block_id === id) as unknown as Input;
  const change = { bookingId: ID, label: 'edit' as const };

  it('labels the two fields for who reads them', () => {
    const view = bookingModal(base);
    const notes = inputOf(view, 'notes');
    const crew = inputOf(view, 'crewNotes');
    expect(notes.label.text).toBe('Internal notes');
    expect(notes.hint?.text).toMatch(/^Office only: the approval message and the internal calendar entry\. Crew and guests never see them\.$/);
    expect(crew.label.text).toBe('Notes for crew');
    expect(crew.hint?.text).toMatch(/crew post and the SCC event\. No prices, pay or splits\./);
    expect(crew.optional).toBe(true);
    expect(crew.element).toMatchObject({ type: 'plain_text_input', action_id: 'crewNotes', multiline: true, max_length: 1000 });
    expect(crew.element.initial_value).toBeUndefined();
  });

  it('the change form opens with both, as the booking has them', () => {
    const view = bookingModal({ ...base, initial: sampleRequest({ notes: 'Sam: 150', crewNotes: 'Bring ice' }), change });
    expect(inputOf(view, 'notes').element.initial_value).toBe('Sam: 150');
    expect(inputOf(view, 'crewNotes').element.initial_value).toBe('Bring ice');
    expect(view.blocks.find((b) => b.block_id === 'crewNotesLegacy')).toBeUndefined();
    const blank = bookingModal({ ...base, initial: sampleRequest({ notes: 'Sam: 150', crewNotes: '' }), change });
    expect(inputOf(blank, 'crewNotes').element.initial_value).toBeUndefined();
  });

  it('the change form of a booking made before the field carries over what its crew read, and says so', () => {
    const legacy = sampleRequest({ notes: 'Birthday sunset sail\nPaid $1,200, net 584\nDock B slip 12' });
    expect(legacy.crewNotes).toBeUndefined();
    const view = bookingModal({ ...base, initial: legacy, change });
    expect(inputOf(view, 'notes').element.initial_value).toBe(legacy.notes);
    expect(inputOf(view, 'crewNotes').element.initial_value).toBe('Birthday sunset sail\nDock B slip 12');
    const note = JSON.stringify(view.blocks.find((b) => b.block_id === 'crewNotesLegacy'));
    expect(note).toContain('made before *Notes for crew*');
    expect(note).not.toContain('did not fit');
  });

  it('carries over only whole lines that fit the crew field, and says how many did not', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `Line ${String(i + 1).padStart(2, '0')} ${'x'.repeat(60)}`);
    const view = bookingModal({ ...base, initial: sampleRequest({ notes: lines.join('\n') }), change });
    const carried = String(inputOf(view, 'crewNotes').element.initial_value);
    expect(carried.length).toBeLessThanOrEqual(1000);
    expect(lines.join('\n').startsWith(carried)).toBe(true);
    const kept = carried.split('\n').length;
    expect(JSON.stringify(view.blocks.find((b) => b.block_id === 'crewNotesLegacy'))).toContain(`${30 - kept} lines did not fit`);
  });

  it('a prefill from a confirmation or a feed puts its notes in Internal notes, never in the crew field', () => {
    const view = bookingModal({ ...base, prefill: { fields: { guestName: 'Maria Delgado', notes: 'Bring ice\nOwner split 70/30' }, missing: [], source: 'the pasted text' } });
    expect(inputOf(view, 'notes').element.initial_value).toBe('Bring ice\nOwner split 70/30');
    expect(inputOf(view, 'crewNotes').element.initial_value).toBeUndefined();
  });
});

describe('prefilled modal', () => {
  const base = { timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: 'C0ORIGIN01' }, nowMs: Date.UTC(2030, 0, 1) };
  const element = (view: ReturnType<typeof bookingModal>, id: string) => (view.blocks.find((b) => b.block_id === id) as unknown as { element: Record<string, unknown> }).element;

  it('fills what the source gave, leaves the rest empty, and says what it could not read', () => {
    const view = bookingModal({
      ...base,
      prefill: { fields: { guestName: 'Maria Delgado', date: '2030-12-19', departureTime: '10:00', priceCents: 120050, platform: 'Boatsetter', platformRef: 'BS-1' }, missing: ['guestEmail', 'guestPhone', 'durationHours', 'partySize', 'notes'], source: 'the pasted text' },
    });
    expect(element(view, 'guestName').initial_value).toBe('Maria Delgado');
    expect(element(view, 'date').initial_date).toBe('2030-12-19');
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
    expect(element(view, 'priceCents').initial_value).toBe('1200.50');
    expect(element(view, 'platformRef').initial_value).toBe('BS-1');
    // no defaults sneak in where the source said nothing
    expect(element(view, 'durationHours').initial_value).toBeUndefined();
    expect(element(view, 'guestEmail').initial_value).toBeUndefined();
    const context = JSON.stringify(view.blocks.find((b) => b.block_id === 'intake'));
    expect(context).toContain('Filled in 6 fields from the pasted text');
    expect(context).toContain('Could not read: *e-mail, phone, duration, party size, notes*');
  });

  it('counts as filled only the fields the form shows filled (review s53 L2)', () => {
    const view = bookingModal({
      ...base,
      prefill: {
        fields: { guestName: 'Maria Delgado', guestEmail: 'maria@example.com', date: '2030-12-19', departureTime: '10:00', durationHours: 13, partySize: 13, priceCents: 125050, platformRef: 'BS-48213' },
        missing: ['guestPhone', 'platform', 'notes'],
        source: 'the pasted text',
      },
    });
    const context = JSON.stringify(view.blocks.find((b) => b.block_id === 'intake'));
    expect(context).toContain('Filled in 6 fields from the pasted text');
    expect(context).toContain('duration (13 h is outside 0.5–12 h), party size (13 is over the capacity of 6)');
  });

  it('the price is a number_input, which takes no comma: the schema\'s price error says so (review s53 L3)', () => {
    expect(element(bookingModal(base), 'priceCents')).toMatchObject({ type: 'number_input', is_decimal_allowed: true });
  });

  it('does not put a value the element would reject into the view, and says why', () => {
    const view = bookingModal({ ...base, prefill: { fields: { partySize: 14, durationHours: 30 }, missing: [], source: 'the message' } });
    expect(element(view, 'partySize').initial_value).toBeUndefined();
    expect(element(view, 'durationHours').initial_value).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain('party size (14 is over the capacity of 6)');
  });

  it('leaves a duration that is not in half-hour steps empty and names it (review 2026-12-07, intake #8)', () => {
    // "3 hours 20 minutes": the form takes half-hour steps and would refuse 3.3333333333333335
    const view = bookingModal({ ...base, prefill: { fields: { guestName: 'Maria Delgado', durationHours: 10 / 3 }, missing: ['date'], source: 'the pasted text' } });
    expect(element(view, 'durationHours').initial_value).toBeUndefined();
    const context = JSON.stringify(view.blocks.find((b) => b.block_id === 'intake'));
    expect(context).toContain('Could not read: *date, duration (3 h 20 min is not in half-hour steps)*');
    // a feed's 4 h 20 min (rounded to 4.33) likewise; half-hour steps are kept
    expect(element(bookingModal({ ...base, prefill: { fields: { durationHours: 4.33 }, missing: [], source: 'the Boatsetter calendar' } }), 'durationHours').initial_value).toBeUndefined();
    expect(element(bookingModal({ ...base, prefill: { fields: { durationHours: 4.5 }, missing: [], source: 'the pasted text' } }), 'durationHours').initial_value).toBe('4.5');
  });

  it('keeps the usual starting values without a prefill', () => {
    const view = bookingModal(base);
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
    expect(view.blocks.find((b) => b.block_id === 'intake')).toBeUndefined();
  });
});

describe('booking references', () => {
  it('finds the booking from metadata or block ids, and nothing in other messages', () => {
    expect(bookingIdFromMessage({ metadata: { event_type: 'charter_booking', event_payload: { booking_id: ID } } })).toBe(ID);
    expect(bookingIdFromMessage({ blocks: [{ block_id: 'x' }, { block_id: `booking:${ID}:header` }] })).toBe(ID);
    expect(bookingIdFromMessage({ text: 'hi', blocks: [{ block_id: 'booking:not-an-id!:x' }] })).toBeUndefined();
    expect(bookingIdFromMessage(null)).toBeUndefined();
  });

  it('parses X-Slack-Retry-Num as a count, never casting', () => {
    expect(parseRetryNum('2')).toBe(2);
    expect(parseRetryNum(['1'])).toBe(1);
    expect(parseRetryNum('two')).toBeUndefined();
    expect(parseRetryNum('1e3')).toBeUndefined();
    expect(parseRetryNum(undefined)).toBeUndefined();
  });
});
