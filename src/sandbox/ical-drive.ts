/**
 * `npm run sandbox -- --ical`: a booking the bot learns from a platform's iCal feed. The feed
 * stand-in gets a new Boatsetter event; one poll of the watcher posts "New Boatsetter booking … [Create
 * charter]"; the click opens the booking modal prefilled from the event; the operator adds what the
 * feed cannot know (captain, crew, price) and submits; Approve; the pipeline runs to done.
 */
import { DateTime } from 'luxon';
import type { Sandbox } from './driver';
import { APPROVER, CAPTAIN, CREW, OPS_CHANNEL, SandboxError, until } from './driver';
import type { IcalFeedStandin } from './ical-feed-standin';
import { blockActionPayload, bookingModalState, SlackRequester, viewSubmissionPayload } from './slack-requests';

export const SANDBOX_FEED = 'Boatsetter';

type ViewBlock = { block_id?: string; element?: { initial_value?: string; initial_date?: string; initial_time?: string } };

/** The values a prefilled modal shows, as the operator would submit them untouched. */
function prefilledValues(view: { blocks?: ViewBlock[] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of view.blocks ?? []) {
    const v = b.element?.initial_value ?? b.element?.initial_date ?? b.element?.initial_time;
    if (b.block_id && v !== undefined) out[b.block_id] = v;
  }
  return out;
}

export interface IcalDriveResult {
  bookingId: string;
  state: string;
}

export async function driveIcalBooking(sb: Sandbox, feed: IcalFeedStandin, write: (text: string) => void): Promise<IcalDriveResult> {
  const slack = sb.slack;
  if (!slack || !sb.running.url) throw new SandboxError('the iCal run needs the local Slack stand-in and the HTTP receiver');
  const requester = new SlackRequester({ url: sb.running.url, signingSecret: sb.signingSecret });
  const step = (text: string) => write(`\n▶ ${text}\n`);
  const tz = sb.config.timezone;
  const start = DateTime.now().setZone(tz).startOf('day').plus({ weeks: 4 }).set({ hour: 10 });

  step(`Boatsetter's calendar export gains a booking (${start.toFormat('ccc, LLL d')}, 10:00 AM – 3:00 PM); the watcher polls`);
  feed.setEvents('boatsetter', [
    {
      uid: 'bs-77001@boatsetter.com',
      start: start.toJSDate(),
      end: start.plus({ hours: 5 }).toJSDate(),
      summary: 'Boatsetter booking — James Park',
      description: 'Booking ID: BS-77001\nRenter: James Park\nEmail: jpark@example.org\nPassengers: 4',
    },
  ]);
  await sb.running.built.periodic.runOnce();
  const notice = await until('the new-booking notice', 5000, async () => slack.callsTo('chat.postMessage').find((c) => String(c.body.text).startsWith('New Boatsetter booking')));
  const blocks = (typeof notice.body.blocks === 'string' ? JSON.parse(notice.body.blocks) : notice.body.blocks) as { elements?: { action_id?: string; value?: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'ical_create_charter');
  if (!button?.value) throw new SandboxError('the notice has no [Create charter] button');

  step('[Create charter], clicked by Olivia Approver');
  const before = slack.callsTo('views.open').length;
  await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_create_charter', value: button.value, channelId: OPS_CHANNEL, messageTs: String(notice.response?.ts ?? ''), messageText: String(notice.body.text ?? ''), messageBlocks: blocks }));
  await until('the prefilled modal', 5000, async () => (slack.callsTo('views.open').length > before ? true : undefined));
  const raw = slack.callsTo('views.open').at(-1)?.body.view;
  const view = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { blocks?: ViewBlock[]; private_metadata?: string };
  const prefilled = prefilledValues(view);
  write(`  modal prefilled from the feed: ${Object.entries(prefilled).map(([k, v]) => `${k}=${v}`).join(', ')}\n`);

  step('add what the feed cannot know (captain, crew, price $950) and submit');
  const approvalsBefore = slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.body.blocks ?? []).includes('booking_approve')).length;
  const submitted = await requester.interact(
    viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...prefilled, captain: CAPTAIN, crew: [...CREW], priceCents: '950' }), privateMetadata: view.private_metadata ?? '' }),
  );
  if (submitted.text) throw new SandboxError(`the modal refused the prefilled booking: ${submitted.text}`);
  const approval = await until('the approval message', 5000, async () => slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.body.blocks ?? []).includes('booking_approve'))[approvalsBefore]);
  const bookingId = (approval.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id;
  if (!bookingId) throw new SandboxError('the approval message carries no booking id');
  const api = sb.running.built.api;
  const approvalTs = await until('the approval message to be saved', 5000, async () => (await api.get(bookingId))?.slack.approvalTs);
  const noticeTs = String(notice.response?.ts ?? '');
  const redrawn = await until('the notice redrawn without its button', 5000, async () => slack.callsTo('chat.update').find((c) => c.body.ts === noticeTs));
  // The printer shows only the lines the update changed; the event's summary must be among those kept.
  const shown = typeof redrawn.body.blocks === 'string' ? redrawn.body.blocks : JSON.stringify(redrawn.body.blocks ?? []);
  if (!shown.includes('Boatsetter booking — James Park') || shown.includes('ical_create_charter')) throw new SandboxError(`the redrawn notice lost its summary or kept its button: ${shown}`);

  step('Approve, clicked by Olivia Approver');
  await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: bookingId, channelId: OPS_CHANNEL, messageTs: approvalTs }));
  const finished = await until('the pipeline to finish', 30_000, async () => {
    const b = await api.get(bookingId);
    return b && (b.state === 'done' || b.state === 'failed') ? b : undefined;
  });
  await sb.running.built.service.idle();
  await sb.running.built.progress.idle();

  // The next poll sees the event covered by the new charter: no second notice.
  await sb.running.built.periodic.runOnce();
  const notices = slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('New Boatsetter booking')).length;
  write(`\n${SANDBOX_FEED} booking BS-77001 → charter ${bookingId}: ${finished.state} (${finished.request.platform ?? '?'} ${finished.request.platformRef ?? '?'}); new-booking notices posted: ${notices}\n`);
  if (finished.state !== 'done') throw new SandboxError(`the iCal booking ${bookingId} ended ${finished.state}`);
  if (notices !== 1) throw new SandboxError(`expected one new-booking notice, saw ${notices}`);
  return { bookingId, state: finished.state };
}

