/**
 * Keeps one progress message per booking in the approval thread, updated in place. Step events
 * arrive in bursts (six steps, retries, a hundred bookings at once), so updates are coalesced: at
 * most one chat.update per booking per `minIntervalMs`, except the final one, which goes at once.
 * A 429 is retried after the Retry-After Slack sends.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../log';
import type { BookingApi, ProgressEvent } from '../../pipeline/api';
import type { BookingRecord } from '../../pipeline/types';
import type { SlackMessage } from '../blocks/approval';
import { bookingMetadata } from '../booking-ref';
import { isRateLimited } from '../slack-errors';

export interface ProgressPublisherOptions {
  client: WebClient;
  api: BookingApi;
  log: Logger;
  render: (booking: BookingRecord) => SlackMessage;
  now?: () => number;
  minIntervalMs?: number;
  maxRateLimitRetries?: number;
}

interface Entry {
  dirty: boolean;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  lastSentAtMs: number;
}

export function isFinalEvent(event: ProgressEvent): boolean {
  return event.type === 'booking_done' || event.type === 'booking_failed';
}

export class ProgressPublisher {
  /** Messages posted and updated, for tests and the benchmark. */
  readonly stats = { posts: 0, updates: 0, rateLimited: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: ProgressPublisherOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Marks the booking's message stale; it is rendered from the store when its turn comes. */
  notify(bookingId: string, opts: { final?: boolean } = {}): void {
    if (this.stopped) return;
    const entry = this.entry(bookingId);
    entry.dirty = true;
    if (opts.final) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      this.enqueue(bookingId, entry);
      return;
    }
    if (entry.timer) return;
    const delay = Math.max(0, entry.lastSentAtMs + this.minIntervalMs - this.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.enqueue(bookingId, entry);
    }, delay);
  }

  /** Resolves when no update is scheduled or in flight. */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.entries.values()].map((e) => e.chain));
      if ([...this.entries.values()].every((e) => !e.timer && !e.dirty)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) {
      if (e.timer) clearTimeout(e.timer);
      e.timer = undefined;
      e.dirty = false;
    }
  }

  private entry(bookingId: string): Entry {
    let entry = this.entries.get(bookingId);
    if (!entry) {
      entry = { dirty: false, chain: Promise.resolve(), lastSentAtMs: Number.NEGATIVE_INFINITY };
      this.entries.set(bookingId, entry);
    }
    return entry;
  }

  private enqueue(bookingId: string, entry: Entry): void {
    entry.chain = entry.chain
      .then(() => this.send(bookingId, entry))
      .catch((err: unknown) => this.opts.log.child({ bookingId }).warn({ err }, 'progress message not updated'));
  }

  private async send(bookingId: string, entry: Entry): Promise<void> {
    if (!entry.dirty || this.stopped) return;
    entry.dirty = false;
    entry.lastSentAtMs = this.now();
    const booking = await this.opts.api.get(bookingId);
    if (!booking) return;
    const message = this.opts.render(booking);
    const { channel, approvalTs, progressTs } = booking.slack;
    if (progressTs) {
      await this.withRateLimit(() => this.opts.client.chat.update({ channel, ts: progressTs, text: message.text, blocks: message.blocks }));
      this.stats.updates += 1;
      return;
    }
    const posted = await this.withRateLimit(() =>
      this.opts.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: bookingMetadata(bookingId), ...(approvalTs ? { thread_ts: approvalTs } : {}) }),
    );
    this.stats.posts += 1;
    if (posted.ts) await this.opts.api.setSlackRefs(bookingId, { progressTs: posted.ts });
  }

  private async withRateLimit<T>(call: () => Promise<T>): Promise<T> {
    const maxRetries = this.opts.maxRateLimitRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isRateLimited(err) || attempt >= maxRetries || this.stopped) throw err;
        this.stats.rateLimited += 1;
        await new Promise((r) => setTimeout(r, Math.max(1, err.retryAfter) * 1000));
      }
    }
  }
}
