/**
 * How a Slack message names its booking: the bot sets message metadata (event_type
 * charter_booking) and prefixes block ids with `booking:{ID}:`. Shortcut payloads do not always
 * carry metadata, so block ids are the fallback.
 */
import { parseSessionId } from '../booking/session-id';

export const BOOKING_EVENT_TYPE = 'charter_booking';
const BLOCK_PREFIX = /^booking:([0-9A-Za-z]+):/;

export function bookingBlockId(bookingId: string, part: string): string {
  return `booking:${bookingId}:${part}`;
}

export function bookingMetadata(bookingId: string): { event_type: string; event_payload: { booking_id: string } } {
  return { event_type: BOOKING_EVENT_TYPE, event_payload: { booking_id: bookingId } };
}

/**
 * Metadata of a booking's progress message: `post` tells it from the approval message it answers
 * in the thread (which carries bookingMetadata), so a post whose answer was lost can be looked up.
 */
export function progressPostMetadata(bookingId: string): { event_type: string; event_payload: { booking_id: string; post: 'progress' } } {
  return { event_type: BOOKING_EVENT_TYPE, event_payload: { booking_id: bookingId, post: 'progress' } };
}

/** The crew-facing posts made exactly once (src/slack/post-once.ts), by kind. */
export type CrewPostKind = 'crew_call' | 'crew_called' | 'crew_reminder' | 'crew_change_note' | 'crew_cancel_note' | 'crew_off' | 'crew_on';

/**
 * Metadata of a crew-facing post: the booking, the kind of post, the booking revision it was made
 * for and, where one booking has several of a kind, which one (`to`: the recipient; `ordinal`: the
 * reminder). Ids and kinds only — never money: crew, and every app in the workspace, can read it.
 */
export function crewPostMetadata(bookingId: string, post: CrewPostKind, fields: { rev: number; to?: string; ordinal?: string }): { event_type: string; event_payload: Record<string, string | number> } {
  return {
    event_type: BOOKING_EVENT_TYPE,
    event_payload: { booking_id: bookingId, post, rev: fields.rev, ...(fields.to !== undefined ? { to: fields.to } : {}), ...(fields.ordinal !== undefined ? { ordinal: fields.ordinal } : {}) },
  };
}

interface MessageLike {
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
  blocks?: { block_id?: string }[];
}

export function bookingIdFromMessage(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const m = message as MessageLike;
  if (m.metadata?.event_type === BOOKING_EVENT_TYPE) {
    const id = m.metadata.event_payload?.booking_id;
    if (typeof id === 'string' && parseSessionId(id)) return parseSessionId(id);
  }
  for (const block of Array.isArray(m.blocks) ? m.blocks : []) {
    const match = typeof block?.block_id === 'string' ? BLOCK_PREFIX.exec(block.block_id) : null;
    if (match?.[1] && parseSessionId(match[1])) return parseSessionId(match[1]);
  }
  return undefined;
}

/** Bolt parses X-Slack-Retry-Num into context.retryNum; a header value that is not a count is treated as absent. */
export function parseRetryNum(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,3}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
