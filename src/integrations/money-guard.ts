/**
 * The last check before something crew or guests read is published: the guest page and the SCC
 * event are built field by field from money-free sources, but free text (a guest name pasted from
 * a confirmation, an operator setting) can still state an amount. Publishing it cannot be undone
 * (SCC e-mails the crew; the page is public), so the step fails instead, for good: retrying the
 * same text would fail the same way. The message names the field to fix, never the amount.
 */
import { findMoney } from '../booking/money-detector';
import { IntegrationError } from './errors';

/** Where each top-level field of the guest page view or the SCC payload comes from, as something an operator can change. */
const FIELD_SOURCES: Record<string, string> = {
  guestName: 'the guest name',
  guestFirstName: 'the guest name',
  title: 'the guest name or CHARTER_VESSEL_NAME',
  meta: 'CHARTER_VESSEL_NAME or CHARTER_DOCK_ADDRESS',
  description: "the guest name, the booking's notes for crew, CHARTER_VESSEL_NAME or CHARTER_DOCK_ADDRESS",
  captainFirstName: "the captain's Slack display name",
  roster: "a crew member's Slack display name",
  operatorName: 'CHARTER_OPERATOR_NAME',
  vesselName: 'CHARTER_VESSEL_NAME',
  vessel: 'CHARTER_VESSEL_NAME',
  dock: 'CHARTER_DOCK_ADDRESS or CHARTER_DOCK_MAP_URL',
  whatToBring: 'CHARTER_WHAT_TO_BRING',
  checklist: 'CHARTER_CHECKLIST',
  safetyBriefing: 'CHARTER_SAFETY_BRIEFING',
  emergency: 'CHARTER_EMERGENCY_PHONE',
  weatherNote: 'CHARTER_WEATHER_NOTE',
};

/** "$.checklist[1].text" → "checklist". */
const topField = (path: string) => /^\$\.([^.[]+)/.exec(path)?.[1] ?? path;

export type MoneyCheckedSurface = 'guest page' | 'SCC event';

/** Throws a non-retryable IntegrationError when `value` carries money; returns it untouched otherwise. */
export function refuseMoney<T>(value: T, surface: MoneyCheckedSurface, bookingId: string): T {
  const findings = findMoney(value);
  if (findings.length === 0) return value;
  const sources = [...new Set(findings.map((f) => FIELD_SOURCES[topField(f.path)] ?? topField(f.path)))];
  const bookingFix = sources.some((s) => s.startsWith('the guest name') || s.includes('notes')) ? ` Fix the booking with \`/charter edit ${bookingId}\`,` : ' Fix it,';
  throw new IntegrationError(`${surface} for ${bookingId} would carry money: ${findings.map((f) => f.path).join(', ')}`, {
    code: surface === 'guest page' ? 'GUEST_PAGE_HAS_MONEY' : 'SCC_EVENT_HAS_MONEY',
    retryable: false,
    system: 'pipeline',
    operatorMessage: `Not published: the ${surface} would show an amount of money from ${sources.join('; ')}. Crew and guests read it.${bookingFix} then Retry.`,
  });
}
