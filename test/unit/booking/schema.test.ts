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
  it('asks for the price as the form\'s number_input takes it, with no comma (review s53 L3)', () => {
    const r = parseBookingRequest(form({ priceCents: '12.345' }), ctx);
    expect(r.ok ? undefined : r.errors.priceCents).toBe('Enter the charter price in dollars, e.g. 1200 or 1200.50.');
  });

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
      // Always present on a new submission, blank or not: its absence marks a booking made before the field.
      crewNotes: '',
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

  describe('Notes for crew', () => {
    const crewNotesOf = (overrides: Record<string, unknown>) => {
      const r = parseBookingRequest(form(overrides), ctx);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.value;
    };
    const errorsOf = (overrides: Record<string, unknown>) => {
      const r = parseBookingRequest(form(overrides), ctx);
      if (r.ok) throw new Error('expected errors');
      return r.errors;
    };

    it('keeps clean crew notes (trimmed) apart from the internal notes', () => {
      const v = crewNotesOf({ notes: 'Sam: 150\nOwner split 70/30', crewNotes: '  Bring ice\nDock B slip 12\n' });
      expect(v.crewNotes).toBe('Bring ice\nDock B slip 12');
      // Internal notes are not checked for money: they are the office's.
      expect(v.notes).toBe('Sam: 150\nOwner split 70/30');
    });

    it.each([undefined, null, '', '   \n  '])('a blank field (%p) is still a key: an empty string', (blank) => {
      const v = crewNotesOf({ crewNotes: blank });
      expect(Object.hasOwn(v, 'crewNotes')).toBe(true);
      expect(v.crewNotes).toBe('');
    });

    it('refuses a line that looks like money, next to the field, naming and quoting the line as typed', () => {
      const errors = errorsOf({ crewNotes: 'Bring ice\nCaptain gets 300\nDock B slip 12' });
      expect(Object.keys(errors)).toEqual(['crewNotes']);
      expect(errors.crewNotes).toBe('Line 2 looks like money (“Captain gets 300”). Crew see this field: move it to Internal notes.');
    });

    it('counts blank lines as the operator sees them, and names several money lines', () => {
      expect(errorsOf({ crewNotes: '\nBring ice\n\nTips 50/50' }).crewNotes).toMatch(/^Line 4 looks like money \(“Tips 50\/50”\)/);
      expect(errorsOf({ crewNotes: 'Crew pay 25/h\nBring ice\nPaid $1,200' }).crewNotes).toBe('Lines 1 and 3 look like money (line 1: “Crew pay 25/h”). Crew see this field: move them to Internal notes.');
      const many = Array.from({ length: 7 }, (_, i) => `Deckhand ${150 + i}`).join('\n');
      expect(errorsOf({ crewNotes: many }).crewNotes).toMatch(/^Lines 1, 2, 3, 4 and 3 more look like money \(line 1: “Deckhand 150”\)/);
    });

    it('quotes a long line shortened, so the message stays short', () => {
      const line = `Captain gets 300 ${'and then some more words '.repeat(20)}`;
      const message = errorsOf({ crewNotes: line }).crewNotes ?? '';
      expect(message).toContain('“Captain gets 300 and then some more words and…”');
      expect(message.length).toBeLessThan(150);
    });

    it('refuses more than 1,000 characters', () => {
      expect(errorsOf({ crewNotes: 'x'.repeat(1001) }).crewNotes).toMatch(/1000 characters/);
      expect(crewNotesOf({ crewNotes: 'x'.repeat(1000) }).crewNotes).toHaveLength(1000);
    });
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
