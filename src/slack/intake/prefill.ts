/**
 * Opening the booking modal prefilled from text (a pasted confirmation, a forwarded message). The
 * parse is pure and takes a millisecond; views.open is the first outside call, because the
 * trigger id expires 3 s after the click or command (openBookingForm).
 */
import type { WebClient } from '@slack/web-api';
import { parseConfirmation } from '../../booking/intake/parse-confirmation';
import { bookingModal, type NoticeRef, type Prefill } from '../blocks/modal';
import { openBookingForm } from '../approval-channel';
import type { SlackDeps } from '../context';

export function prefillFromText(deps: Pick<SlackDeps, 'config' | 'now'>, text: string, source: string): Prefill {
  const parsed = parseConfirmation(text, { timezone: deps.config.timezone, nowMs: deps.now() });
  return { fields: parsed.fields, missing: parsed.missing, ...(parsed.unsure ? { unsure: parsed.unsure } : {}), source };
}

export async function openPrefilledModal(
  deps: Pick<SlackDeps, 'config' | 'now' | 'log'>,
  client: WebClient,
  p: { triggerId: string; channel: string; userId: string; prefill: Prefill; notice?: NoticeRef; kept: string },
): Promise<void> {
  await openBookingForm(deps, client, {
    triggerId: p.triggerId,
    channel: p.channel,
    userId: p.userId,
    kept: p.kept,
    view: bookingModal({ timezone: deps.config.timezone, capacity: deps.config.operator.capacity, origin: { channel: p.channel, ...(p.notice ? { notice: p.notice } : {}) }, nowMs: deps.now(), prefill: p.prefill }),
  });
}

/** The text of a Slack message as a person sees it: its text plus attachment (forwarded mail) text. */
export function messageText(message: unknown): string {
  if (message === null || typeof message !== 'object') return '';
  const m = message as { text?: unknown; attachments?: unknown };
  const parts: string[] = [typeof m.text === 'string' ? m.text : ''];
  for (const a of Array.isArray(m.attachments) ? m.attachments : []) {
    if (a === null || typeof a !== 'object') continue;
    const att = a as Record<string, unknown>;
    for (const key of ['pretext', 'title', 'text', 'fallback'] as const) {
      const v = att[key];
      if (typeof v === 'string' && v.trim() !== '' && !parts.includes(v)) parts.push(v);
    }
  }
  return parts.filter(Boolean).join('\n\n');
}
