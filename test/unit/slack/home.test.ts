/**
 * App Home builders, read as text the way an operator (and a deckhand) reads them: grouped by day
 * in the operator's zone, crew marks, buttons, no money for crew, and Slack's 100-block limit with
 * 60 upcoming charters.
 */
import { DateTime } from 'luxon';
import { computeCosts } from '../../../src/booking/costs';
import { loadConfig, type Config } from '../../../src/config';
import { approvalRefusal, isResurfaceDue } from '../../../src/pipeline/approval-policy';
import { approveChange, detailsOf, finishOperation, proposeChange, startOperation } from '../../../src/pipeline/operations';
import { deactivatedKey } from '../../../src/pipeline/reminders';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord, type BookingState } from '../../../src/pipeline/types';
import { homeViewText } from '../../../src/sandbox/printer';
import { crewDeclinedMessage, crewMessage } from '../../../src/slack/blocks/crew';
import { crewMark, homeForApprover, homeForCrew, MAX_VIEW_BLOCKS, type HomeSettings } from '../../../src/slack/blocks/home';
import { validateView } from '../../../src/slack/blocks/limits';
import { progressMessage } from '../../../src/slack/blocks/progress';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { guestUrl } from '../../../src/slack/context';
import { crewSafeViewOf } from '../../../src/slack/crew-notice';
import { amountsOf, findMoney } from '../../support/money-search';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { validEnv } from '../../support/env';

const ZONE = 'America/Los_Angeles';
const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config: Config = loaded.config;
/** Wed Jul 3 2030, 9:00 AM PDT. */
const NOW = DateTime.fromISO('2030-07-03T09:00', { zone: ZONE }).toMillis();
const settings: HomeSettings = { nowMs: NOW, timezone: ZONE, checkInLeadMinutes: 30, guestUrl: (id) => guestUrl(config, id) };
const names = new Map([
  ['U0CAPTAIN1', 'Sam Ortiz'],
  ['U0CREW0001', 'Lee Park'],
  ['U0CREW0002', 'Ana Cruz'],
  ['U0APPROVE1', 'Alex Approver'],
]);

let n = 0;
function booking(opts: { daysAhead: number; time?: string; state: BookingState; guest?: string; mutate?: (r: BookingRecord) => void }): BookingRecord {
  n += 1;
  const date = DateTime.fromMillis(NOW, { zone: ZONE }).plus({ days: opts.daysAhead }).toISODate() ?? '';
  const request = sampleRequest({ date, departureTime: opts.time ?? '16:00', guestName: opts.guest ?? 'Maria Delgado' });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
  const r = newBookingRecord({ id: `K7M2Q9TX${String(n).padStart(4, '0')}`, request, roster: sampleRoster, costs, createdBy: 'U0APPROVE1', slack: { channel: 'C0OPS00001' } }, NOW - 86_400_000);
  r.state = opts.state;
  if (opts.state === 'done') for (const s of STEP_NAMES) r.steps[s] = { status: 'done', attempts: 1, result: {} };
  opts.mutate?.(r);
  return r;
}

describe('approver Home', () => {
  it('puts pending approvals first, then charters grouped by day with crew marks, guest link and buttons', () => {
    const bookings = [
      booking({ daysAhead: 2, state: 'pending_approval', guest: 'Paula Pending' }),
      booking({ daysAhead: 1, time: '10:00', state: 'done', guest: 'Maria Delgado', mutate: (r) => ((r.confirmations = { U0CAPTAIN1: NOW }), Object.assign(r, { declines: { U0CREW0002: NOW } })) }),
      booking({ daysAhead: 1, time: '16:00', state: 'failed', guest: 'Frank Failed' }),
      booking({ daysAhead: 3, state: 'running', guest: 'Rita Running' }),
      booking({ daysAhead: 20, state: 'done', guest: 'Far Future' }),
      booking({ daysAhead: -1, state: 'done', guest: 'Yesterday Gone' }),
    ];
    const view = homeForApprover(bookings, settings);
    const text = homeViewText(view, names);
    process.stdout.write(`\n--- App Home (approver) ---\n${text}\n`);
    expect(view.type).toBe('home');
    expect(text).toContain('Times in Pacific Time (America/Los_Angeles)');
    const lines = text.split('\n');
    const idx = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(idx('Waiting for approval (1)')).toBeLessThan(idx('Thursday, Jul 4'));
    expect(lines[idx('Paula')]).toContain('net $584.00');
    expect(lines[idx('Paula') + 1]).toBe('[ Approve ](primary)  [ Details ]');
    expect(idx('Thursday, Jul 4')).toBeLessThan(idx('Maria'));
    expect(idx('Maria')).toBeLessThan(idx('Frank'));
    expect(idx('Frank')).toBeLessThan(idx('Saturday, Jul 6'));
    expect(idx('Saturday, Jul 6')).toBeLessThan(idx('Rita'));
    expect(lines[idx('Maria')]).toBe('*10:00 AM PDT* · Maria · party of 6 · ✅ all set');
    expect(lines[idx('Maria') + 1]).toBe(`Crew: ✅ @Sam Ortiz (captain)  ❓ @Lee Park  ❌ @Ana Cruz · guest page (https://queenofsandiego.com/g/${bookings[1]?.id})  [ Details ]`);
    // The same words as on the progress message: one action, one name.
    expect(lines[idx('Frank') + 2]).toBe('[ Retry failed steps ](primary)  [ Details ]');
    expect(text).not.toContain('Far Future');
    expect(text).not.toContain('Yesterday');
  });

  it('says a charter whose approved change is being applied is being updated, not set up', () => {
    const done = booking({ daysAhead: 2, state: 'done', guest: 'Carla Changed' });
    const proposed = proposeChange(done, { details: { ...detailsOf(done), request: { ...done.request, partySize: 8 } }, label: 'edit', userId: 'U0APPROVE1', nowMs: NOW });
    const approved = approveChange(proposed.record, proposed.op.id, 'U0APPROVE1', NOW);
    const running = startOperation(approved, proposed.op.id, NOW);
    const failed = finishOperation(running, proposed.op.id, 'failed', NOW);
    const fresh = booking({ daysAhead: 2, state: 'running', guest: 'Nina New' });
    const line = (r: BookingRecord, guest: string) => homeViewText(homeForApprover([r], settings), names).split('\n').find((l) => l.includes(guest));
    expect(approved.state).toBe('running');
    expect(line(approved, 'Carla')).toBe('*4:00 PM PDT* · Carla · party of 6 · 🔵 being updated');
    expect(line(running, 'Carla')).toBe('*4:00 PM PDT* · Carla · party of 8 · 🔵 being updated');
    expect(line(failed, 'Carla')).toBe('*4:00 PM PDT* · Carla · party of 8 · ⚠️ update needs attention');
    expect(line(fresh, 'Nina')).toBe('*4:00 PM PDT* · Nina · party of 6 · 🔵 setting up');
  });

  it('ends the 14-day window at the same wall time 14 days on, in the operator’s zone, across a DST change', () => {
    const at = (date: string, time: string, guest: string) => booking({ daysAhead: 0, state: 'done', guest, mutate: (r) => (r.request = { ...r.request, date, departureTime: time }) });
    const shown = (nowIso: string, bookings: BookingRecord[]) => homeViewText(homeForApprover(bookings, { ...settings, nowMs: DateTime.fromISO(nowIso, { zone: ZONE }).toMillis() }), names);
    // Clocks fall back on Sun Nov 3 2030: 14 days from Sun Oct 27 9:00 AM PDT is Sun Nov 10 9:00 AM PST (337 h).
    const fall = shown('2030-10-27T09:00', [at('2030-11-10', '08:30', 'Early Fall'), at('2030-11-10', '09:00', 'Late Fall')]);
    expect(fall).toContain('Early');
    expect(fall).not.toContain('Late');
    // Clocks spring forward on Sun Mar 9 2031: 14 days from Sun Mar 2 9:00 AM PST is Sun Mar 16 9:00 AM PDT (335 h).
    const spring = shown('2031-03-02T09:00', [at('2031-03-16', '08:30', 'Early Spring'), at('2031-03-16', '09:30', 'Late Spring')]);
    expect(spring).toContain('Early');
    expect(spring).not.toContain('Late');
  });

  it('has a hook for Edit/Cancel buttons from the lifecycle work', () => {
    const view = homeForApprover([booking({ daysAhead: 1, state: 'done' })], { ...settings, lifecycleButtons: (b) => [{ type: 'button', action_id: 'booking_edit', text: { type: 'plain_text', text: 'Edit' }, value: b.id }] });
    expect(homeViewText(view, names)).toContain('[ Details ]  [ Edit ]');
  });

  it('stays within 100 blocks with 60 upcoming charters (and 15 pending), saying how many more', () => {
    const many = [
      ...Array.from({ length: 60 }, (_, i) => booking({ daysAhead: 1 + (i % 13), time: `${String(8 + (i % 10)).padStart(2, '0')}:00`, state: i % 7 === 0 ? 'failed' : 'done' })),
      ...Array.from({ length: 15 }, (_, i) => booking({ daysAhead: 2 + i, state: 'pending_approval' })),
    ];
    const view = homeForApprover(many, settings);
    expect(view.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    expect(validateView(view)).toEqual([]);
    const text = homeViewText(view, names);
    // Without CHARTER_OPS_CHANNEL approvals wait where they were asked; with it, there.
    expect(text).toContain("…and 5 more waiting for approval, each where it was asked (a channel, or an approver's DM).");
    expect(JSON.stringify(homeForApprover(many, { ...settings, opsChannel: 'C0OPS00001' }).blocks)).toContain('…and 5 more waiting for approval in <#C0OPS00001>.');
    const shown = view.blocks.filter((b) => b.type === 'section' && JSON.stringify(b).includes('party of') && !JSON.stringify(b).includes('net $')).length;
    expect(text).toContain(`…and ${60 - shown} more charters through`);
    expect(shown).toBeGreaterThan(20);
  });
});

describe('approver Home: change requests', () => {
  const change = (b: BookingRecord, to: Partial<BookingRecord['request']>, label = 'reschedule', userId = 'U0APPROVE1') => {
    const request = { ...b.request, ...to };
    const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
    return proposeChange(b, { details: { ...detailsOf(b), request, costs }, label, userId, nowMs: NOW });
  };

  it('lists a change request under Waiting for approval with what it changes, and marks its charter', () => {
    const done = booking({ daysAhead: 1, state: 'done', guest: 'Cleo Change' });
    const dated = DateTime.fromMillis(NOW, { zone: ZONE }).plus({ days: 4 }).toISODate() ?? '';
    const { record, op } = change(done, { date: dated, partySize: 8 });
    const pending = booking({ daysAhead: 2, state: 'pending_approval', guest: 'Paula Pending' });
    const view = homeForApprover([record, pending], settings);
    const text = homeViewText(view, names);
    process.stdout.write(`\n--- App Home (approver, a change request waiting) ---\n${text}\n`);
    const lines = text.split('\n');
    const idx = (t: string) => lines.findIndex((l) => l.includes(t));
    expect(lines[idx('Waiting for approval')]).toContain('Waiting for approval (2)');
    // In the order of the dates they show: the charter as it is now (Jul 4), then the request (Jul 5).
    expect(idx('change (reschedule)')).toBeLessThan(idx('Paula'));
    expect(lines[idx('change (reschedule)')]).toBe('*Thu, Jul 4, 2030, 4:00 PM PDT* · Cleo · *change (reschedule)* · requested by @Alex Approver');
    expect(lines[idx('change (reschedule)') + 1]).toBe('*Date*: Thu, Jul 4, 2030 → Sun, Jul 7, 2030');
    expect(lines[idx('change (reschedule)') + 2]).toBe('*Party size*: 6 → 8');
    expect(lines[idx('change (reschedule)') + 3]).toBe('[ Approve change ](primary)  [ Details ]');
    expect(JSON.stringify(view)).toContain(`"action_id":"change_approve","style":"primary","text":{"type":"plain_text","text":"Approve change"},"value":"${done.id}:${op.id}"`);
    expect(idx('Waiting for approval')).toBeLessThan(idx('Thursday, Jul 4'));
    expect(lines[idx('Thursday, Jul 4') + 1]).toBe('*4:00 PM PDT* · Cleo · party of 6 · ✅ all set · ⏳ change waiting for approval');
  });

  it('says how the net changes, for an approver deciding on a new price', () => {
    const done = booking({ daysAhead: 1, state: 'done', guest: 'Nell Net' });
    const text = homeViewText(homeForApprover([change(done, { priceCents: 150_000 }, 'edit').record], settings), names);
    expect(text).toContain('Nell · *change (edit)* · net $584.00 → $830.00 · requested by @Alex Approver');
    expect(text).toContain('*Charter price*: $1,200.00 → $1,500.00');
  });

  it('offers Approve change only to an approver the second-approver rule allows', () => {
    const { record } = change(booking({ daysAhead: 1, state: 'done' }), { partySize: 7 }, 'edit', 'U0APPROVE1');
    const asRequester = homeViewText(homeForApprover([record], { ...settings, mayApproveChange: (_b, op) => op.requestedBy !== 'U0APPROVE1' }), names);
    expect(asRequester).toContain('This change needs an approver other than you.');
    expect(asRequester).not.toContain('Approve change');
    expect(asRequester).toContain('[ Details ]');
  });

  it('leaves out changes a cancel dropped, and decided ones', () => {
    const { record, op } = change(booking({ daysAhead: 1, state: 'done', guest: 'Dana Decided' }), { partySize: 7 });
    const rejected = { ...record, operations: record.operations!.map((o) => (o.id === op.id ? { ...o, status: 'rejected' as const } : o)) };
    const cancelling = { ...record, state: 'running' as const, operations: [...record.operations!, { id: 'op3', kind: 'cancel' as const, status: 'running' as const, requestedBy: 'U0APPROVE1', requestedAtMs: NOW }] };
    for (const r of [rejected, cancelling]) {
      const text = homeViewText(homeForApprover([r], settings), names);
      expect(text).not.toContain('Waiting for approval');
      expect(text).not.toContain('change waiting');
    }
  });

  it('lists a change until the charter as it would leave it departs: a reschedule of one that sailed still waits', () => {
    const day = (d: number) => DateTime.fromMillis(NOW, { zone: ZONE }).plus({ days: d }).toISODate() ?? '';
    const toPast = change(booking({ daysAhead: 2, state: 'done', guest: 'Pam Past' }), { date: day(-1) }).record;
    const fromPast = change(booking({ daysAhead: -1, state: 'done', guest: 'Fay Future' }), { date: day(2) }).record;
    const text = homeViewText(homeForApprover([toPast, fromPast], settings), names);
    expect(text).toContain('Waiting for approval (1)');
    expect(text).toContain('Fay · *change (reschedule)*');
    expect(text).not.toContain('Pam · *change');
  });

  it('stays within 100 blocks and every Block Kit limit with 15 worst-case change requests, and crew never see them', () => {
    const evil = '<!channel> & <https://evil.example|click> *bold* '.repeat(40).slice(0, 2000);
    const many = Array.from({ length: 15 }, (_, i) =>
      change(booking({ daysAhead: 1 + (i % 10), state: 'done', guest: evil.slice(0, 100) }), { guestName: evil.slice(0, 100), notes: evil, crewNotes: evil, partySize: 3, departureTime: '09:30', durationHours: 2, boatsetterRef: evil.slice(0, 60) }, 'crew swap').record,
    );
    const charters = Array.from({ length: 60 }, (_, i) => booking({ daysAhead: 1 + (i % 13), state: 'done' }));
    const view = homeForApprover([...many, ...charters], settings);
    expect(view.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    expect(validateView(view)).toEqual([]);
    expect(JSON.stringify(view)).not.toMatch(/<!channel>|<https:\/\/evil/);
    const text = homeViewText(view, names);
    expect(text).toContain('Waiting for approval (15)');
    expect(text).toContain('…and 5 more waiting for approval');
    expect(text).toMatch(/_…and \d+ more — see the request in the charter's thread_/);

    const crew = homeForCrew('U0CREW0001', many.map((b) => ({ view: crewSafeViewOf(b, config), mark: crewMark(b, 'U0CREW0001') })), settings);
    expect(findMoney(crew, amountsOf(many[0]!.costs))).toEqual([]);
    expect(homeViewText(crew, names)).not.toMatch(/change|approv/i);
  });
});

describe('crew Home', () => {
  const lee = 'U0CREW0001';
  const calls = (bookings: BookingRecord[]) => bookings.map((b) => ({ view: crewSafeViewOf(b, config), mark: crewMark(b, lee) }));

  it('shows only the crew member’s calls with Confirm, and no money anywhere', () => {
    const mine = [booking({ daysAhead: 1, state: 'done' }), booking({ daysAhead: 2, time: '09:00', state: 'running', mutate: (r) => (r.confirmations = { [lee]: NOW }) })];
    const view = homeForCrew(lee, calls(mine), settings);
    const text = homeViewText(view, names);
    process.stdout.write(`\n--- App Home (crew: Lee Park) ---\n${text}\n`);
    expect(findMoney(view, amountsOf(mine[0]!.costs))).toEqual([]);
    expect(text).not.toMatch(/\$|net|gross|price|cost|fee/i);
    expect(text).toContain('*Check-in 3:30 PM PDT* · Crew on JADA · 4:00 PM PDT – 9:00 PM PDT');
    expect(text).toContain('Maria, party of 6 · ❓ please confirm');
    expect(text).toContain('[ Confirm ](primary)');
    expect(text).toContain('✅ you confirmed');
    expect(JSON.stringify(view)).toContain(`"value":"${mine[0]?.id}:${lee}:r1"`);
    expect(JSON.stringify(view)).toContain(`"action_id":"crew_confirm:${lee}"`);
  });

  it('draws Confirm for the call shown: its button carries that call’s revision, so a tab a change left behind is refused', () => {
    const [call] = calls([booking({ daysAhead: 1, state: 'done' })]);
    const view = homeForCrew(lee, [{ ...call!, callRevision: 3 }], settings);
    expect(JSON.stringify(view)).toContain(`"action_id":"crew_confirm:${lee}","style":"primary","text":{"type":"plain_text","text":"Confirm"},"value":"${call!.view.sessionId}:${lee}:r3"`);
  });

  it('has a hook for Decline next to Confirm (crew-privacy work)', () => {
    const view = homeForCrew(lee, calls([booking({ daysAhead: 1, state: 'done' })]), { ...settings, crewButtons: (c, u) => [{ type: 'button', action_id: `crew_decline:${u}`, text: { type: 'plain_text', text: 'Decline' }, value: `${c.view.sessionId}:${u}` }] });
    expect(homeViewText(view, names)).toContain('[ Confirm ](primary)  [ Decline ]');
  });

  it('says when nothing is scheduled, lists 60 calls within 100 blocks, and summarises beyond that', () => {
    expect(homeViewText(homeForCrew(lee, [], settings), names)).toContain('Nothing on your schedule in the next 14 days.');
    const sixty = homeForCrew(lee, calls(Array.from({ length: 60 }, (_, i) => booking({ daysAhead: 1 + (i % 13), state: 'done' }))), settings);
    expect(sixty.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    expect(validateView(sixty)).toEqual([]);
    expect(homeViewText(sixty, names).match(/Check-in/g)).toHaveLength(60);
    const hundred = homeForCrew(lee, calls(Array.from({ length: 100 }, (_, i) => booking({ daysAhead: 1 + (i % 13), state: 'done' }))), settings);
    expect(hundred.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    const shown = homeViewText(hundred, names).match(/Check-in/g)?.length ?? 0;
    expect(homeViewText(hundred, names)).toContain(`…and ${100 - shown} more calls`);
  });
});

it('marks a decline ❌ on every surface (crew post, ops thread, progress, both Homes) and a deactivated account ⛔, never the other way', () => {
  const [ana, lee] = ['U0CREW0002', 'U0CREW0001'];
  const b = booking({ daysAhead: 1, state: 'done', mutate: (r) => ((r.declines = { [ana]: { atMs: NOW } }), (r.reminders = { [deactivatedKey(lee)]: { sentAtMs: NOW } })) });
  const answers = { confirmations: b.confirmations, declines: b.declines ?? {} };
  const approverHome = homeViewText(homeForApprover([b], settings), names);
  const crewHome = homeViewText(homeForCrew(ana, [{ view: crewSafeViewOf(b, config), mark: crewMark(b, ana) }], settings), names);
  const progress = blocksToText(progressMessage(b, { guestUrl: 'x', timezone: ZONE }).blocks);
  const crewPost = blocksToText(crewMessage(crewSafeViewOf(b, config), answers).blocks);
  const opsLine = crewDeclinedMessage(b.id, ana).text;
  process.stdout.write(`\n--- a decline and a deactivated account, each surface ---\n${[approverHome, crewHome, progress, crewPost, opsLine].join('\n---\n')}\n`);
  expect(approverHome).toContain('❌ @Ana Cruz');
  expect(approverHome).toContain('⛔ @Lee Park (deactivated)');
  expect(crewHome).toContain('❌ you declined');
  expect(progress).toContain(`<@${ana}> — :x: can't make it`);
  expect(progress).toContain(`<@${lee}> — :no_entry: Slack account deactivated`);
  expect(crewPost).toContain(`<@${ana}> — :x: can't make it`);
  expect(opsLine).toMatch(new RegExp(`^:x: <@${ana}> can't make it`));
  for (const text of [approverHome, crewHome, progress, crewPost, opsLine]) expect(text).not.toMatch(/(⛔|:no_entry:) (@Ana Cruz|<@U0CREW0002>|can't make it|you declined)/);
});

it('escapes what people typed and stays within every Block Kit limit with worst-case names and a full roster', () => {
  const evil = '<!channel> & <https://evil.example|click> '.repeat(3).slice(0, 100);
  const roster = Array.from({ length: 11 }, (_, i) => ({ slackUserId: `U0CREW${String(i).padStart(4, '0')}`, name: evil, role: i === 0 ? ('captain' as const) : ('crew' as const) }));
  const bookings = [
    booking({ daysAhead: 1, state: 'failed', guest: evil, mutate: (r) => (r.roster = roster) }),
    booking({ daysAhead: 2, state: 'pending_approval', guest: evil, mutate: (r) => (r.roster = roster) }),
  ];
  const approver = homeForApprover(bookings, settings);
  const crew = homeForCrew('U0CREW0001', bookings.slice(0, 1).map((b) => ({ view: crewSafeViewOf(b, config), mark: crewMark(b, 'U0CREW0001') })), settings);
  for (const view of [approver, crew]) {
    expect(validateView(view)).toEqual([]);
    expect(JSON.stringify(view)).not.toMatch(/<!channel>|<https:\/\/evil/);
  }
});

it('lists charters departing at the same time in booking id order, whatever order the store lists them in', () => {
  // The store lists by last update: a crew answer on one of them reverses the listing.
  const [alice, bob] = [booking({ daysAhead: 2, state: 'done', guest: 'Alice Alpha' }), booking({ daysAhead: 2, state: 'done', guest: 'Bob Beta' })];
  const [paula, pete] = [booking({ daysAhead: 3, state: 'pending_approval', guest: 'Paula Pending' }), booking({ daysAhead: 3, state: 'pending_approval', guest: 'Pete Pending' })];
  expect(alice!.id < bob!.id && paula!.id < pete!.id).toBe(true);
  const approverOrder = (list: BookingRecord[]) => homeViewText(homeForApprover(list, settings), names).match(/Alice|Bob|Paula|Pete/g);
  expect(approverOrder([alice!, bob!, paula!, pete!])).toEqual(['Paula', 'Pete', 'Alice', 'Bob']);
  expect(approverOrder([pete!, paula!, bob!, alice!])).toEqual(['Paula', 'Pete', 'Alice', 'Bob']);
  const crewOrder = (list: BookingRecord[]) => homeViewText(homeForCrew('U0CREW0001', list.map((b) => ({ view: crewSafeViewOf(b, config), mark: crewMark(b, 'U0CREW0001') })), settings), names).match(/Alice|Bob/g);
  expect(crewOrder([alice!, bob!])).toEqual(['Alice', 'Bob']);
  expect(crewOrder([bob!, alice!])).toEqual(['Alice', 'Bob']);
});

describe('approval policy (pure)', () => {
  const policy = { requireSecondApprover: true, timezone: ZONE, checkInLeadMinutes: 30 };
  const departureAtMs = NOW + 86_400_000;

  it('refuses the creator only when a second approver is required, and anyone once departed', () => {
    expect(approvalRefusal({ policy, creatorId: 'U1', approverId: 'U1', departureAtMs, nowMs: NOW })).toEqual({ kind: 'self_approval', creatorId: 'U1' });
    expect(approvalRefusal({ policy, creatorId: 'U1', approverId: 'U2', departureAtMs, nowMs: NOW })).toBeUndefined();
    expect(approvalRefusal({ policy: { ...policy, requireSecondApprover: false }, creatorId: 'U1', approverId: 'U1', departureAtMs, nowMs: NOW })).toBeUndefined();
    expect(approvalRefusal({ policy, creatorId: 'U1', approverId: 'U2', departureAtMs, nowMs: departureAtMs })).toEqual({ kind: 'expired', departureAtMs });
  });

  it('is due for re-surfacing from 24 h before check-in until departure, when requested before that', () => {
    const checkInAtMs = departureAtMs - 30 * 60_000;
    const due = (nowMs: number, createdAtMs = checkInAtMs - 2 * 86_400_000) => isResurfaceDue({ departureAtMs, checkInAtMs }, createdAtMs, nowMs);
    expect([due(checkInAtMs - 86_400_001), due(checkInAtMs - 86_400_000), due(departureAtMs - 1), due(departureAtMs)]).toEqual([false, true, true, false]);
    // Requested inside the 24 h: it was just posted, and is not posted again.
    expect([due(checkInAtMs - 86_400_000, checkInAtMs - 86_400_000), due(departureAtMs - 1, checkInAtMs - 10 * 3_600_000)]).toEqual([false, false]);
  });
});
