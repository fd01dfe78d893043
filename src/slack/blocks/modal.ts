/**
 * The booking modal. Block ids are the booking schema's field names, so the schema's per-field
 * errors go straight back as `response_action: 'errors'` next to the right input.
 */
import type { InputBlock, KnownBlock, ModalView } from '@slack/types';
import { DateTime } from 'luxon';
import { zoneLabel } from '../../booking/time';
import type { BookingField } from '../../booking/types';

export const BOOKING_MODAL_CALLBACK_ID = 'booking_modal';

export interface ModalMetadata {
  /** Channel /charter was run in: the approval goes there when no ops channel is configured. */
  channel: string;
}

export interface BookingModalOptions {
  timezone: string;
  capacity: number;
  origin: ModalMetadata;
  nowMs: number;
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
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Times are in *${zone}*. Costs are worked out from the price and hours; you approve them in the next step.` }] },
    input('guestName', 'Guest name', { type: 'plain_text_input', action_id: 'guestName', max_length: 100, placeholder: { type: 'plain_text', text: 'Maria Delgado' } }),
    input('guestEmail', 'Guest email', { type: 'email_text_input', action_id: 'guestEmail', placeholder: { type: 'plain_text', text: 'guest@example.com' } }),
    input('guestPhone', 'Guest phone', { type: 'plain_text_input', action_id: 'guestPhone', max_length: 40 }, { optional: true }),
    input('date', 'Charter date', { type: 'datepicker', action_id: 'date', ...(today ? { initial_date: today } : {}) }),
    input('departureTime', 'Departure time', { type: 'timepicker', action_id: 'departureTime', initial_time: '10:00' }, { hint: `In ${zone}.` }),
    input('durationHours', 'Duration (hours)', { type: 'number_input', action_id: 'durationHours', is_decimal_allowed: true, min_value: '0.5', max_value: '12', initial_value: '4' }, { hint: 'Half-hour steps, e.g. 4 or 4.5.' }),
    input('partySize', 'Party size', { type: 'number_input', action_id: 'partySize', is_decimal_allowed: false, min_value: '1', max_value: String(opts.capacity) }, { hint: `Guests aboard, at most ${opts.capacity}.` }),
    input('priceCents', 'Charter price (USD)', { type: 'number_input', action_id: 'priceCents', is_decimal_allowed: true, min_value: '1', max_value: '100000' }, { hint: 'What the guest pays for the charter (gross).' }),
    input('captain', 'Captain', { type: 'users_select', action_id: 'captain', placeholder: { type: 'plain_text', text: 'Pick the captain' } }),
    input('crew', 'Crew', { type: 'multi_users_select', action_id: 'crew', max_selected_items: 10, placeholder: { type: 'plain_text', text: 'Pick the deckhands' } }, { optional: true }),
    input('crewHours', 'Crew hours (each)', { type: 'number_input', action_id: 'crewHours', is_decimal_allowed: true, min_value: '0', max_value: '24' }, { optional: true, hint: 'Paid hours per deckhand; blank = the duration.' }),
    input('captainHours', 'Captain hours', { type: 'number_input', action_id: 'captainHours', is_decimal_allowed: true, min_value: '0', max_value: '24' }, { optional: true, hint: 'Paid captain hours; blank = the duration.' }),
    input('boatsetterRef', 'Boatsetter reference', { type: 'plain_text_input', action_id: 'boatsetterRef', max_length: 64 }, { optional: true }),
    input('notes', 'Notes', { type: 'plain_text_input', action_id: 'notes', multiline: true, max_length: 2000 }, { optional: true, hint: 'Crew see these without any line that states an amount; guests never see them.' }),
  ];
  return {
    type: 'modal',
    callback_id: BOOKING_MODAL_CALLBACK_ID,
    title: { type: 'plain_text', text: 'New charter' },
    submit: { type: 'plain_text', text: 'Review costs' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(opts.origin),
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
