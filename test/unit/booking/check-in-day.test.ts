/**
 * A check-in on the evening before departure (00:15 departure, 30-minute lead → 11:45 PM the day
 * before) must show its own date on every surface that prints it beside the departure date, or
 * people turn up a day late. The usual same-day check-in keeps its plain time.
 */
import { computeCosts } from '../../../src/booking/costs';
import { toCrewSafeView, type CrewSafeView } from '../../../src/booking/crew-safe';
import { charterSchedule, humanCheckInTime } from '../../../src/booking/time';
import { buildGuestPageView, renderGuestCalendar, renderGuestPage } from '../../../src/integrations/guest-page';
import { sccEventPayload } from '../../../src/integrations/scc';
import { approvalMessage } from '../../../src/slack/blocks/approval';
import { crewMessage } from '../../../src/slack/blocks/crew';
import { homeForCrew } from '../../../src/slack/blocks/home';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { opsReminderText } from '../../../src/slack/crew-reminders';
import { visibleText } from '../../support/crew-surfaces';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { sampleSettings, sampleSource } from '../../support/guest-page-fixture';

const LA = 'America/Los_Angeles';
const EARLY = { date: '2026-07-04', departureTime: '00:15', durationHours: 2 };
const EARLY_CHECK_IN = '11:45 PM PDT (Fri, Jul 3)';
const USUAL = { date: '2026-07-04', departureTime: '16:00', durationHours: 5 };

function crewView(input: typeof EARLY): CrewSafeView {
  return toCrewSafeView({ sessionId: 'K7M2Q9TX4B1P', request: sampleRequest(input), roster: sampleRoster, guestUrl: 'https://x.test/g/K7M2Q9TX4B1P' }, sampleSettings());
}

function guestView(input: typeof EARLY) {
  const base = sampleSource();
  return buildGuestPageView({ ...base, request: { ...base.request, ...input } }, sampleSettings());
}

describe('check-in on the day before departure', () => {
  it('the check-in text names its date only when it differs from the departure date', () => {
    expect(humanCheckInTime(charterSchedule(EARLY, LA, 30))).toBe(EARLY_CHECK_IN);
    expect(humanCheckInTime(charterSchedule(USUAL, LA, 30))).toBe('3:30 PM PDT');
    // Check-in exactly at midnight is on departure day, and in the small hours names the night it
    // falls in: "12:00 AM Saturday" reads to many as the end of Saturday.
    expect(humanCheckInTime(charterSchedule({ ...EARLY, departureTime: '00:30' }, LA, 30))).toBe('12:00 AM PDT (Fri night)');
    expect(humanCheckInTime(charterSchedule({ ...EARLY, departureTime: '04:30' }, LA, 30))).toBe('4:00 AM PDT');
    // Across a year boundary too.
    expect(humanCheckInTime(charterSchedule({ date: '2027-01-01', departureTime: '01:00', durationHours: 2 }, LA, 240))).toBe('9:00 PM PST (Thu, Dec 31)');
  });

  it('crew-safe view: check-in text carries the date and says so', () => {
    const early = crewView(EARLY);
    expect(early.dateText).toBe('Sat, Jul 4, 2026');
    expect(early.checkIn).toEqual({ iso: '2026-07-03T23:45:00-07:00', text: EARLY_CHECK_IN, onPreviousDay: true });
    expect(crewView(USUAL).checkIn).toEqual({ iso: '2026-07-04T15:30:00-07:00', text: '3:30 PM PDT', onPreviousDay: false });
  });

  it('crew message: the check-in field and the fallback text', () => {
    const message = crewMessage(crewView(EARLY), { confirmations: {}, declines: {} }, { recipient: 'U0CREW0001' });
    expect(message.text).toContain(`check-in ${EARLY_CHECK_IN}`);
    expect(JSON.stringify(message.blocks)).toContain(`*Check-in*\\n${EARLY_CHECK_IN}`);
    const usual = crewMessage(crewView(USUAL), { confirmations: {}, declines: {} }, { recipient: 'U0CREW0001' });
    expect(usual.text).toContain('Crew call: Sat, Jul 4, 2026, check-in 3:30 PM PDT —');
  });

  it('crew Home lists the call under departure day, with check-in dated', () => {
    const home = homeForCrew('U0CREW0001', [{ view: crewView(EARLY), mark: 'unconfirmed' }], { nowMs: Date.parse('2026-07-01T16:00:00Z'), timezone: LA, checkInLeadMinutes: 30 });
    const text = blocksToText(home.blocks);
    expect(text).toContain('*Saturday, Jul 4*');
    expect(text).toContain(`*Check-in ${EARLY_CHECK_IN}*`);
  });

  it('SCC event description', () => {
    expect(sccEventPayload(crewView(EARLY)).description).toContain(`Crew check-in ${EARLY_CHECK_IN} at `);
  });

  it('approval message "Guests check in"', () => {
    const request = sampleRequest(EARLY);
    const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 2, captainHours: 2 }, RATES);
    const input = { bookingId: 'K7M2Q9TX4B1P', request, roster: sampleRoster, costs, createdBy: 'U0APPROVE1', timezone: LA, capacity: 6, checkInLeadMinutes: 30 };
    expect(blocksToText(approvalMessage(input).blocks)).toContain(`*Guests check in*: ${EARLY_CHECK_IN}`);
    expect(blocksToText(approvalMessage({ ...input, request: sampleRequest(USUAL) }).blocks)).toContain('*Guests check in*: 3:30 PM PDT\n');
  });

  it('ops 24 h reminder dates check-in by its own day, once', () => {
    expect(opsReminderText(crewView(EARLY), ['not confirmed yet: <@U0CREW0001>'], 24)).toBe(
      `:warning: Check-in ${EARLY_CHECK_IN} is about 24 h away — not confirmed yet: <@U0CREW0001>`,
    );
    expect(opsReminderText(crewView(USUAL), ['x'], 24)).toBe(':warning: Check-in Sat, Jul 4, 2026, 3:30 PM PDT is about 24 h away — x');
    // Sent late (back from downtime, or set off by a decline that morning): the hours actually left.
    expect(opsReminderText(crewView(USUAL), ['x'], 10)).toBe(':warning: Check-in Sat, Jul 4, 2026, 3:30 PM PDT is about 10 h away — x');
  });

  it('ops 24 h reminder of a small-hours check-in: its date, then its time with the night it belongs to, one pair of brackets', () => {
    expect(opsReminderText(crewView({ date: '2027-01-01', departureTime: '00:30', durationHours: 3 }), ['x'], 24)).toBe(':warning: Check-in Fri, Jan 1, 2027, 12:00 AM PST (Thu night) is about 24 h away — x');
  });

  it('guest page: the check-in card and the "Meet Captain … by" line', () => {
    const text = visibleText(renderGuestPage(guestView(EARLY)));
    expect(text).toContain(`Check in by\n${EARLY_CHECK_IN}\n`);
    expect(text).toContain(`at JADA by ${EARLY_CHECK_IN}.`);
    expect(guestView(EARLY).meta.description).toContain(`Check in ${EARLY_CHECK_IN},`);
  });

  it('.ics description and alarm', () => {
    const unfolded = renderGuestCalendar(guestView(EARLY), { now: new Date('2026-06-01T00:00:00Z') }).replace(/\r\n /g, '');
    const escaped = EARLY_CHECK_IN.replace(/,/g, '\\,');
    expect(unfolded).toContain(`DESCRIPTION:Check in by ${escaped}\\, 30 minutes before departure\\, at `);
    expect(unfolded).toContain(`BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Check in by ${escaped} at `);
  });
});
