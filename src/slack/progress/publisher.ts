/**
 * Keeps one progress message per booking in the approval thread, updated in place. Step events
 * arrive in bursts (six steps, retries, a hundred bookings at once), so updates are coalesced: at
 * most one chat.update per booking per `minIntervalMs`, except the final one, which goes at once.
 * Across bookings, non-final sends also share one workspace-wide spacing (`workspaceMinGapMs`,
 * default 1.2 s ≈ Slack's Tier 3 of 50 chat.update a minute): a burst of a hundred approvals makes
 * intermediate updates wait their turn — and coalesce while they wait, since each message is rendered
 * from the store when its slot comes — instead of drawing 429s. A final update skips the queue (it
 * is the one the operator is waiting for) and wakes any waiting send of its booking.
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
  /** Least gap between any two non-final sends, across all bookings (default 1200 ms). */
  workspaceMinGapMs?: number;
  maxRateLimitRetries?: number;
  /** First pause after a failed send (timeout, 5xx); doubles per failure up to 30 s (default 1000 ms). */
  failureBackoffMs?: number;
  /** Failed sends in a row before the update is given up on (default 8: about 2 minutes). */
  maxSendFailures?: number;
}

interface Entry {
  dirty: boolean;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  lastSentAtMs: number;
  /** A final update is due: skip the workspace spacing. */
  final: boolean;
  /** Ends a wait for a workspace slot early (a final update arrived). */
  wake?: () => void;
  /** Sends that failed in a row (Slack timed out or erred); reset by a send that lands. */
  failures: number;
}

export function isFinalEvent(event: ProgressEvent): boolean {
  return event.type === 'booking_done' || event.type === 'booking_failed';
}

export class ProgressPublisher {
  /** Messages posted and updated, for tests and the benchmark. */
  readonly stats = { posts: 0, updates: 0, rateLimited: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly minIntervalMs: number;
  private readonly workspaceMinGapMs: number;
  /** When the next non-final send may go, workspace-wide. */
  private nextSlotAtMs = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly opts: ProgressPublisherOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.workspaceMinGapMs = opts.workspaceMinGapMs ?? 1200;
    this.now = opts.now ?? Date.now;
  }

  /** Marks the booking's message stale; it is rendered from the store when its turn comes. */
  notify(bookingId: string, opts: { final?: boolean } = {}): void {
    if (this.stopped) return;
    const entry = this.entry(bookingId);
    entry.dirty = true;
    if (opts.final) {
      entry.final = true;
      entry.wake?.();
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
      e.wake?.();
    }
  }

  private entry(bookingId: string): Entry {
    let entry = this.entries.get(bookingId);
    if (!entry) {
      entry = { dirty: false, chain: Promise.resolve(), lastSentAtMs: Number.NEGATIVE_INFINITY, final: false, failures: 0 };
      this.entries.set(bookingId, entry);
    }
    return entry;
  }

  private enqueue(bookingId: string, entry: Entry): void {
    entry.chain = entry.chain
      .then(() => this.send(bookingId, entry))
      .catch((err: unknown) => this.opts.log.child({ bookingId }).warn({ err }, 'progress message not updated'));
  }

  /**
   * Waits until no non-final send has gone out for `workspaceMinGapMs`, then takes the slot. A slot
   * is taken only when a send goes (not reserved ahead), so a wait cut short by a final update
   * leaves nothing behind; JavaScript's single thread makes the check-and-take atomic.
   */
  private async workspaceSlot(entry: Entry): Promise<void> {
    while (!entry.final && !this.stopped) {
      const waitMs = this.nextSlotAtMs - this.now();
      if (waitMs <= 0) {
        this.nextSlotAtMs = this.now() + this.workspaceMinGapMs;
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        entry.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      entry.wake = undefined;
    }
  }

  private async send(bookingId: string, entry: Entry): Promise<void> {
    if (!entry.dirty || this.stopped) return;
    await this.workspaceSlot(entry);
    if (!entry.dirty || this.stopped) return;
    entry.dirty = false;
    // This send renders the latest state, final included; later events (a Retry) queue again.
    const wasFinal = entry.final;
    entry.final = false;
    entry.lastSentAtMs = this.now();
    try {
      await this.render(bookingId);
      entry.failures = 0;
    } catch (err) {
      this.retryLater(bookingId, entry, wasFinal);
      throw err;
    }
  }

  /**
   * A send that failed (Slack timed out, 5xx) is not dropped: the thread would keep showing
   * "running" for a booking that is done or failed, with no Retry button. The update stays due
   * (final included) and is tried again with backoff, for about two minutes.
   */
  private retryLater(bookingId: string, entry: Entry, wasFinal: boolean): void {
    if (this.stopped) return;
    entry.failures += 1;
    if (entry.failures > (this.opts.maxSendFailures ?? 8)) {
      this.opts.log.child({ bookingId }).error({ failures: entry.failures - 1 }, 'progress message could not be updated; giving up until the next change');
      entry.failures = 0;
      return;
    }
    entry.dirty = true;
    entry.final ||= wasFinal;
    const delayMs = Math.min(30_000, (this.opts.failureBackoffMs ?? 1000) * 2 ** (entry.failures - 1));
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.enqueue(bookingId, entry);
    }, delayMs);
    entry.timer.unref();
  }

  private async render(bookingId: string): Promise<void> {
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
