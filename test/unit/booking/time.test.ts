import { charterSchedule, humanDateTime, isoWithOffset, localDateTime, zoneLabel } from '../../../src/booking/time';

const LA = 'America/Los_Angeles';

describe('charter times', () => {
  it('interprets local wall time in the operator zone, across DST', () => {
    expect(isoWithOffset(localDateTime('2030-07-04', '16:00', LA))).toBe('2030-07-04T16:00:00-07:00');
    expect(isoWithOffset(localDateTime('2030-12-05', '16:00', LA))).toBe('2030-12-05T16:00:00-08:00');
  });

  it('names the zone in human text', () => {
    expect(humanDateTime(localDateTime('2030-12-05', '16:00', LA))).toBe('Thu, Dec 5, 2030, 4:00 PM PST');
    expect(zoneLabel(LA)).toBe('Pacific Time (America/Los_Angeles)');
  });

  it('computes check-in, return and the next-day flag', () => {
    const s = charterSchedule({ date: '2030-12-31', departureTime: '22:30', durationHours: 3 }, LA, 30);
    expect(isoWithOffset(s.checkIn)).toBe('2030-12-31T22:00:00-08:00');
    expect(isoWithOffset(s.return)).toBe('2031-01-01T01:30:00-08:00');
    expect(s.endsNextDay).toBe(true);
  });

  it('keeps a charter through the fall-back hour at its real length', () => {
    const s = charterSchedule({ date: '2030-11-03', departureTime: '00:30', durationHours: 3 }, LA, 0);
    expect(s.return.toMillis() - s.departure.toMillis()).toBe(3 * 3600 * 1000);
    expect(isoWithOffset(s.return)).toBe('2030-11-03T02:30:00-08:00');
  });

  it('treats a wall time skipped by spring-forward as invalid', () => {
    expect(localDateTime('2030-03-10', '02:30', LA).isValid).toBe(false);
  });
});
