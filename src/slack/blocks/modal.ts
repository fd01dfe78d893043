/**
 * The booking modal. Block ids are the booking schema's field names, so the schema's per-field
 * errors go straight back as `response_action: 'errors'` next to the right input.
 */
import type { InputBlock, KnownBlock, ModalView } from '@slack/types';
import { DateTime } from 'luxon';
import { INTAKE_FIELDS, INTAKE_FIELD_LABELS, type IntakeField, type IntakeFields } from '../../booking/intake/parse-confirmation';
import { crewNoteLines, predatesCrewNotes } from '../../booking/crew-safe';
import { MAX_CREW_NOTES } from '../../booking/schema';
import { TEXT_FIELD_MAX, textLength } from '../../booking/text-length';
import { zoneLabel } from '../../booking/time';
import { sliceWhole } from './format';
import { LIMITS } from './limits';
import { isChangeLabel, type ChangeLabel } from './lifecycle';
import { platformRefOf } from '../../booking/platform';
import type { BookingField, BookingRequest } from '../../booking/types';
import type { OfferedTrip } from '../../pipeline/types';

export const BOOKING_MODAL_CALLBACK_ID = 'booking_modal';
/** The same form, prefilled, proposing a change of an approved booking (Edit, /charter edit|reschedule). */
export const CHANGE_MODAL_CALLBACK_ID = 'booking_change_modal';

export interface ModalMetadata {
  /** Channel /charter was run in: the approval goes there when no ops channel is configured. */
  channel: string;
  /** The iCal notice whose [Create charter] opened the form: redrawn without its button once the charter exists. */
  notice?: NoticeRef;
}

export interface NoticeRef {
  channel: string;
  ts: string;
  /** The notice's headline as posted (mrkdwn, escaped): "New Boatsetter booking · Sat, Dec 19, …". */
  headline: string;
  /** The event's summary under the headline as posted (mrkdwn, escaped): "Boatsetter booking: José Núñez". */
  summary?: string;
  /** The trip the notice offered (absent from forms opened before it was carried). */
  offered?: OfferedTrip;
}

function noticeRefOf(v: unknown): NoticeRef | undefined {
  const n = v as Partial<NoticeRef> | null | undefined;
  if (!n || typeof n.channel !== 'string' || typeof n.ts !== 'string' || typeof n.headline !== 'string') return undefined;
  const offered = offeredTripOf(n.offered);
  return { channel: n.channel, ts: n.ts, headline: n.headline, ...(typeof n.summary === 'string' ? { summary: n.summary } : {}), ...(offered ? { offered } : {}) };
}

function offeredTripOf(v: unknown): OfferedTrip | undefined {
  const o = v as Partial<OfferedTrip> | null | undefined;
  if (!o || typeof o.feed !== 'string' || typeof o.uid !== 'string') return undefined;
  return {
    feed: o.feed,
    uid: o.uid,
    ...(typeof o.date === 'string' ? { date: o.date } : {}),
    ...(typeof o.departureTime === 'string' ? { departureTime: o.departureTime } : {}),
    ...(typeof o.durationHours === 'number' && Number.isFinite(o.durationHours) ? { durationHours: o.durationHours } : {}),
    ...(typeof o.platformRef === 'string' ? { platformRef: o.platformRef } : {}),
  };
}

export interface BookingModalOptions {
  timezone: string;
  capacity: number;
  origin: ModalMetadata;
  nowMs: number;
  /**
   * Fields read from a confirmation or an iCal event (intake). With a prefill, fields it lacks are
   * left EMPTY (no today / 10:00 / 4 h defaults) so the operator sees what still needs filling in.
   */
  prefill?: Prefill;
  /** Prefill every field from this request (a change of an existing booking). */
  initial?: BookingRequest;
  /** Makes it the change form of this booking: its own callback id, title and metadata. */
  change?: { bookingId: string; label: ChangeLabel };
}

export interface Prefill {
  fields: IntakeFields;
  /** Fields the source did not give, named in a context line at the top of the modal. */
  missing: readonly IntakeField[];
  /** Where the fields came from, e.g. "the pasted text" or "the Boatsetter calendar". */
  source: string;
  /** Fields the source gave that were too long to carry into the form (an iCal notice's button). */
  notCarried?: readonly IntakeField[];
  /**
   * Why a field is unsure: a missing one, why it was left blank though the source stated it ("stated
   * as 4 h and 3 h"); a filled one, what else the source said ("also stated as 4 h").
   */
  unsure?: Partial<Record<IntakeField, string>>;
}

/** Cents → the dollars a number_input shows: 120000 → "1200", 49999 → "499.99". */
function dollarsText(cents: number): string {
  return cents % 100 === 0 ? String(cents / 100) : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** 3.3333… → "3 h 20 min", 13 → "13 h": a duration as the text gave it, never a long decimal. */
function hoursText(hours: number): string {
  const minutes = Math.round(hours * 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** What the modal can show of a prefill (each value within its element's limits), and what it cannot. */
function prefillValues(p: Prefill, capacity: number): { initial: Partial<Record<BookingField, string>>; notes: string[] } {
  const f = p.fields;
  const initial: Partial<Record<BookingField, string>> = {};
  const notes: string[] = [];
  const text = (field: BookingField, v: string | undefined, max: number) => {
    if (v !== undefined && v.trim() !== '') initial[field] = sliceWhole(v.trim(), max);
  };
  text('guestName', f.guestName, 100);
  text('guestEmail', f.guestEmail, 254);
  text('guestPhone', f.guestPhone, 40);
  text('date', f.date, 10);
  text('departureTime', f.departureTime, 5);
  text('platform', f.platform, 40);
  text('platformRef', f.platformRef, 64);
  text('notes', f.notes, 2000);
  if (f.durationHours !== undefined) {
    // The form takes half-hour steps: "3 hours 20 minutes" (3.333…) would show as such and be refused
    // on submit, so the operator is told here, next to what could not be read, and types it.
    if (!(f.durationHours >= 0.5 && f.durationHours <= 12)) notes.push(`duration (${hoursText(f.durationHours)} is outside 0.5–12 h)`);
    else if (!Number.isInteger(f.durationHours * 2)) notes.push(`duration (${hoursText(f.durationHours)} is not in half-hour steps)`);
    else initial.durationHours = String(f.durationHours);
  }
  if (f.partySize !== undefined) {
    if (f.partySize >= 1 && f.partySize <= capacity) initial.partySize = String(f.partySize);
    else notes.push(`party size (${f.partySize} is over the capacity of ${capacity})`);
  }
  if (f.priceCents !== undefined) {
    if (f.priceCents >= 100 && f.priceCents <= 100_000_00) initial.priceCents = dollarsText(f.priceCents);
    else notes.push('price (outside $1–$100,000)');
  }
  return { initial, notes };
}

function prefillContext(p: Prefill, shown: { initial: Partial<Record<BookingField, string>>; notes: string[] }): string {
  // What the form shows filled in: a value read but refused by the form (13 hours, 13 guests over a
  // capacity of 6) is named under "Could not read" and left empty, so it is not counted as filled.
  const found = INTAKE_FIELDS.filter((f) => shown.initial[f] !== undefined).length;
  const notShown = shown.notes;
  const unread = [...p.missing.map((f) => (p.unsure?.[f] ? `${INTAKE_FIELD_LABELS[f]} (${p.unsure[f]})` : INTAKE_FIELD_LABELS[f])), ...notShown];
  const head = found > 0 ? `:mag: Filled in ${found} field${found === 1 ? '' : 's'} from ${p.source} — check them.` : `:mag: Nothing could be read from ${p.source}.`;
  const long = (p.notCarried ?? []).map((f) => INTAKE_FIELD_LABELS[f]);
  const tooLong = long.length > 0 ? ` Too long to carry over: *${long.join(', ')}*; copy ${long.length === 1 ? 'it' : 'them'} from ${p.source}.` : '';
  // A field filled from one of several things the source says ("Hours: 3", and a "4-hour" title).
  const check = INTAKE_FIELDS.filter((f) => p.fields[f] !== undefined && p.unsure?.[f]).map((f) => `${INTAKE_FIELD_LABELS[f]} (${p.unsure?.[f] as string})`);
  return `${head}${unread.length > 0 ? ` Could not read: *${unread.join(', ')}*.` : ''}${check.length > 0 ? ` Check: *${check.join(', ')}*.` : ''}${tooLong}`;
}

/**
 * What a change form carries in private_metadata. Its label is shown in the thread and App Home,
 * and an approver can submit a form whose hidden fields they edited: any other label is no form of ours.
 */
export interface ChangeModalMetadata extends ModalMetadata {
  bookingId: string;
  label: ChangeLabel;
}

export function parseChangeModalMetadata(text: string | undefined): ChangeModalMetadata | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as Partial<ChangeModalMetadata> | null;
    if (parsed && typeof parsed.bookingId === 'string' && isChangeLabel(parsed.label) && typeof parsed.channel === 'string') {
      return { channel: parsed.channel, bookingId: parsed.bookingId, label: parsed.label };
    }
  } catch {
    // not a change form
  }
  return undefined;
}

/** A booking's request as the form's initial values (the change form shows the booking as it is). */
function requestValues(r: BookingRequest): Partial<Record<BookingField, string>> {
  const ref = platformRefOf(r);
  const out: Partial<Record<BookingField, string>> = {
    guestName: r.guestName,
    guestEmail: r.guestEmail,
    date: r.date,
    departureTime: r.departureTime,
    durationHours: String(r.durationHours),
    partySize: String(r.partySize),
    priceCents: dollarsText(r.priceCents),
  };
  // Paid hours equal to the duration open blank ("blank = the duration"), so a change of the
  // duration moves them with it; filled in, they would keep paying the old length of the charter.
  if (r.crewHours !== r.durationHours) out.crewHours = String(r.crewHours);
  if (r.captainHours !== r.durationHours) out.captainHours = String(r.captainHours);
  if (r.guestPhone) out.guestPhone = r.guestPhone;
  if (ref) {
    out.platform = ref.platform;
    out.platformRef = ref.ref;
  } else if (r.platform) out.platform = r.platform;
  if (r.notes) out.notes = r.notes;
  const crew = crewNotesPrefill(r);
  if (crew.text) out.crewNotes = crew.text;
  return out;
}

/**
 * What "Notes for crew" opens with on a change form. A booking made before the field (see
 * predatesCrewNotes) gets the lines its crew read today — its notes without the money lines — so a
 * change keeps them, and the approver sees what crew see; as many whole lines as the field holds.
 */
function crewNotesPrefill(r: BookingRequest): { text: string; leftOut: number } {
  if (!predatesCrewNotes(r)) return { text: r.crewNotes ?? '', leftOut: 0 };
  const kept: string[] = [];
  let length = 0;
  const lines = crewNoteLines(r);
  for (const line of lines) {
    const next = length + (kept.length > 0 ? 1 : 0) + line.length;
    if (next > MAX_CREW_NOTES) break;
    kept.push(line);
    length = next;
  }
  return { text: kept.join('\n'), leftOut: lines.length - kept.length };
}

/** On the change form of a booking made before "Notes for crew": where its crew notes came from. */
function legacyCrewNotesContext(p: { text: string; leftOut: number }): string | undefined {
  if (p.text === '' && p.leftOut === 0) return undefined;
  const leftOut = p.leftOut > 0 ? ` ${p.leftOut} line${p.leftOut === 1 ? '' : 's'} did not fit the field's ${MAX_CREW_NOTES.toLocaleString('en-US')} characters; crew will no longer see ${p.leftOut === 1 ? 'it' : 'them'}.` : '';
  return `:information_source: This booking was made before *Notes for crew*: its crew see the internal notes without the lines that state an amount. Those lines are in *Notes for crew* below — check them. Once this change is approved, crew see only that field.${leftOut}`;
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
  const prefill = opts.prefill ? prefillValues(opts.prefill, opts.capacity) : undefined;
  const r = opts.initial;
  // A change form shows the booking as it is; a prefill only what its source gave; otherwise the usual starting values.
  const v: Partial<Record<BookingField, string>> = r ? requestValues(r) : (prefill?.initial ?? { ...(today ? { date: today } : {}), departureTime: '10:00', durationHours: '4' });
  const initialValue = (field: BookingField) => (v[field] !== undefined ? { initial_value: v[field] } : {});
  /**
   * A typed field's max_length (the schema's limit, counted alike) and initial value. A booking stored
   * before the two counted alike may hold a longer value (60 emoji in a 100-character name): the
   * input then takes its length, so the form still opens, and the schema asks for it shorter on submit.
   */
  const typed = (field: keyof typeof TEXT_FIELD_MAX & BookingField) => {
    const value = v[field];
    const max = Math.max(TEXT_FIELD_MAX[field], Math.min(textLength(value ?? ''), LIMITS.plainTextInputLength));
    return { max_length: max, ...(value !== undefined ? { initial_value: textLength(value) > max ? sliceWhole(value, max) : value } : {}) };
  };
  const legacyNote = r && predatesCrewNotes(r) ? legacyCrewNotesContext(crewNotesPrefill(r)) : undefined;
  const blocks: KnownBlock[] = [
    ...(opts.prefill && prefill ? [{ type: 'context', block_id: 'intake', elements: [{ type: 'mrkdwn', text: prefillContext(opts.prefill, prefill) }] } satisfies KnownBlock] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Times are in *${zone}*. Costs are worked out from the price and hours; you approve them in the next step.` }] },
    input('guestName', 'Guest name', { type: 'plain_text_input', action_id: 'guestName', placeholder: { type: 'plain_text', text: 'Maria Delgado' }, ...typed('guestName') }),
    input('guestEmail', 'Guest email', { type: 'email_text_input', action_id: 'guestEmail', placeholder: { type: 'plain_text', text: 'guest@example.com' }, ...initialValue('guestEmail') }),
    input('guestPhone', 'Guest phone', { type: 'plain_text_input', action_id: 'guestPhone', ...typed('guestPhone') }, { optional: true }),
    input('date', 'Charter date', { type: 'datepicker', action_id: 'date', ...(v.date ? { initial_date: v.date } : {}) }),
    input('departureTime', 'Departure time', { type: 'timepicker', action_id: 'departureTime', ...(v.departureTime ? { initial_time: v.departureTime } : {}) }, { hint: `In ${zone}.` }),
    input('durationHours', 'Duration (hours)', { type: 'number_input', action_id: 'durationHours', is_decimal_allowed: true, min_value: '0.5', max_value: '12', ...initialValue('durationHours') }, { hint: 'Half-hour steps, e.g. 4 or 4.5.' }),
    input('partySize', 'Party size', { type: 'number_input', action_id: 'partySize', is_decimal_allowed: false, min_value: '1', max_value: String(opts.capacity), ...initialValue('partySize') }, { hint: `Guests aboard, at most ${opts.capacity}.` }),
    input('priceCents', 'Charter price (USD)', { type: 'number_input', action_id: 'priceCents', is_decimal_allowed: true, min_value: '1', max_value: '100000', ...initialValue('priceCents') }, { hint: 'What the guest pays for the charter (gross).' }),
    input('captain', 'Captain', { type: 'users_select', action_id: 'captain', placeholder: { type: 'plain_text', text: 'Pick the captain' }, ...(r ? { initial_user: r.captain } : {}) }),
    input('crew', 'Crew', { type: 'multi_users_select', action_id: 'crew', max_selected_items: 10, placeholder: { type: 'plain_text', text: 'Pick the deckhands' }, ...(r && r.crew.length > 0 ? { initial_users: r.crew } : {}) }, { optional: true }),
    input('crewHours', 'Crew hours (each)', { type: 'number_input', action_id: 'crewHours', is_decimal_allowed: true, min_value: '0', max_value: '24', ...initialValue('crewHours') }, { optional: true, hint: 'Paid hours per deckhand; blank = the duration.' }),
    input('captainHours', 'Captain hours', { type: 'number_input', action_id: 'captainHours', is_decimal_allowed: true, min_value: '0', max_value: '24', ...initialValue('captainHours') }, { optional: true, hint: 'Paid captain hours; blank = the duration.' }),
    input('platform', 'Booking platform', { type: 'plain_text_input', action_id: 'platform', placeholder: { type: 'plain_text', text: 'Boatsetter, GetMyBoat, …' }, ...typed('platform') }, { optional: true }),
    input('platformRef', 'Platform booking reference', { type: 'plain_text_input', action_id: 'platformRef', ...typed('platformRef') }, { optional: true, hint: 'A second booking with the same reference is flagged.' }),
    input('notes', 'Internal notes', { type: 'plain_text_input', action_id: 'notes', multiline: true, ...typed('notes') }, { optional: true, hint: 'Office only: the approval message and the internal calendar entry. Crew and guests never see them.' }),
    ...(legacyNote ? [{ type: 'context', block_id: 'crewNotesLegacy', elements: [{ type: 'mrkdwn', text: legacyNote }] } satisfies KnownBlock] : []),
    input('crewNotes', 'Notes for crew', { type: 'plain_text_input', action_id: 'crewNotes', multiline: true, ...typed('crewNotes') }, { optional: true, hint: 'The captain and crew see these in their crew post and the SCC event. No prices, pay or splits.' }),
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
    if (parsed && typeof parsed === 'object' && typeof (parsed as ModalMetadata).channel === 'string') {
      const notice = noticeRefOf((parsed as ModalMetadata).notice);
      return { channel: (parsed as ModalMetadata).channel, ...(notice ? { notice } : {}) };
    }
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
