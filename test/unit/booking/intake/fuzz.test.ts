/**
 * Fuzzed confirmations: random text, and random mixes of real labels, separators, quote markers,
 * header lines and values. The parser never throws, and never invents: every field it returns
 * points at an input line (its evidence, a substring of the input) that carries that value.
 */
import fc from 'fast-check';
import { parseConfirmation, type IntakeField, type ParsedConfirmation } from '../../../../src/booking/intake/parse-confirmation';

const CTX = { timezone: 'America/Los_Angeles', nowMs: Date.UTC(2026, 11, 1, 17) };

const labels = fc.constantFrom(
  'Trip date', 'Date', 'DATE', 'Start', 'Departure time', 'Duration', 'Passengers', 'Guests', 'Guest', 'Total', 'Trip price', 'Renter',
  'Email', 'Phone', 'Booking ID', 'Reservation #', 'Notes', 'When', 'Return', 'Platform', 'From', 'Subject', 'Sent', 'Name', 'Hours',
);
const values = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('Sat, Dec 19', 'December 19, 2026', '12/19/2026', '2027-01-09', '19 Dec', 'Feb 30', '13/45/2026'),
  fc.constantFrom('10:00 AM', '3pm', '10:00 AM – 3:00 PM', '10-3 PM', 'noon', '25:99', '12:60 pm', '0 am'),
  fc.constantFrom('5 hours', '4 hrs', '4.5h', '2 hours 30 minutes', '4 1/2 hours', '999 hours', '0 hours'),
  fc.constantFrom('$1,200.00', '$950', 'USD 1480.50', '0', '$0.00', '1 050 EUR', '$99999999999'),
  fc.constantFrom('Maria Delgado', 'maria@example.com', 'Maria <maria@example.com>', '+1 (619) 555-0100', 'BS-48213', 'Boatsetter', 'GetMyBoat'),
  fc.integer({ min: -5, max: 500 }).map(String),
);
const separators = fc.constantFrom(': ', ':', '\t', '   ', ' - ', '\n', ' ');
const prefixes = fc.constantFrom('', '> ', '> > ', '*', '  ');
const labelledLine = fc.tuple(prefixes, labels, separators, values).map(([p, l, s, v]) => `${p}${l}${s}${v}`);
const anyLine = fc.oneof(labelledLine, labelledLine, fc.string({ maxLength: 60 }), fc.constantFrom('', '---------- Forwarded message ---------', 'On Mon, Nov 30, 2026 at 9:14 AM Boatsetter wrote:'));
const breaks = fc.constantFrom('\n', '\r\n', '\r');
const confirmation = fc.tuple(fc.array(anyLine, { maxLength: 25 }), breaks).map(([lines, br]) => lines.join(br));

const digits = (s: string) => s.replace(/\D/g, '');
const alnum = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '');
/** Line by line, as the parser cleans each line (text.ts). */
const withoutTags = (s: string) => s.split(/\r\n|\r|\n/).map((l) => l.replace(/<\/?[a-z][a-z0-9]*(?:\s[^<>]*)?\/?>/gi, ' ')).join('\n');

/** The value a field claims is visibly in its evidence line. */
function carries(field: IntakeField, parsed: ParsedConfirmation): boolean {
  const ev = parsed.evidence[field] ?? '';
  const v = parsed.fields[field];
  const lower = ev.toLowerCase();
  switch (field) {
    case 'guestEmail':
      return lower.includes(String(v).toLowerCase());
    case 'guestName':
    case 'notes':
      // markup (*bold*, quote markers) and dash styles are normalised, and what reads as an HTML tag
      // (a mail pasted as HTML: "<br>", "<A>") is dropped (text.ts); every letter and digit is the input's
      return alnum(withoutTags(ev)).includes(alnum(String(v)));
    case 'guestPhone':
      return digits(ev).includes(digits(String(v)));
    case 'platformRef':
      return ev.includes(String(v));
    case 'platform':
      return lower.replace(/\s/g, '').includes(String(v).toLowerCase().replace(/\s/g, '').replace('&', '')) || lower.replace(/\s/g, '').includes(String(v).toLowerCase().replace(/\s/g, ''));
    case 'partySize':
      return (ev.match(/\d+/g) ?? []).some((n) => Number(n) <= Number(v));
    case 'priceCents':
      return digits(ev).includes(String(Math.floor(Number(v) / 100)));
    case 'date':
      return ev.includes(String(Number(String(v).slice(8, 10))));
    case 'departureTime': {
      const h = Number(String(v).slice(0, 2));
      return /noon|midnight/i.test(ev) || ev.includes(String(h)) || ev.includes(String(h % 12 || 12));
    }
    case 'durationHours':
      // a duration, or the end time it was worked out from
      return /\d|noon|midnight/i.test(ev);
  }
}

describe('parseConfirmation under fuzzing', () => {
  it('never throws and never returns a field the input does not show', () => {
    fc.assert(
      fc.property(fc.oneof(confirmation, fc.string({ maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 200 })), (text) => {
        const parsed = parseConfirmation(text, CTX);
        for (const field of Object.keys(parsed.fields) as IntakeField[]) {
          const ev = parsed.evidence[field];
          if (ev === undefined || !text.includes(ev)) return false;
          if (!carries(field, parsed)) return false;
          if (parsed.missing.includes(field)) return false;
        }
        return true;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 1500) },
    );
  });

  it('returns nothing for empty or label-only input', () => {
    for (const text of ['', '\n\n', 'Trip date:\nDuration:\nPassengers:', '> > >']) {
      expect(parseConfirmation(text, CTX).fields).toEqual({});
    }
  });
});
