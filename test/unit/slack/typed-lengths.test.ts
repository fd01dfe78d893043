/**
 * The booking schema, the booking form's max_length and the Block Kit limit checker count typed text
 * alike (textLength: UTF-16 units, an emoji is two), so whatever the form accepts opens again in
 * the change form. Before, the schema counted code points: a name of 60 🚤 was accepted and its
 * change form refused by Slack (invalid_arguments), so Edit did nothing (review 2026-12-07).
 */
import fc from 'fast-check';
import { parseBookingRequest, type SchemaContext } from '../../../src/booking/schema';
import { TEXT_FIELD_MAX } from '../../../src/booking/text-length';
import { validateView } from '../../../src/slack/blocks/limits';
import { bookingModal } from '../../../src/slack/blocks/modal';
import { sampleRequest } from '../../support/booking';

const ctx: SchemaContext = { now: new Date('2030-06-01T12:00:00Z'), timezone: 'America/Los_Angeles', capacity: 6 };
const form = (overrides: Record<string, unknown> = {}) => ({
  guestName: 'Maria Delgado',
  guestEmail: 'maria@example.com',
  date: '2030-07-04',
  departureTime: '16:00',
  durationHours: '5',
  partySize: '6',
  priceCents: '1200',
  captain: 'U0CAPTAIN1',
  crew: ['U0CREW0001'],
  ...overrides,
});
const errorsOf = (overrides: Record<string, unknown>) => {
  const r = parseBookingRequest(form(overrides), ctx);
  return r.ok ? {} : r.errors;
};
const changeForm = (overrides: Parameters<typeof sampleRequest>[0]) =>
  bookingModal({ timezone: 'America/Los_Angeles', capacity: 6, origin: { channel: 'C0OPS00001' }, nowMs: Date.UTC(2030, 0, 1), initial: sampleRequest(overrides), change: { bookingId: 'K7M2Q9TX4B1P', label: 'edit' } });
const elementOf = (view: ReturnType<typeof bookingModal>, id: string) => (view.blocks.find((b) => b.block_id === id) as unknown as { element: { max_length?: number; initial_value?: string } }).element;

describe('the schema counts as the form does', () => {
  it.each([
    ['guestName', '🚤'.repeat(50), '🚤'.repeat(51)],
    ['platform', '🚤'.repeat(20), '🚤'.repeat(21)],
    ['platformRef', '🚤'.repeat(32), '🚤'.repeat(33)],
    ['notes', '🚤'.repeat(1000), '🚤'.repeat(1000) + 'x'],
    ['crewNotes', '🚤'.repeat(500), '🚤'.repeat(501)],
  ])('%s: as many emoji as fit twice over, and not one more', (field, fits, tooLong) => {
    expect(errorsOf({ [field]: fits })).toEqual({});
    expect(errorsOf({ [field]: tooLong })).toEqual({ [field]: expect.stringMatching(/^Keep (this|the name) under \d[\d,]* characters\.$/) });
  });

  it('the form says the same limits', () => {
    const view = changeForm({});
    for (const field of ['guestName', 'guestPhone', 'platform', 'platformRef', 'notes', 'crewNotes'] as const) expect(elementOf(view, field).max_length).toBe(TEXT_FIELD_MAX[field]);
  });
});

it('every request the form accepts opens again as its change form within Slack\'s limits', () => {
  const typed = (max: number) => fc.string({ unit: fc.constantFrom('a', '&', '<', '🚤', 'é', '👩‍👩‍👧', '\n'), maxLength: max });
  fc.assert(
    fc.property(fc.record({ guestName: typed(110), platform: typed(45), platformRef: typed(70), notes: typed(2100), crewNotes: typed(1100) }), (typedFields) => {
      const r = parseBookingRequest(form({ ...typedFields, guestName: `M${typedFields.guestName}`, crewNotes: typedFields.crewNotes }), ctx);
      if (!r.ok) return;
      expect(validateView(changeForm(r.value))).toEqual([]);
    }),
    { numRuns: 300 },
  );
});

it('a booking stored before the schema counted so still opens: the input takes its length, the schema asks for it shorter', () => {
  const view = changeForm({ guestName: '🚤'.repeat(60), notes: '🚤'.repeat(1600) });
  expect(validateView(view)).toEqual([]);
  expect(elementOf(view, 'guestName')).toMatchObject({ max_length: 120, initial_value: '🚤'.repeat(60) });
  // 3,200 units is more than any input holds (3,000): cut there, whole emoji.
  expect(elementOf(view, 'notes')).toMatchObject({ max_length: 3000, initial_value: '🚤'.repeat(1500) });
  expect(errorsOf({ guestName: '🚤'.repeat(60) })).toEqual({ guestName: 'Keep the name under 100 characters.' });
});
