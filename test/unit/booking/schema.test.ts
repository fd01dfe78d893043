import fc from 'fast-check';
import { parseBookingRequest, type SchemaContext } from '../../../src/booking/schema';

const ctx: SchemaContext = { now: new Date('2030-06-01T12:00:00Z'), timezone: 'America/Los_Angeles', capacity: 6 };

const form = (overrides: Record<string, unknown> = {}) => ({
  guestName: ' Maria Delgado ',
  guestEmail: 'maria@example.com',
  date: '2030-07-04',
  departureTime: '16:00',
  durationHours: '5',
  partySize: '6',
  priceCents: '1,200.00',
  captain: 'U0CAPTAIN1',
  crew: ['U0CREW0001', 'U0CREW0002'],
  captainHours: '3',
  ...overrides,
});

describe('parseBookingRequest', () => {
  it('normalises a valid modal submission; hours default to the duration', () => {
    const r = parseBookingRequest(form(), ctx);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value).toEqual({
      guestName: 'Maria Delgado',
      guestEmail: 'maria@example.com',
      date: '2030-07-04',
      departureTime: '16:00',
      durationHours: 5,
      partySize: 6,
      priceCents: 120000,
      captain: 'U0CAPTAIN1',
      crew: ['U0CREW0001', 'U0CREW0002'],
      crewHours: 5,
      captainHours: 3,
    });
  });

  it('keeps the booking platform and its reference; the legacy boatsetterRef input is a Boatsetter reference', () => {
    const current = parseBookingRequest(form({ platform: 'GetMyBoat', platformRef: ' GMB-20391 ' }), ctx);
    const legacy = parseBookingRequest(form({ boatsetterRef: 'BS-48213' }), ctx);
    if (!current.ok || !legacy.ok) throw new Error('expected valid');
    expect(current.value).toMatchObject({ platform: 'GetMyBoat', platformRef: 'GMB-20391' });
    expect(legacy.value).toMatchObject({ platform: 'Boatsetter', platformRef: 'BS-48213' });
    expect(legacy.value.boatsetterRef).toBeUndefined();
  });

  it.each([
    [{ guestName: '' }, 'guestName', /name/],
    [{ guestEmail: 'maria' }, 'guestEmail', /email/],
    [{ durationHours: '4.25' }, 'durationHours', /half-hour/],
    [{ durationHours: '13' }, 'durationHours', /between 0.5 and 12/],
    [{ partySize: '7' }, 'partySize', /1 to 6/],
    [{ partySize: 'lots' }, 'partySize', /number/],
    [{ priceCents: '12.345' }, 'priceCents', /dollars/],
    [{ priceCents: '0' }, 'priceCents', /more than \$0/],
    [{ priceCents: '250000' }, 'priceCents', /typo/],
    [{ captain: undefined }, 'captain', /captain/],
    [{ crew: Array.from({ length: 11 }, (_, i) => `U0CREW00${10 + i}`) }, 'crew', /At most 10/],
    [{ crew: ['U0CAPTAIN1'] }, 'crew', /already aboard/],
    [{ date: '2030-05-01' }, 'date', /in the past/],
    [{ date: '2034-05-01' }, 'date', /two years/],
    [{ date: '2030-02-30' }, 'date', /does not exist/],
    [{ date: '2031-03-09', departureTime: '02:30' }, 'departureTime', /does not exist/],
    [{ date: '2030-11-03', departureTime: '01:00' }, 'departureTime', /happens twice/],
    [{ date: '2030-11-03', departureTime: '01:59' }, 'departureTime', /happens twice/],
    [{ guestPhone: 'call me' }, 'guestPhone', /phone/],
  ])('gives a field message for %p', (overrides, field, message) => {
    const r = parseBookingRequest(form(overrides), ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors)).toEqual([field]);
    expect(r.errors[field as keyof typeof r.errors]).toMatch(message);
  });

  it('refuses a departure in the hour that repeats when clocks go back, and says which times work', () => {
    const r = parseBookingRequest(form({ date: '2030-11-03', departureTime: '01:30' }), ctx);
    expect(r).toEqual({
      ok: false,
      errors: { departureTime: '1:30 AM happens twice on Sun, Nov 3 (clocks go back): pick a time before 1:00 AM PDT or from 2:00 AM PST.' },
    });
    for (const departureTime of ['00:59', '02:00']) expect(parseBookingRequest(form({ date: '2030-11-03', departureTime }), ctx).ok).toBe(true);
    // A return in the repeated hour is one instant (departure plus the duration), so it is fine.
    expect(parseBookingRequest(form({ date: '2030-11-02', departureTime: '20:30', durationHours: '5' }), ctx).ok).toBe(true);
  });

  it('accepts a charter that returns after midnight', () => {
    const r = parseBookingRequest(form({ departureTime: '21:00', durationHours: '5' }), ctx);
    expect(r.ok).toBe(true);
  });

  it('refuses a guest name that carries money, next to the field: the name reaches the guest page and crew posts', () => {
    for (const guestName of ['Maria Delgado · $1,200 paid', 'Maria Delgado (paid $1,200)', 'Maria Delgado - Total $1,200']) {
      const r = parseBookingRequest(form({ guestName }), ctx);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(Object.keys(r.errors)).toEqual(['guestName']);
      expect(r.errors.guestName).toMatch(/amount|money/i);
    }
    expect(parseBookingRequest(form({ guestName: "Maria O'Neil-Delgado" }), ctx).ok).toBe(true);
  });

  it('reports every bad field at once', () => {
    const r = parseBookingRequest({}, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(
      ['captain', 'date', 'departureTime', 'durationHours', 'guestEmail', 'guestName', 'partySize', 'priceCents'].sort(),
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...Object.keys(form())), fc.anything())), (input) => {
        const r = parseBookingRequest(input, ctx);
        return r.ok ? typeof r.value.priceCents === 'number' : Object.keys(r.errors).length > 0;
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on a valid form with one field replaced by anything', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(form())), fc.anything(), (field, value) => {
        const r = parseBookingRequest(form({ [field]: value }), ctx);
        return r.ok || Object.keys(r.errors).length > 0;
      }),
      { numRuns: 2000 },
    );
  });
});
