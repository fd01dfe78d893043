/** The lifecycle message builders: Slack's limits, crew-safe diffs, the change request's contents. */
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest } from '../../../src/booking/types';
import { proposeChange, rejectChange } from '../../../src/pipeline/operations';
import type { BookingDetails } from '../../../src/pipeline/types';
import { cancelConfirmDialog, changeDiff, changeRequestMessage, crewCancelNoticeText, crewChangeNoticeText, operationsLines, parseChangeValue, parseEditValue, staleReminderMessage } from '../../../src/slack/blocks/lifecycle';
import { toCrewSafeView } from '../../../src/booking/crew-safe';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

const settings = { timezone: 'America/Los_Angeles', checkInLeadMinutes: 30 };

function details(overrides: Partial<BookingRequest> = {}): BookingDetails {
  const request = sampleRequest(overrides);
  return { request, roster: sampleRoster, costs: computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES) };
}

it('the cancel confirm dialog says what will happen and stays within Slack’s 300 characters, even for a 100-character name', () => {
  const record = { ...sampleRecord(), request: sampleRequest({ guestName: 'A'.repeat(100) }) };
  const dialog = cancelConfirmDialog(record);
  expect(dialog.text.text.length).toBeLessThanOrEqual(300);
  for (const what of ['calendar entry deleted', 'SCC event cancelled', 'cancelled notice', 'crew told']) expect(dialog.text.text).toContain(what);
});

it('the change request shows old → new per changed field and the new cost breakdown, with Approve change / Reject', () => {
  const record = { ...sampleRecord(), state: 'done' as const };
  const { op } = proposeChange(record, { details: details({ date: '2030-07-05', priceCents: 150000 }), label: 'reschedule', userId: 'U0CREW0001', nowMs: 1 });
  const message = changeRequestMessage({ bookingId: record.id, op, from: details(), settings });
  const text = JSON.stringify(message.blocks);
  expect(text).toContain('*Date*: Thu, Jul 4, 2030 → Fri, Jul 5, 2030');
  expect(text).toContain('$1,200.00 → $1,500.00');
  expect(text).toContain('New cost breakdown');
  expect(text).toContain('change_approve');
  expect(parseChangeValue(`${record.id}:${op.id}`)).toEqual({ bookingId: record.id, opId: op.id });
  expect(parseEditValue(`${record.id}:crew swap`)).toEqual({ bookingId: record.id, label: 'crew swap' });
  expect(parseEditValue(`${record.id}:drop table`)).toBeUndefined();
});

it('a change request that makes the charter lose money says so, above any conflict', () => {
  const record = { ...sampleRecord(), state: 'done' as const };
  const { op } = proposeChange(record, { details: details({ priceCents: 10000 }), label: 'edit', userId: 'U0APPROVE1', nowMs: 1, warnings: ['Overlaps charter BBBBBBBBBBBB (Sun, Jul 4, 2030, 1:00 PM – 3:00 PM PDT): the boat is already booked.'] });
  const text = blocksToText(changeRequestMessage({ bookingId: record.id, op, from: details(), settings }).blocks);
  expect(text).toContain(':warning: Net is negative: this charter loses money at these rates.\n:warning: Overlaps charter BBBBBBBBBBBB');
});

it('what crew are told about a change carries no money and no guest contact, only schedule, party and roster', () => {
  const from = details();
  const to = details({ date: '2030-07-05', priceCents: 150000, guestEmail: 'other@example.com', notes: 'pays $1,500' });
  const diff = changeDiff(from, to, settings, { crewSafe: true });
  expect(diff.map((d) => d.field)).toEqual(['Date']);
  const view = toCrewSafeView({ sessionId: 'ABCDEFGHJK12', request: to.request, roster: to.roster, guestUrl: 'https://x/g/ABCDEFGHJK12' }, { ...settings, operator: { vesselName: 'JADA', dockAddress: 'Dock', checklist: [] } as never });
  const note = crewChangeNoticeText(view, diff, { changed: ['U0CREW0001'], added: [], removed: ['U0CREW0002'] });
  expect(note).not.toMatch(/\$|other@example\.com/);
  expect(note).toContain('<@U0CREW0001> — please confirm');
  expect(note).toContain("<@U0CREW0002> — you're off");

  // Under a member's DM the note speaks to that member: no one else's ask, no one else's removal.
  const calls = { changed: ['U0CREW0001'], added: [], removed: ['U0CREW0002'] };
  const toAsked = crewChangeNoticeText(view, diff, calls, 'U0CREW0001');
  expect(toAsked).toContain('Please confirm again on the crew post above.');
  expect(toAsked).not.toMatch(/<@/);
  expect(crewChangeNoticeText(view, diff, { ...calls, added: ['U0CREW0004'] }, 'U0CREW0004')).toContain("You're now on this charter: please confirm on the crew post above.");
  const toUnchanged = crewChangeNoticeText(view, diff, calls, 'U0CREW0003');
  expect(toUnchanged).not.toMatch(/confirm|you're off|<@/);
  expect(toUnchanged).toContain('• Date:');
});

it("a new guest is news to crew by first name only, as their post shows it: never the full name or contact", () => {
  const from = details({ guestName: 'Maria Delgado' });
  const renamed = changeDiff(from, details({ guestName: 'Paula Jones', guestEmail: 'paula@example.com', guestPhone: '+1 619 555 0100' }), settings, { crewSafe: true });
  expect(renamed).toEqual([{ field: 'Guest', from: 'Maria', to: 'Paula' }]);
  // Only the surname or the contact changed: crew see nothing new.
  expect(changeDiff(from, details({ guestName: 'Maria Jones', guestEmail: 'mj@example.com' }), settings, { crewSafe: true })).toEqual([]);
  // A name saved with an amount in front of it: its money never reaches the note.
  expect(changeDiff(from, details({ guestName: '$1,200 Paula Jones' }), settings, { crewSafe: true })).toEqual([{ field: 'Guest', from: 'Maria', to: 'Paula' }]);
});

it('an out-of-date reminder points at the crew call where it is: above in the DM, or the crew channel post', () => {
  const view = { sessionId: 'ABCDEFGHJK12', vesselName: 'JADA', dateText: 'Sat, Jul 4, 2030' };
  expect(blocksToText(staleReminderMessage(view, 'changed').blocks)).toContain('See your crew call above');
  const inChannel = blocksToText(staleReminderMessage(view, 'changed', 'C0CREW0001').blocks);
  expect(inChannel).toContain('See the crew post in <#C0CREW0001>');
  for (const why of ['changed', 'off', 'cancelled'] as const) expect(JSON.stringify(staleReminderMessage(view, why).blocks)).not.toMatch(/crew_confirm|crew_decline|"actions"/);
});

it('the cancel note names the crew in the crew channel and, in a DM, speaks to its reader alone', () => {
  const to = details();
  const view = toCrewSafeView({ sessionId: 'ABCDEFGHJK12', request: to.request, roster: to.roster, guestUrl: 'https://x/g/ABCDEFGHJK12' }, { ...settings, operator: { vesselName: 'JADA', dockAddress: 'Dock', checklist: [] } as never });
  const channel = crewCancelNoticeText(view);
  const dm = crewCancelNoticeText(view, 'U0CREW0001');
  process.stdout.write(`\n--- cancel note (channel) ---\n${channel}\n--- cancel note (DM) ---\n${dm}\n`);
  expect(channel).toContain(`${to.roster.map((m) => `<@${m.slackUserId}>`).join(' ')} — nobody needs to come in.`);
  // One DM per member: a mention of the whole roster in each would ping everyone once per DM.
  expect(dm).not.toMatch(/<@/);
  expect(dm).toMatch(/^:x: \*Charter cancelled\* — .+\. You don't need to come in\.$/);
});

it('the operations list says who rejected a rejected change, not that they approved it', () => {
  const record = { ...sampleRecord(), state: 'done' as const };
  const { record: proposed, op } = proposeChange(record, { details: details({ partySize: 4 }), label: 'edit', userId: 'U0CREW0001', nowMs: 1 });
  const lines = operationsLines(rejectChange(proposed, op.id, 'U0APPROVE2', 2), settings.timezone);
  const line = lines.find((l) => l.startsWith('• Change (edit)'));
  expect(line).toMatch(/asked by <@U0CREW0001> .*, rejected by <@U0APPROVE2> .* · \*rejected\*/);
  expect(line).not.toContain('approved by');
});

it('a replaced change reads "before it ran" only if it never started: one that ran and failed says so', () => {
  const record = { ...sampleRecord(), state: 'done' as const };
  const { op } = proposeChange(record, { details: details({ partySize: 4 }), label: 'edit', userId: 'U0CREW0001', nowMs: 1 });
  const replaced = { ...op, status: 'superseded' as const, approvedBy: 'U0APPROVE2', approvedAtMs: 2, finishedAtMs: 5, note: 'replaced by op9' };
  const verdict = (o: typeof replaced) => blocksToText(changeRequestMessage({ bookingId: record.id, op: o, from: details(), settings }).blocks);
  expect(verdict(replaced)).toMatch(/Approved by <@U0APPROVE2> at .*, then replaced by a newer change before it ran/);
  const failedFirst = verdict({ ...replaced, startedAtMs: 3 });
  expect(failedFirst).toMatch(/Approved by <@U0APPROVE2> at .*; its run failed, then a newer change replaced it/);
  expect(failedFirst).not.toContain('before it ran');
});

describe('notes in a change', () => {
  it('the approver sees both notes change, labelled; crew see only their notes change', () => {
    const from = details({ notes: 'Sam: 150', crewNotes: 'Bring ice' });
    const to = details({ notes: 'Sam: 175\nOwner split 70/30', crewNotes: 'Bring ice\nDock B slip 12' });
    expect(changeDiff(from, to, settings).filter((d) => /notes/i.test(d.field))).toEqual([
      { field: 'Internal notes', from: 'Sam: 150', to: 'Sam: 175\nOwner split 70/30' },
      { field: 'Notes for crew', from: 'Bring ice', to: 'Bring ice\nDock B slip 12' },
    ]);
    expect(changeDiff(from, to, settings, { crewSafe: true })).toEqual([{ field: 'Notes from the office', from: 'Bring ice', to: 'Bring ice; Dock B slip 12' }]);
    // Internal notes alone: nothing for crew to hear.
    expect(changeDiff(from, details({ notes: 'Sam: 175', crewNotes: 'Bring ice' }), settings, { crewSafe: true })).toEqual([]);
  });

  it('the change request shows notes on one line each side, their lines joined with " / "', () => {
    const record = { ...sampleRecord(), state: 'done' as const };
    const from = details({ notes: 'Sam: 150', crewNotes: 'Bring ice\nDock B slip 12' });
    const { op } = proposeChange(record, { details: details({ notes: 'Sam: 175\nOwner split 70/30', crewNotes: 'Bring ice\n\nDock C slip 4' }), label: 'edit', userId: 'U0APPROVE1', nowMs: 1 });
    const first = (changeRequestMessage({ bookingId: record.id, op, from, settings }).blocks[0] as { text: { text: string } }).text.text;
    expect(first).toContain('\n*Internal notes*: Sam: 150 → Sam: 175 / Owner split 70/30\n');
    expect(first).toContain('\n*Notes for crew*: Bring ice / Dock B slip 12 → Bring ice / Dock C slip 4');
  });

  it('a booking made before the field, changed with its crew lines carried over: no notes change for anyone', () => {
    const legacy = details({ notes: 'Bring ice\nPaid $1,200' });
    const carried = details({ notes: 'Bring ice\nPaid $1,200', crewNotes: 'Bring ice' });
    expect(changeDiff(legacy, carried, settings)).toEqual([]);
    expect(changeDiff(legacy, carried, settings, { crewSafe: true })).toEqual([]);
  });

  it('the change request shows long new notes of each kind whole, under their own headings', () => {
    const record = { ...sampleRecord(), state: 'done' as const };
    const crewNotes = Array.from({ length: 12 }, (_, i) => `Crew line ${i + 1}: check the ${'bow '.repeat(5).trim()}`).join('\n');
    const notes = Array.from({ length: 12 }, (_, i) => `Office line ${i + 1}: ${'split '.repeat(5)}`).join('\n');
    const { op } = proposeChange(record, { details: details({ notes, crewNotes }), label: 'edit', userId: 'U0APPROVE1', nowMs: 1 });
    const message = changeRequestMessage({ bookingId: record.id, op, from: details({ crewNotes: '' }), settings });
    const texts = message.blocks.map((b) => (b as { text?: { text: string } }).text?.text ?? '');
    expect(texts.find((t) => t.startsWith('*New internal notes*'))).toBe(`*New internal notes*\n${notes}`);
    expect(texts.find((t) => t.startsWith('*New notes for crew*'))).toBe(`*New notes for crew*\n${crewNotes}`);
    expect(texts[0]).toContain('*Internal notes*:');
    expect(texts[0]).toContain('*Notes for crew*: — → Crew line 1');
  });
});

describe('the booking platform in a change', () => {
  // What the change form gives back: platform + platformRef (the sample request is an older record's boatsetterRef).
  const onPlatform = (platform: string | undefined, platformRef: string | undefined, more: Partial<BookingRequest> = {}) =>
    details({ boatsetterRef: undefined, ...(platform ? { platform } : {}), ...(platformRef ? { platformRef } : {}), ...more });

  it('a new reference, a new platform or a cleared one is a change, labelled by the platform that stays', () => {
    const from = onPlatform('Boatsetter', 'BS-48213');
    expect(changeDiff(from, onPlatform('Boatsetter', 'BS-99999'), settings)).toEqual([{ field: 'Boatsetter', from: 'BS-48213', to: 'BS-99999' }]);
    expect(changeDiff(from, onPlatform('GetMyBoat', 'BS-48213'), settings)).toEqual([{ field: 'Platform', from: 'Boatsetter BS-48213', to: 'GetMyBoat BS-48213' }]);
    expect(changeDiff(from, onPlatform(undefined, undefined), settings)).toEqual([{ field: 'Platform', from: 'Boatsetter BS-48213', to: '—' }]);
    expect(changeDiff(onPlatform('Sailo', undefined), onPlatform('Sailo', 'S-1'), settings)).toEqual([{ field: 'Sailo', from: '—', to: 'S-1' }]);
    expect(changeDiff(onPlatform('Sailo', undefined), onPlatform('GetMyBoat', undefined), settings)).toEqual([{ field: 'Platform', from: 'Sailo', to: 'GetMyBoat' }]);
    // Crew never see the platform.
    expect(changeDiff(from, onPlatform('GetMyBoat', 'GMB-1'), settings, { crewSafe: true })).toEqual([]);
  });

  it('an older record (boatsetterRef) and its form given back unchanged (platform Boatsetter + platformRef): no change', () => {
    const legacy = details({ boatsetterRef: 'BS-48213' });
    expect(changeDiff(legacy, onPlatform('Boatsetter', 'BS-48213'), settings)).toEqual([]);
    expect(changeDiff(legacy, onPlatform('Boatsetter', 'BS-77777'), settings)).toEqual([{ field: 'Boatsetter', from: 'BS-48213', to: 'BS-77777' }]);
  });

  it('the change request shows a new reference next to the party size, the platform as typed escaped', () => {
    const record = { ...sampleRecord(), state: 'done' as const };
    const { op } = proposeChange(record, { details: onPlatform('Boatsetter', 'BS-77777', { partySize: 5 }), label: 'edit', userId: 'U0APPROVE1', nowMs: 1 });
    const message = changeRequestMessage({ bookingId: record.id, op, from: details(), settings });
    const first = (message.blocks[0] as { text: { text: string } }).text.text;
    expect(first).toContain('*Party size*: 6 → 5');
    expect(first).toContain('*Boatsetter*: BS-48213 → BS-77777');
    expect(message.text).toContain('Party size, Boatsetter');
    const odd = proposeChange(record, { details: onPlatform('<!channel> & Co', 'X-1'), label: 'edit', userId: 'U0APPROVE1', nowMs: 1 }).op;
    const typed = changeRequestMessage({ bookingId: record.id, op: odd, from: onPlatform('<!channel> & Co', 'X-0'), settings });
    expect(JSON.stringify(typed)).not.toContain('<!channel>');
    expect((typed.blocks[0] as { text: { text: string } }).text.text).toContain('*&lt;!channel&gt; &amp; Co*: X-0 → X-1');
  });
});
