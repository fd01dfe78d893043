/** `/charter status ID` and `/charter help` replies (ephemeral). Money appears only for approvers. */
import { formatCents } from '../../booking/money';
import { STEP_NAMES, type BookingRecord } from '../../pipeline/types';
import { costLines } from './approval';
import { escapeMrkdwn } from './format';
import { operationsLines } from './lifecycle';
import { operationsSection, stepLine } from './progress';

export function statusText(booking: BookingRecord, opts: { guestUrl: string; showMoney: boolean; timezone?: string }): string {
  const lines = [`*Booking \`${booking.id}\`* — ${escapeMrkdwn(booking.request.guestName)}, ${booking.request.date} ${booking.request.departureTime} · state *${booking.state.replace('_', ' ')}*`, ...STEP_NAMES.map((s) => stepLine(booking, s))];
  if (booking.steps.guest_cache.status === 'done') lines.push(`Guest page: ${opts.guestUrl}`);
  const followUps = operationsSection(booking);
  if (followUps) lines.push(followUps);
  lines.push(`*Operations* (times in ${opts.timezone ?? 'America/Los_Angeles'})`, ...operationsLines(booking, opts.timezone ?? 'America/Los_Angeles'));
  if (opts.showMoney) lines.push(`Net ${formatCents(booking.costs.netCents)}\n\`\`\`\n${costLines(booking.costs).join('\n')}\n\`\`\``);
  return lines.join('\n');
}

export const HELP_TEXT = [
  '*/charter* — open the booking form (approval message with costs goes to the ops channel)',
  '*/charter status ID* — where a booking stands: each step and the guest page',
  '*/charter refresh ID* — re-render the guest page and clear its cache (approvers)',
  '*/charter edit ID* · */charter reschedule ID* — propose a change (anyone); approvers approve it in the thread',
  '*/charter cancel ID* — cancel a charter, undoing the calendar entry, SCC event, guest page and crew post (approvers)',
  '*/charter doctor* — check every connection and credential, with how to fix each (approvers)',
  '*/charter help* — this message',
].join('\n');
