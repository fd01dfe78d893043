import fc from 'fast-check';
import { renderCancelledGuestPage, renderGuestPage } from '../../../src/integrations/guest-page/render';
import { buildGuestPageView, type GuestPageSource } from '../../../src/integrations/guest-page/view';
import type { RosterMember } from '../../../src/booking/types';
import { IntegrationError } from '../../../src/integrations/errors';
import { sampleSettings, sampleSource } from '../../support/guest-page-fixture';

/** Same words as the compile-time guard in crew-safe.ts: lower-case or capitalised inside a camelCase key. */
const MONEY_KEY = /(cent|price|fee|cost|revenue|gross|net|amount|pay|rate|dollar)|(Cent|Price|Fee|Cost|Revenue|Gross|Net|Amount|Pay|Rate|Dollar)/;

/** Every leaf of a value with the key path that leads to it. */
function leaves(value: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [{ path, value }];
}

/** What a builder threw, for its fields (it must throw). */
function thrown(fn: () => unknown): IntegrationError {
  try {
    fn();
  } catch (err) {
    return err as IntegrationError;
  }
  throw new Error('did not throw');
}

describe('buildGuestPageView refuses money (the last check before publishing)', () => {
  test('a guest name saved with an amount (before the form refused it) shows as its first name, so its page and cancelled notice still publish', () => {
    const name = 'Maria Delgado · $1,200 paid';
    const view = buildGuestPageView(sampleSource({ guestFullName: name, request: { ...sampleSource().request, guestName: name } }), sampleSettings());
    expect(view.guestName).toBe('Maria');
    expect(JSON.stringify(view)).not.toContain('1,200');
    const cancelled = renderCancelledGuestPage(view);
    expect(cancelled).toContain('Maria');
    expect(cancelled).not.toContain('1,200');
  });

  test('a guest name that is money from its first word greets the first plain word, as crew see it', () => {
    for (const name of ['$1,200 paid — Maria Delgado', 'USD 1200 Maria Delgado']) {
      const view = buildGuestPageView(sampleSource({ guestFullName: name, request: { ...sampleSource().request, guestName: name } }), sampleSettings());
      expect(view.guestName).toBe('Maria');
      expect(view.guestFirstName).toBe('Maria');
      expect(renderGuestPage(view)).not.toContain('1,200');
    }
  });

  test('money in an operator setting names the variable', () => {
    const err = thrown(() => buildGuestPageView(sampleSource(), sampleSettings({ weatherNote: 'Rain check fee: $50' })));
    expect(err).toMatchObject({ code: 'GUEST_PAGE_HAS_MONEY', retryable: false });
    expect(err.operatorMessage).toContain('CHARTER_WEATHER_NOTE');
  });
});

describe('buildGuestPageView', () => {
  const view = buildGuestPageView(sampleSource(), sampleSettings());

  test('times are in the operator zone, named, with check-in the configured lead before departure', () => {
    expect(view.dateText).toBe('Sat, Dec 5, 2026');
    expect(view.checkIn).toEqual({ iso: '2026-12-05T15:30:00-08:00', text: '3:30 PM PST' });
    expect(view.departure.text).toBe('4:00 PM PST');
    expect(view.return.text).toBe('9:00 PM PST');
    expect(view.zoneText).toBe('Pacific Time (America/Los_Angeles)');
    expect(view.durationText).toBe('5 hours');
  });

  test('greets by first name, names the captain by first name only, links the call and the calendar', () => {
    expect(view.guestFirstName).toBe('Maria');
    expect(view.captainFirstName).toBe('Sam');
    expect(JSON.stringify(view)).not.toContain('Whitaker');
    expect(JSON.stringify(view)).not.toContain('Lee');
    expect(view.emergency).toEqual({ phoneText: '+1 619 555 0142', telHref: 'tel:+16195550142' });
    expect(view.links.calendar).toBe('/g/7K3M9QX2TB4D.ics');
    expect(view.links.calendarUrl).toBe('https://queenofsandiego.com/g/7K3M9QX2TB4D.ics');
    expect(view.partyText).toBe('6 guests');
  });

  test('keeps a site prefix path in the calendar link', () => {
    const v = buildGuestPageView(sampleSource({ guestUrl: 'https://example.com/charters/g/ABCDEFGHJK' }), sampleSettings());
    expect(v.links.calendar).toBe('/charters/g/ABCDEFGHJK.ics');
  });

  test('a configured javascript: map link never reaches the page; a phone without digits gets no tel: link', () => {
    const v = buildGuestPageView(
      sampleSource(),
      sampleSettings({ dockMapUrl: 'javascript:alert(1)', emergencyPhone: 'ask at the dock' }),
    );
    expect(v.dock.mapUrl).toMatch(/^https:\/\/maps\.google\.com\/\?q=Harbor/);
    expect(v.emergency.telHref).toBeNull();
  });

  // The Call button is what a guest late for the boat presses: it must dial the number the button shows.
  test.each([
    ['+1 619 555 0142 (24/7)', 'tel:+16195550142'],
    ['+1 619 555 0142 or +1 619 555 0199', 'tel:+16195550142'],
    ['(619) 555-0142 ext. 12', 'tel:6195550142'],
    ['Dock office, slip 12: +1 619 555 0142', 'tel:+16195550142'],
    ['1-800-JADA-BOAT', null],
  ])('emergency phone %j dials %s, never the digits of everything run together', (emergencyPhone, telHref) => {
    const v = buildGuestPageView(sampleSource(), sampleSettings({ emergencyPhone }));
    expect(v.emergency).toEqual({ phoneText: emergencyPhone, telHref });
  });

  test('a charter across midnight says so; a booking without a captain names none', () => {
    const source = sampleSource();
    const v = buildGuestPageView(
      { ...source, request: { ...source.request, departureTime: '21:00', durationHours: 4 }, roster: [] },
      sampleSettings(),
    );
    expect(v.endsNextDay).toBe(true);
    expect(v.timeRangeText).toContain('(next day)');
    expect(v.captainFirstName).toBeNull();
  });

  test('daylight time after the spring change is named PDT', () => {
    const source = sampleSource();
    const v = buildGuestPageView({ ...source, request: { ...source.request, date: '2027-03-14', departureTime: '10:00' } }, sampleSettings());
    expect(v.checkIn.text).toBe('9:30 AM PDT');
    expect(v.checkIn.iso).toBe('2027-03-14T09:30:00-07:00');
  });

  test('no money, no crew contact details and no guest contact details, for any booking', () => {
    const token = fc.stringMatching(/^[a-z]{6,10}$/);
    const member = (role: RosterMember['role']) =>
      fc.record({
        slackUserId: fc.stringMatching(/^U[A-Z0-9]{8}$/),
        first: token,
        last: token,
        email: fc.emailAddress(),
        phone: fc.stringMatching(/^\+1 \d{3} \d{3} \d{4}$/),
        role: fc.constant(role),
      });
    fc.assert(
      fc.property(
        fc.record({
          priceCents: fc.integer({ min: 100_000, max: 9_999_999 }),
          guestEmail: fc.emailAddress(),
          guestPhone: fc.stringMatching(/^\+1 \d{3} \d{3} \d{4}$/),
          notes: token.map((t) => `NOTE${t} paid in cash`),
          partySize: fc.integer({ min: 1, max: 6 }),
          captain: member('captain'),
          crew: fc.array(member('crew'), { maxLength: 3 }),
          durationHours: fc.integer({ min: 2, max: 16 }).map((n) => n / 2),
          departureTime: fc.constantFrom('08:00', '10:30', '16:00', '22:00'),
        }),
        (b) => {
          const people = [b.captain, ...b.crew];
          const base = sampleSource();
          const source: GuestPageSource = {
            ...base,
            request: {
              ...base.request,
              priceCents: b.priceCents,
              guestEmail: b.guestEmail,
              guestPhone: b.guestPhone,
              notes: b.notes,
              partySize: b.partySize,
              durationHours: b.durationHours,
              departureTime: b.departureTime,
            },
            roster: people.map((p) => ({
              slackUserId: p.slackUserId,
              name: `${p.first} ${p.last}SURNAME`,
              email: p.email,
              role: p.role,
            })),
          };
          const v = buildGuestPageView(source, sampleSettings());
          for (const leaf of leaves(v)) {
            for (const key of leaf.path) expect(key).not.toMatch(MONEY_KEY);
            if (typeof leaf.value === 'number') {
              expect([b.priceCents, b.priceCents / 100]).not.toContain(leaf.value);
            }
            if (typeof leaf.value === 'string') {
              const text = leaf.value;
              expect(text).not.toContain('$');
              expect(text).not.toContain(String(b.priceCents));
              expect(text).not.toContain('NOTE');
              expect(text).not.toContain('SURNAME');
              expect(text).not.toContain(b.guestEmail);
              expect(text).not.toContain(b.guestPhone);
              for (const p of people) {
                expect(text).not.toContain(p.email);
                expect(text).not.toContain(p.phone);
                expect(text).not.toContain(p.slackUserId);
              }
            }
          }
          expect(v.captainFirstName).toBe(b.captain.first);
        },
      ),
      { numRuns: 200 },
    );
  });
});
