/**
 * The booking modal. Block ids are the booking schema's field names, so the schema's per-field
 * errors go straight back as `response_action: 'errors'` next to the right input.
 */
import type { InputBlock, KnownBlock, ModalView } from '@slack/types';
import { DateTime } from 'luxon';
import { zoneLabel } from '../../booking/time';
import type { BookingField, BookingRequest } from '../../booking/types';

export const BOOKING_MODAL_CALLBACK_ID = 'booking_modal';
/** The same form, prefilled, proposing a change of an approved booking (Edit, /charter edit|reschedule). */
export const CHANGE_MODAL_CALLBACK_ID = 'booking_change_modal';

export interface ModalMetadata {
  /** Channel /charter was run in: the approval goes there when no ops channel is configured. */
  channel: string;
}

export interface BookingModalOptions {
  timezone: string;
  capacity: number;
  origin: ModalMetadata;
  nowMs: number;
  /** Prefill every field from this request (a change of an existing booking). */
  initial?: BookingRequest;
  /** Makes it the change form of this booking: its own callback id, title and metadata. */
  change?: { bookingId: string; label: string };
}

/** What a change form carries in private_metadata. */
export interface ChangeModalMetadata extends ModalMetadata {
  bookingId: string;
  label: string;
}

export function parseChangeModalMetadata(text: string | undefined): ChangeModalMetadata | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as Partial<ChangeModalMetadata> | null;
    if (parsed && typeof parsed.bookingId === 'string' && typeof parsed.label === 'string' && typeof parsed.channel === 'string') {
      return { channel: parsed.channel, bookingId: parsed.bookingId, label: parsed.label };
    }
  } catch {
    // not a change form
  }
  return undefined;
}

/** Dollars for a number input: 120000 cents → "1200", 120050 → "1200.50". */
function dollars(cents: number): string {
  return cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2);
}

const input = (field: BookingField, label: string, element: InputBlock['element'], opts: { optional?: boolean; hint?: string } = {}): InputBlock => ({
  type: 'input',
  block_id: field,
  label: { type: 'plain_text', text: label },
  element,
  optional: opts.optional ?? false,
  ...(opts.hint ? { hint: { type: 'plain_text', text: opts.hint } } : {}),
});

export function bookingModal(opts: BookingModalOptions): ModalView {
  const zone = zoneLabel(opts.timezone, DateTime.fromMillis(opts.nowMs));
  const today = DateTime.fromMillis(opts.nowMs, { zone: opts.timezone }).toISODate() ?? undefined;
  const r = opts.initial;
  const text = (v: string | undefined) => (v ? { initial_value: v } : {});
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Times are in *${zone}*. Costs are worked out from the price and hours; you approve them in the next step.` }] },
    input('guestName', 'Guest name', { type: 'plain_text_input', action_id: 'guestName', max_length: 100, placeholder: { type: 'plain_text', text: 'Maria Delgado' }, ...text(r?.guestName) }),
    input('guestEmail', 'Guest email', { type: 'email_text_input', action_id: 'guestEmail', placeholder: { type: 'plain_text', text: 'guest@example.com' }, ...text(r?.guestEmail) }),
    input('guestPhone', 'Guest phone', { type: 'plain_text_input', action_id: 'guestPhone', max_length: 40, ...text(r?.guestPhone) }, { optional: true }),
    input('date', 'Charter date', { type: 'datepicker', action_id: 'date', ...((r?.date ?? today) ? { initial_date: r?.date ?? today } : {}) }),
    input('departureTime', 'Departure time', { type: 'timepicker', action_id: 'departureTime', initial_time: r?.departureTime ?? '10:00' }, { hint: `In ${zone}.` }),
    input('durationHours', 'Duration (hours)', { type: 'number_input', action_id: 'durationHours', is_decimal_allowed: true, min_value: '0.5', max_value: '12', initial_value: String(r?.durationHours ?? 4) }, { hint: 'Half-hour steps, e.g. 4 or 4.5.' }),
    input('partySize', 'Party size', { type: 'number_input', action_id: 'partySize', is_decimal_allowed: false, min_value: '1', max_value: String(opts.capacity), ...text(r ? String(r.partySize) : undefined) }, { hint: `Guests aboard, at most ${opts.capacity}.` }),
    input('priceCents', 'Charter price (USD)', { type: 'number_input', action_id: 'priceCents', is_decimal_allowed: true, min_value: '1', max_value: '100000', ...text(r ? dollars(r.priceCents) : undefined) }, { hint: 'What the guest pays for the charter (gross).' }),
    input('captain', 'Captain', { type: 'users_select', action_id: 'captain', placeholder: { type: 'plain_text', text: 'Pick the captain' }, ...(r ? { initial_user: r.captain } : {}) }),
    input('crew', 'Crew', { type: 'multi_users_select', action_id: 'crew', max_selected_items: 10, placeholder: { type: 'plain_text', text: 'Pick the deckhands' }, ...(r && r.crew.length > 0 ? { initial_users: r.crew } : {}) }, { optional: true }),
    input('crewHours', 'Crew hours (each)', { type: 'number_input', action_id: 'crewHours', is_decimal_allowed: true, min_value: '0', max_value: '24', ...text(r ? String(r.crewHours) : undefined) }, { optional: true, hint: 'Paid hours per deckhand; blank = the duration.' }),
    input('captainHours', 'Captain hours', { type: 'number_input', action_id: 'captainHours', is_decimal_allowed: true, min_value: '0', max_value: '24', ...text(r ? String(r.captainHours) : undefined) }, { optional: true, hint: 'Paid captain hours; blank = the duration.' }),
    input('boatsetterRef', 'Boatsetter reference', { type: 'plain_text_input', action_id: 'boatsetterRef', max_length: 64, ...text(r?.boatsetterRef) }, { optional: true }),
    input('notes', 'Notes (operators only)', { type: 'plain_text_input', action_id: 'notes', multiline: true, max_length: 2000, ...text(r?.notes) }, { optional: true, hint: 'Never shown to crew or the guest.' }),
  ];
  const change = opts.change;
  return {
    type: 'modal',
    callback_id: change ? CHANGE_MODAL_CALLBACK_ID : BOOKING_MODAL_CALLBACK_ID,
    title: { type: 'plain_text', text: change ? (change.label === 'reschedule' ? 'Reschedule charter' : 'Change charter') : 'New charter' },
    submit: { type: 'plain_text', text: change ? 'Review change' : 'Review costs' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(change ? { ...opts.origin, bookingId: change.bookingId, label: change.label } : opts.origin),
    blocks,
  };
}

export function parseModalMetadata(text: string | undefined): ModalMetadata | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as ModalMetadata).channel === 'string') return { channel: (parsed as ModalMetadata).channel };
  } catch {
    // a view we did not build (or an empty metadata): no origin channel
  }
  return undefined;
}

type StateValue = {
  type?: string;
  value?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
  selected_user?: string | null;
  selected_users?: string[] | null;
};

/** view.state.values → the loose input parseBookingRequest expects (it validates everything). */
export function modalValuesToInput(values: Record<string, Record<string, StateValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const v = Object.values(actions)[0];
    if (!v) continue;
    const value = v.selected_users ?? v.selected_user ?? v.selected_date ?? v.selected_time ?? v.value;
    if (value !== null && value !== undefined && value !== '') out[blockId] = value;
  }
  return out;
}
