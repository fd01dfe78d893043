import { DateTime, Settings } from 'luxon';
import { charterSchedule, humanDate, humanDateTime, humanTime, isoWithOffset, localDateTime, repeatedWallTimes, zoneLabel } from '../../../src/booking/time';

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

  it('labels a zone by a name that holds on both sides of its clock change', () => {
    // A Home tab seen in July lists charters into the autumn; its header must not say "Summer Time".
    const july = DateTime.fromISO('2026-07-15T12:00:00Z');
    const december = DateTime.fromISO('2026-12-15T12:00:00Z');
    for (const [zone, label] of [
      ['Europe/London', 'United Kingdom Time (Europe/London)'],
      ['America/New_York', 'Eastern Time (America/New_York)'],
      ['Australia/Sydney', 'Australian Eastern Time (Australia/Sydney)'],
      ['America/Phoenix', 'Mountain Standard Time (America/Phoenix)'],
    ] as const) {
      expect(zoneLabel(zone, july)).toBe(label);
      expect(zoneLabel(zone, december)).toBe(label);
    }
    expect(zoneLabel('UTC', july)).toBe('Coordinated Universal Time (UTC)');
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

  describe('a wall time repeated when clocks go back', () => {
    const realNow = Settings.now;
    afterEach(() => {
      Settings.now = realNow;
    });

    it.each(['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z', '2027-06-01T12:00:00Z', '2027-12-01T12:00:00Z'])(
      'is its first occurrence whatever the clock says (now %s)',
      (now) => {
        Settings.now = () => Date.parse(now);
        expect(isoWithOffset(localDateTime('2026-11-01', '01:30', LA))).toBe('2026-11-01T01:30:00-07:00');
        expect(isoWithOffset(localDateTime('2027-11-07', '01:30', LA))).toBe('2027-11-07T01:30:00-07:00');
        expect(isoWithOffset(localDateTime('2026-10-25', '01:30', 'Europe/London'))).toBe('2026-10-25T01:30:00+01:00');
        expect(isoWithOffset(localDateTime('2026-11-01', '02:00', LA))).toBe('2026-11-01T02:00:00-08:00');
      },
    );

    it('knows the stretch that repeats, for zones that shift by an hour or by half of one', () => {
      const la = repeatedWallTimes(localDateTime('2026-11-01', '01:30', LA));
      expect(la && [isoWithOffset(la.from), isoWithOffset(la.until)]).toEqual(['2026-11-01T01:00:00-07:00', '2026-11-01T02:00:00-08:00']);
      const lordHowe = repeatedWallTimes(localDateTime('2027-04-04', '01:45', 'Australia/Lord_Howe'));
      expect(lordHowe && [isoWithOffset(lordHowe.from), isoWithOffset(lordHowe.until)]).toEqual(['2027-04-04T01:30:00+11:00', '2027-04-04T02:00:00+10:30']);
      for (const time of ['00:59', '02:00']) expect(repeatedWallTimes(localDateTime('2026-11-01', time, LA))).toBeNull();
      expect(repeatedWallTimes(localDateTime('2026-11-01', '01:00', LA))).not.toBeNull();
      expect(repeatedWallTimes(localDateTime('2026-11-01', '01:59', LA))).not.toBeNull();
      expect(repeatedWallTimes(localDateTime('2030-03-10', '02:30', LA))).toBeNull();
    });
  });
  it('formats dates and times exactly as luxon en-US would, across zones, DST and the cached abbreviations', () => {
    // humanDate/humanTime write the English names out and cache zone abbreviations per zone, year
    // and offset; this compares them with luxon's own formatting every 5 hours over two years.
    const zones = [LA, 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
    for (const zone of zones) {
      for (let h = 0; h < 24 * 730; h += 5) {
        const dt = DateTime.fromMillis(Date.UTC(2029, 0, 1) + h * 3_600_000 + 7 * 60_000, { zone });
        expect(humanTime(dt)).toBe(dt.setLocale('en-US').toFormat('h:mm a ZZZZ'));
        expect(humanDate(dt)).toBe(dt.setLocale('en-US').toFormat('ccc, LLL d, yyyy'));
      }
    }
    expect(humanTime(localDateTime('2030-07-04', '00:05', LA))).toBe('12:05 AM PDT');
    expect(humanTime(localDateTime('2030-12-05', '12:30', LA))).toBe('12:30 PM PST');
  });
  it('caches a schedule per input: the same inputs share one, any different input gets its own', () => {
    const input = { date: '2030-07-04', departureTime: '16:00', durationHours: 5 };
    const a = charterSchedule(input, LA, 30);
    expect(charterSchedule({ ...input }, LA, 30)).toBe(a);
    expect(isoWithOffset(charterSchedule(input, LA, 45).checkIn)).toBe('2030-07-04T15:15:00-07:00');
    expect(isoWithOffset(charterSchedule({ ...input, durationHours: 6 }, LA, 30).return)).toBe('2030-07-04T22:00:00-07:00');
    expect(isoWithOffset(charterSchedule(input, 'America/New_York', 30).departure)).toBe('2030-07-04T16:00:00-04:00');
    expect(isoWithOffset(a.return)).toBe('2030-07-04T21:00:00-07:00');
  });
});
