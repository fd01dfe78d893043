/**
 * The value readers on their own, with the cases audit B found misread (M1: price, T4: a range that
 * starts before midnight). Each reader promises "undefined rather than guess".
 */
import { readCount, readDate, readHoursInLine, readMoney, readMoneyCents, readTimeRange } from '../../../../src/booking/intake/values';

describe('readCount', () => {
  it.each<[string, number]>([
    ['6', 6],
    ['6 guests', 6],
    ['4 adults, 2 children', 6],
    ['up to 12 people', 12],
  ])('%s → %i', (text, n) => {
    expect(readCount(text)).toBe(n);
  });

  // review 2026-12-07: "1e3" was read as 1 person
  it.each(['1e3', '1E3', '2e+2', 'A12'])('%s → unread', (text) => {
    expect(readCount(text)).toBeUndefined();
  });
});

describe('readMoney: another currency, by what is written next to the amount (review s54 intake5 2)', () => {
  it.each<[string, string]>([
    ['$1,250 CDN', '$1,250 CDN'],
    ['$1,250 PHP.', '$1,250 PHP'],
    ['1,250 Canadian dollars', '1,250 Canadian dollars'],
    ['Australian $1,250', 'Australian $1,250'],
    ['$1,250 Cdn', '$1,250 Cdn'],
    ['MX $1,250', 'MX $1,250'],
  ])('%s is named as %s', (text, written) => {
    expect(readMoney(text)).toEqual({ otherCurrency: written });
  });

  it.each(['$1,250 CAN BE PAID AT THE DOCK', '$1,250 PHP BALANCE DUE', '$1,250 (Mexican-themed lunch)', '$1,250 - Canadian family', 'San Diego, CA $1,250 total'])(
    '%s is dollars',
    (text) => {
      expect(readMoney(text)).toEqual({ cents: 125000 });
    },
  );
});

describe('readMoneyCents', () => {
  it.each<[string, number]>([
    ['$1,200.00', 120000],
    ['$950', 95000],
    ['USD 1480.50', 148050],
    ['1,200.00 USD', 120000],
    ['US$1,200', 120000],
    ['$ 1,200', 120000],
    ['1200', 120000],
    ['$1200.5', 120050],
    // the number with a currency marker wins over bare numbers and counts
    ['4 hours x $300 = $1,200', 120000],
    ['6 guests, $1,200.00', 120000],
    ['$1,200 for 4 hours', 120000],
    ['1200 for 6 guests', 120000],
    ['4 × $300 = $1,200', 120000],
    ['1200USD', 120000],
    ['USD$1,200', 120000],
  ])('%s → %i cents', (text, cents) => {
    expect(readMoneyCents(text)).toBe(cents);
  });

  it.each([
    '2 x $600', // a unit price and a count: the total is not written
    '-$150.00 (refund)',
    '−$150.00',
    '- $150',
    '$1,2000', // not a grouping: never read the tail "2,000"
    '1.200,00 USD',
    '1e3',
    '$1e3', // review 2026-12-07: read as $1
    'USD 1E3',
    '$1k',
    '1_200',
    '1200.005',
    '.5',
    '12,00',
    '1,20,000',
    '4 hours', // a count with no amount
    '6 guests',
    '$1,250 (incl. $50 service fee)', // two amounts on a line that is not a total
    '1200 (2 payments of 600)',
    '1 050',
    '$1 050',
    // another dollar or peso: its letters are glued to the "$" (review 2026-12-07)
    'CA$1,250',
    'R$ 1,250',
    'Mex$1,250',
    'NZ$ 1,250.00',
  ])('%s → unread', (text) => {
    expect(readMoneyCents(text)).toBeUndefined();
  });

  it('takes the last currency amount on a total line', () => {
    expect(readMoneyCents('$1,000 + $200 fees = $1,200', { total: true })).toBe(120000);
    expect(readMoneyCents('$1,000 + $200 fees = $1,200')).toBeUndefined();
    // an aside in parentheses is a part of the total, not the total
    expect(readMoneyCents('$1,200 (incl. $50 service fee)', { total: true })).toBe(120000);
    expect(readMoneyCents('-$150.00 (refund)', { total: true })).toBeUndefined();
    expect(readMoneyCents('2 x $600', { total: true })).toBeUndefined();
    expect(readMoneyCents('$1 050', { total: true })).toBeUndefined();
  });
});

describe('readTimeRange', () => {
  it.each<[string, { start: string; end?: string; zone?: { zone: string; written: string; overnightEnd?: string }; mixedZones?: true } | undefined]>([
    ['10 - 3 PM', { start: '10:00', end: '15:00' }],
    ['10:00 AM - 3:00 PM', { start: '10:00', end: '15:00' }],
    ['11pm - 1am', { start: '23:00', end: '01:00' }],
    // before midnight to after: the start takes the other meridiem
    ['11 - 1 AM', { start: '23:00', end: '01:00' }],
    ['11:30 - 2 AM', { start: '23:30', end: '02:00' }],
    ['3 PM', { start: '15:00' }],
    // The start carries its zone as the end does
    ['10:00 AM PST to 2:00 PM PST', { start: '10:00', end: '14:00', zone: { zone: 'PST', written: '10:00 AM PST to 2:00 PM PST' } }],
    ['10:00 AM PT - 2:00 PM PT', { start: '10:00', end: '14:00', zone: { zone: 'PT', written: '10:00 AM PT - 2:00 PM PT' } }],
    ['10:00 AM Pacific Time to 2:00 PM Pacific Time', { start: '10:00', end: '14:00', zone: { zone: 'Pacific Time', written: '10:00 AM Pacific Time to 2:00 PM Pacific Time' } }],
    // The zone is handed back as written, with the times it goes with (review s53 M2)
    ['4:00 PM EST', { start: '16:00', zone: { zone: 'EST', written: '4:00 PM EST' } }],
    ['16:00 UTC', { start: '16:00', zone: { zone: 'UTC', written: '16:00 UTC' } }],
    ['4:00 PM (Eastern Time)', { start: '16:00', zone: { zone: 'Eastern Time', written: '4:00 PM (Eastern Time)' } }],
    ['10 - 2 PM ET', { start: '10:00', end: '14:00', zone: { zone: 'ET', written: '10 - 2 PM ET' } }],
    ['10am to 2pm CST', { start: '10:00', end: '14:00', zone: { zone: 'CST', written: '10am to 2pm CST' } }],
    // Two zones: the end's is the range's, and it has no length (s54 Z3)
    ['10:00 AM PST to 2:00 PM EST', { start: '10:00', end: '14:00', zone: { zone: 'EST', written: '10:00 AM PST to 2:00 PM EST' }, mixedZones: true }],
    ['10:00 AM (Eastern Time) to 2:00 PM Eastern time', { start: '10:00', end: '14:00', zone: { zone: 'Eastern time', written: '10:00 AM (Eastern Time) to 2:00 PM Eastern time' } }],
    // Lower case right after the time, and UTC offsets (s54 Z1); the "05:00" of an offset is no end
    ['4pm cst', { start: '16:00', zone: { zone: 'cst', written: '4pm cst' } }],
    ['16:00 -05:00', { start: '16:00', zone: { zone: '-05:00', written: '16:00 -05:00' } }],
    ['16:00Z', { start: '16:00', zone: { zone: 'Z', written: '16:00Z' } }],
    ['10:00 AM +01:00 to 2:00 PM +01:00', { start: '10:00', end: '14:00', zone: { zone: '+01:00', written: '10:00 AM +01:00 to 2:00 PM +01:00' } }],
    ['10:00-12:00', { start: '10:00', end: '12:00' }],
    // after am/pm, a zero-padded "-05:00" is an offset: no 12-hour range ends so
    ['1:00 AM -05:00', { start: '01:00', zone: { zone: '-05:00', written: '1:00 AM -05:00' } }],
    ['10:00 AM-12:00', { start: '10:00', end: '12:00' }],
    // Glued to the time, an end of a trip's length is the end, past midnight or not (s54 intake4 M1)
    ['21:00-01:00', { start: '21:00', end: '01:00' }],
    ['9:00 PM-01:00', { start: '21:00', end: '01:00' }],
    ['16:00-05:00', { start: '16:00', zone: { zone: '-05:00', written: '16:00-05:00' } }],
    // Spaced, an overnight end of up to 12 h is also named (review s54 intake5 3)
    ['22:00 -02:00', { start: '22:00', zone: { zone: '-02:00', written: '22:00 -02:00', overnightEnd: '02:00' } }],
    ['16:00 -05:00 ', { start: '16:00', zone: { zone: '-05:00', written: '16:00 -05:00' } }],
    // A lower-case "est" is an estimate, never Eastern (review s54 intake5 4); a timestamp's seconds are no time (H1)
    ['2:00 PM est.', { start: '14:00' }],
    ['2:00 PM est, weather permitting', { start: '14:00' }],
    ['approx 2:00 PM est', { start: '14:00' }],
    ['2:00 PM est', { start: '14:00' }],
    ['9:00 am - 1:00 pm est', { start: '09:00', end: '13:00' }],
    ['1:00 pm (est)', { start: '13:00' }],
    ['2:00 PM EST', { start: '14:00', zone: { zone: 'EST', written: '2:00 PM EST' } }],
    ['2pm edt', { start: '14:00', zone: { zone: 'edt', written: '2pm edt' } }],
    // Not zones: a lower-case "et", a park, a word in capitals
    ['4pm et al', { start: '16:00' }],
    ['10am Central Park', { start: '10:00' }],
    ['4 PM AT THE DOCK', { start: '16:00' }],
    // "at" is no zone
    ['10am at 2pm', { start: '10:00' }],
  ])('%s', (text, range) => {
    expect(readTimeRange(text)).toEqual(range);
  });

  it('never reads the end of a range as its start', () => {
    for (const text of ['11 - 1 AM', '9 - 1 AM', '12 - 1 AM', '0 - 1 AM', '1 - 1 AM']) expect(readTimeRange(text)?.start).not.toBe('01:00');
  });

  // Review 2026-12-07 (intake #4): the end was read as the departure.
  it.each<[string, { start: string; end?: string }]>([
    ['10 - noon', { start: '10:00', end: '12:00' }],
    ['from 10 to noon', { start: '10:00', end: '12:00' }],
    ['9:30 - noon', { start: '09:30', end: '12:00' }],
    ['8 - midnight', { start: '20:00', end: '00:00' }],
    ['11 to midnight', { start: '23:00', end: '00:00' }],
  ])('noon or midnight ends a bare range: %s', (text, range) => {
    expect(readTimeRange(text)).toEqual(range);
  });

  it.each(['13 - noon', '12 - noon', '0 - midnight'])('a time after a number and "-" or "to" is never the start: %s is unread', (text) => {
    expect(readTimeRange(text)).toBeUndefined();
  });

  it.each<[string, { start: string; end?: string }]>([
    ['guests 6 - 2pm to 6pm', { start: '14:00', end: '18:00' }],
    ['pax 4 - 10am to 1pm', { start: '10:00', end: '13:00' }],
  ])('a count before a full range is not its start: %s', (text, range) => {
    expect(readTimeRange(text)).toEqual(range);
  });

  it.each(['1 - 1 AM', '0 - 1 AM', '11:30 - 11:30 PM'])('%s is unread (no length, or no readable start)', (text) => {
    expect(readTimeRange(text)).toBeUndefined();
  });
});

describe('readDate on numbers that are not dates (review 2026-12-07, intake #2)', () => {
  const ctx = { timezone: 'America/Los_Angeles', nowMs: Date.parse('2026-12-20T18:00:00Z') };

  it.each(['4.5 hours', '2.5 hour cruise', 'rated 4.9 ★', 'Rated 4.9 stars', '4.9', '12.5%', '4-6 guests', '4-5 hours', '3/4 hrs', 'Rating: 4.8 (12 trips)'])('%s → unread', (text) => {
    expect(readDate(text, ctx)).toBeUndefined();
  });

  it.each<[string, string]>([
    ['12/19/2026', '2026-12-19'],
    ['12-19-2026', '2026-12-19'],
    ['1/2', '2027-01-02'],
    ['1-2', '2027-01-02'],
    ['12/19/26', '2026-12-19'],
    // a decimal point is a separator with a four-digit year
    ['2.1.2027', '2027-02-01'],
    // a pair that is not a date does not hide the date after it on the same line
    ['4.5 hours on 1/2', '2027-01-02'],
  ])('%s → %s', (text, date) => {
    expect(readDate(text, ctx)).toBe(date);
  });
});

describe('readDate on a date followed by a unit word (review 2026-12-07, diff #46 item 1)', () => {
  const ctx = { timezone: 'America/Los_Angeles', nowMs: Date.parse('2026-12-07T12:00:00Z') };

  it.each<[string, string]>([
    // a year makes it a date whatever follows
    ['06/15/2027 Hours: 4', '2027-06-15'],
    ['06/15/2027 minimum 4 hours', '2027-06-15'],
    ['Maria Delgado - 6/15/2027 guests 6 - 2pm', '2027-06-15'],
    ['6/15/2027 - 4 hours', '2027-06-15'],
    // a unit word with its own number after it labels that number, not the pair
    ['12/19 pax 6', '2026-12-19'],
    ['Sun 7/4 guests 6', '2027-07-04'],
    ['06/15 Hours: 4', '2027-06-15'],
    ['6/15 Min. 4 hrs', '2027-06-15'],
    // "minimum" is not minutes
    ['6/15 minimum 3 hrs', '2027-06-15'],
    // no range or fraction runs high to low
    ['7/4 kids welcome', '2027-07-04'],
  ])('%s → %s', (text, date) => {
    expect(readDate(text, ctx)).toBe(date);
  });

  it.each(['2-3 hours', '4-6 guests', '3/4 hrs', '1/2 hour', '2-4 kids', '4-6 pax', '10-15 min', '4.5 hours'])('%s is still not a date', (text) => {
    expect(readDate(text, ctx)).toBeUndefined();
  });
});

describe("readDate on an office's or marina's hours (intake note, older misread 1)", () => {
  const ctx = { timezone: 'America/Los_Angeles', nowMs: Date.parse('2026-12-07T12:00:00Z') };

  it.each(['Business hours: 9-5', 'Office hours 9-5', 'Hours: 9-5', 'Open 9-5 daily', 'Marina office hours: Mon-Fri 9-5', 'Hours of operation: 9-5', 'Open daily 8-6'])('%s is no date', (text) => {
    expect(readDate(text, ctx)).toBeUndefined();
  });

  it.each<[string, string]>([
    // a year, a slash, or a number of hours before it keep it a date
    ['Hours: 4 on 6-15-2027', '2027-06-15'],
    ['Hours: 6/15', '2027-06-15'],
    ['4 hours 6-15', '2027-06-15'],
    ['Date: 6-15 Hours: 4', '2027-06-15'],
  ])('%s → %s', (text, date) => {
    expect(readDate(text, ctx)).toBe(date);
  });
});

describe('readHoursInLine: the hours on a line that holds other fields (intake note, item 1)', () => {
  it.each<[string, number]>([
    ['06/15/2027 Hours: 4', 4],
    ['06/15/2027 Hrs: 4', 4],
    ['06/15/2027 Hrs. 4', 4],
    ['6/15 Hours 4', 4],
    ['June 15 Hours: 4', 4],
    ['2027-06-15 Hours: 4', 4],
    ['06/15/2027 Duration: 4', 4],
    ['06/15/2027 Duration - 4 hrs', 4],
    ['06/15/2027 Hours: 4.5', 4.5],
    ['06/15/2027 Hours: 4 1/2', 4.5],
    ['06/15/2027 Hours: 4 Guests: 6', 4],
    ['Dec 19, 4 hours 30 minutes', 4.5],
    ['Dec 19 for 2 hours 6 guests', 2],
    ['Your 4 1/2 hour sunset cruise on Dec 19', 4.5],
    ["Boat: 2019 Sea Ray SLX, Length 23', Capacity 8 guests, 4 hour rental", 4],
    ['Yacht length 21 m, 3 hours', 3],
    ['Trip length: 4 hours', 4],
  ])('%s → %s', (text, hours) => {
    expect(readHoursInLine(text)).toBe(hours);
  });

  it.each([
    '6/15 hours', // the number ends a date and the hours word has none of its own
    '2027-06-15 hours TBD',
    'Hours: 9 AM - 5 PM',
    'Business hours: 9-5',
    'Office hours 9 to 5',
    '06/15/2027 Hours: 4-6',
    'Boat length 40 ft',
    // A boat's length is no duration, whatever its unit (it read 24, 18, 21 h once)
    "06/15/2027 Boat length: 24'",
    "06/15/2027 Length 18'",
    '06/15/2027 Boat length: 21"',
    'Yacht length 21 m',
    "Boat Length: 26' | Guests: 6",
  ])('%s → nothing', (text) => {
    expect(readHoursInLine(text)).toBeUndefined();
  });
});
