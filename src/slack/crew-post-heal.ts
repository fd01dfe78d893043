/**
 * A crew post a click showed to be behind the booking, drawn as the booking shows it now. Only a
 * saved crew post is redrawn: a reminder's buttons sit on a message no redraw owns.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../log';
import { cancelOperation } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import { cancelledCrewMessage } from './crew-cancelled';
import { crewMessageFor, crewPostsOf } from './crew-notice';

export async function redrawClickedPost(client: WebClient, booking: BookingRecord, config: Config, log: Logger, click: { channel?: string; ts?: string }): Promise<void> {
  const post = crewPostsOf(booking, undefined, { offRoster: true }).find((p) => p.channel === click.channel && p.ts === click.ts);
  if (!post) return;
  const message = booking.state === 'cancelled' || cancelOperation(booking) ? cancelledCrewMessage(booking, config, post) : crewMessageFor(booking, config, post.key);
  try {
    await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
  } catch (err) {
    log.warn({ err, bookingId: booking.id, channel: post.channel }, 'could not redraw a crew post a refused click showed to be behind');
  }
}
