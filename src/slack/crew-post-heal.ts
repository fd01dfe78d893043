/**
 * A crew post a click showed to be behind the booking, drawn again with the call it was last drawn
 * with (callShownOn: the booking as it stands unless a failed change is ahead of its crew step) and
 * the answers as they stand. Only a saved crew post is redrawn: a reminder's buttons sit on a
 * message no redraw owns.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../log';
import { cancelOperation } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import { callShownOn } from './crew-call-shown';
import { cancelledCrewMessage } from './crew-cancelled';
import { crewMessageFor, crewPostsOf } from './crew-notice';

export async function redrawClickedPost(client: WebClient, booking: BookingRecord, config: Config, log: Logger, click: { channel?: string; ts?: string }): Promise<void> {
  const post = crewPostsOf(booking, undefined, { offRoster: true }).find((p) => p.channel === click.channel && p.ts === click.ts);
  if (!post) return;
  // Not the booking as it stands: a change that failed before its crew step made its details the
  // booking's, and drawing them put a member it added on the post, buttons and all, before the office
  // had called them (callReached stays false, so their click was refused). The call the post was last
  // drawn with (its saved digest) is what the crew were shown; the crew step draws the rest.
  const message = booking.state === 'cancelled' || cancelOperation(booking) ? cancelledCrewMessage(booking, config, post) : crewMessageFor(callShownOn(booking, config, post), config, post.key);
  try {
    await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
  } catch (err) {
    log.warn({ err, bookingId: booking.id, channel: post.channel }, 'could not redraw a crew post a refused click showed to be behind');
  }
}
