/**
 * Keeps one progress message per booking in the approval thread, updated in place. Step events
 * arrive in bursts (six steps, retries, a hundred bookings at once), so cosmetic updates (a step
 * started, a step done) are coalesced: at most one chat.update per booking per `minIntervalMs`, and
 * across bookings they draw from one token bucket per workspace (`workspaceBurst` sends at once, then
 * one per `workspaceRefillMs`, default 1.2 s ≈ Slack's Tier 3 of 50 chat.update a minute with short
 * bursts tolerated): in a burst of approvals they wait their turn — and coalesce while they wait,
 * since each message is rendered from the newest record when its turn comes — instead of drawing 429s.
 * That record is the one the runner's event came with when the newest change was a step's (no read:
 * the runner's write is the booking as stored); it is read from the store after any other change,
 * and before the message is first posted, unless that record shows this process's own live claim.
 * Milestones go at once, skipping both waits and waking any waiting send of their booking: the guest
 * page is live (guest_cache done: DESIGN wants the guest URL in the thread then, not with the last
 * update), a step failed for good, the booking is done or failed. They still take a token (the
 * bucket may go into debt), so the cosmetic updates behind them make room.
 * Redraws asked at start (./redraw-at-start.ts) come last: one takes a token only while no other
 * update waits for one, so a booking someone is watching is not held behind a backlog of finished
 * ones; they use what the bucket leaves, and a 429 paces them as it does any send.
 * A 429 is retried after the Retry-After Slack sends (plus jitter), for up to `rateLimitBudgetMs`,
 * the sends turned away in one channel coming back one at a time (./retry-line.ts); any other
 * failed send stays due (a milestone stays one) and is retried with backoff, then, once Slack has
 * failed for minutes, every `slowRetryMs` until it lands: nothing is given up for good — but for
 * the minute tick's redraws on Lambda, one try each, since the tick asks again. What Slack refuses
 * until someone acts (an archived channel, a revoked token) is logged once and left for the
 * booking's next change (on Lambda, also the tick's hourly try); a message someone deleted is posted anew.
 * Only one process posts the message (./post-claim.ts): the one that approved claims it in the
 * approval's own write; another that finds it claimed waits for the stored progressTs and updates.
 * The post itself goes through PostOnce (../post-once.ts): a post whose answer was lost may have
 * landed, so it is looked up by its metadata before it is sent again — after a lost answer, and
 * whenever a claim is taken over from an earlier holder, who may have posted before it stopped.
 */
import type { WebClient } from '@slack/web-api';
import { settleWithin } from '../../deadline';
import { IntegrationError, UpstreamUnavailableError } from '../../integrations/errors';
import type { Logger } from '../../log';
import type { BookingApi, ProgressEvent } from '../../pipeline/api';
import { backoffDelayMs } from '../../pipeline/backoff';
import type { BookingRecord } from '../../pipeline/types';
import type { SlackMessage } from '../blocks/approval';
import { withApprovalDm } from '../approval-dm';
import { progressPostMetadata } from '../booking-ref';
import { PostOnce, type PostOnceResult } from '../post-once';
import { slackPlatformError, slackRefusal, slackRetryAfterMs } from '../slack-errors';
import { onlyProgressRefsChanged, RESTING_STATES, TICK_FAILURES_BEFORE_HOURLY, worthMarking } from './drawn-mark';
import { claimProgressPost, type PostClaimRule, progressPostClaim } from './post-claim';
import { RetryLine } from './retry-line';
import { TokenBucket } from './token-bucket';

export interface ProgressPublisherOptions {
  /** This process in the progress message's post claim (the runner's owner id). */
  ownerId: string;
  /** From the WebClient's deadline and retries (the composition root derives it). */
  postClaim: PostClaimRule;
  client: WebClient;
  /** Posts the message (default: a PostOnce over `client`, which must then not retry by itself). */
  poster?: PostOnce;
  api: BookingApi;
  log: Logger;
  render: (booking: BookingRecord) => SlackMessage;
  now?: () => number;
  minIntervalMs?: number;
  /** Cosmetic sends the workspace may make at once (default 5). */
  workspaceBurst?: number;
  /** One more cosmetic send per this many ms, workspace-wide (default 1200 ms = 50 a minute). */
  workspaceRefillMs?: number;
  /**
   * How long one send keeps waiting out Slack's 429s before it counts as a failed send (default
   * 10 minutes). A burst of approvals shares the ops channel's one post a second; a count of
   * retries would give a progress message up while its turn was still coming.
   */
  rateLimitBudgetMs?: number;
  /** Random pause added to each Retry-After, so sends turned away together do not return together (default up to 1000 ms). */
  rateLimitJitterMs?: number;
  /** First pause after a failed send (timeout, 5xx); doubles per failure up to 30 s (default 1000 ms). */
  failureBackoffMs?: number;
  /** Failed sends in a row retried with backoff (default 8: about 2 minutes); after them, one try every `slowRetryMs`. */
  maxSendFailures?: number;
  /** The pause between tries once `maxSendFailures` have failed in a row (default 60 s). */
  slowRetryMs?: number;
  /**
   * On Lambda: stores that a finished booking's message was drawn from (or refused for good at)
   * this version of its record, so the one-minute tick can tell a lost update (./drawn-mark.ts).
   * `unmarked`: a newer draw's mark was taken back, as this draw may have landed over it.
   */
  markDrawn?: (drawn: BookingRecord) => Promise<'marked' | 'unmarked' | 'none'>;
  /**
   * On Lambda: stores that a finished booking's draw failed — refused by Slack until someone acts,
   * or a redraw asked `once` (the minute tick's) that failed — so the tick tries it only hourly
   * once refused or failed TICK_FAILURES_BEFORE_HOURLY times (./drawn-mark.ts). Returns what it stored.
   */
  markUndrawn?: (bookingId: string, failure: { code: string; refused: boolean }) => Promise<{ ticks: number } | undefined>;
}

interface Entry {
  dirty: boolean;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  lastSentAtMs: number;
  /** A milestone is due: skip the coalescing window and the workspace bucket. */
  milestone: boolean;
  /** A redraw asked at start, and nothing newer since: waits while any other update waits. */
  atStart: boolean;
  /** A redraw someone will ask for again (the minute tick), and nothing newer since: one try, no backoff. */
  once: boolean;
  /** Ends a wait for a workspace token early (a milestone arrived, or a redraw became a live update). */
  wake?: () => void;
  /** Sends that failed in a row (Slack timed out or erred); reset by a send that lands. */
  failures: number;
  /** Past maxSendFailures: tried every slowRetryMs, and not waited for by idle(). */
  slow: boolean;
  /** The record the newest change came with; undefined = read the store at the next send. */
  record?: BookingRecord;
  /** The progress message this process posted, until the records carry it. */
  progressTs?: string;
  /**
   * Posted, and not yet stored (the store failed right after the post): the save is retried with
   * the next send, and the entry is kept until it is stored — this is the only copy of the ts.
   */
  unsavedTs?: string;
  /** A post of this process may have landed unseen (its outcome was unknown): look it up before posting. */
  mayHavePosted?: boolean;
  /** Sends queued or under way. */
  queued: number;
  /** The record whose rendering the send under way put to Slack (the mark's version, ./drawn-mark.ts). */
  drawing?: BookingRecord;
}

export function isFinalEvent(event: ProgressEvent): boolean {
  return event.type === 'booking_done' || event.type === 'booking_failed';
}

/** What the operator is waiting for: sent at once. Everything else is cosmetic and coalesced. */
export function isMilestoneEvent(event: ProgressEvent): boolean {
  if (isFinalEvent(event)) return true;
  if (event.type === 'step_done') return event.step === 'guest_cache';
  if (event.type === 'step_failed') return !event.willRetry;
  return false;
}

/** How often a process waiting for another's first post looks for its progressTs. */
const CLAIM_RECHECK_MS = 500;

export class ProgressPublisher {
  /** Messages posted and updated, for tests and the benchmark; `claimWaits`: sends put off for another process's first post. */
  readonly stats = { posts: 0, updates: 0, rateLimited: 0, claimWaits: 0 };
  readonly ownerId: string;
  private readonly entries = new Map<string, Entry>();
  private readonly minIntervalMs: number;
  /** The workspace's cosmetic sends (the bot serves one workspace per process). */
  private readonly workspace: TokenBucket;
  private readonly workspaceRefillMs: number;
  /** Entries other than redraws now waiting for a workspace token; redraws wait while there are any. */
  private readonly othersWaiting = new Set<Entry>();
  private readonly retryLine: RetryLine;
  private readonly now: () => number;
  private readonly poster: PostOnce;
  private stopped = false;
  /** Refusals for good already logged ("channel:code"), until a send to that channel lands again. */
  private readonly refusalsLogged = new Set<string>();

  constructor(private readonly opts: ProgressPublisherOptions) {
    this.ownerId = opts.ownerId;
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.poster = opts.poster ?? new PostOnce({ client: opts.client });
    this.retryLine = new RetryLine(this.now);
    this.workspaceRefillMs = opts.workspaceRefillMs ?? 1200;
    this.workspace = new TokenBucket({ capacity: opts.workspaceBurst ?? 5, refillEveryMs: this.workspaceRefillMs, now: this.now });
  }

  /** Cosmetic sends the workspace could make right now (negative while milestones' debt is paid off). */
  get workspaceTokens(): number {
    return this.workspace.available;
  }

  /**
   * Marks the booking's message stale; it is rendered when its turn comes, from `record` (the
   * booking as a write just stored it) or, without one, from the store. `milestone` (or `final`,
   * the same) sends it at once; `redraw` (a start-up redraw) sends it after every other update due;
   * `once` (with redraw: the minute tick's, which asks again) tries it once, its failure recorded.
   */
  notify(bookingId: string, opts: { milestone?: boolean; final?: boolean; record?: BookingRecord; redraw?: boolean; once?: boolean } = {}): void {
    if (this.stopped) return;
    const entry = this.entry(bookingId);
    // A change of the booking's own outranks the redraw it joins: the send now shows it.
    if (opts.redraw) {
      if (!entry.dirty) entry.once = opts.once === true;
      entry.atStart ||= !entry.dirty;
    } else {
      entry.once = false;
      if (entry.atStart) {
        entry.atStart = false;
        entry.wake?.();
      }
    }
    entry.dirty = true;
    // A change that came without its record (a crew answer, a Retry) means: read the store.
    if (!opts.record) entry.record = undefined;
    else if (!entry.record || entry.record.version < opts.record.version) entry.record = opts.record;
    if (opts.milestone || opts.final) {
      entry.milestone = true;
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

  /**
   * Resolves when no update is scheduled or in flight, but for those on their slow retry: Slack has
   * failed them for minutes, and a caller that waits (a Lambda invocation, a test) would wait
   * for as long as Slack stays down.
   */
  async idle(): Promise<void> {
    for (;;) {
      const waited = [...this.entries.values()].filter((e) => !e.slow);
      await Promise.all(waited.map((e) => e.chain));
      if (waited.every((e) => e.slow || (!e.timer && !e.dirty))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * A graceful stop, once the runs have ended: what is due is sent for up to `withinMs` (a run's
   * final update among it), then the publisher stops. Bookings whose message was left behind are
   * logged: their thread shows an older state until the booking next changes.
   */
  async drain(withinMs: number): Promise<void> {
    await settleWithin(this.idle(), withinMs, () => undefined, { holdProcess: false });
    const behind = [...this.entries].filter(([, e]) => e.dirty || e.timer !== undefined || e.queued > 0).map(([id]) => id);
    this.stop();
    if (behind.length > 0) this.opts.log.warn({ bookingIds: behind, withinMs }, 'stopped with progress messages not up to date; each is redrawn at its booking\'s next change');
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
      entry = { dirty: false, chain: Promise.resolve(), lastSentAtMs: Number.NEGATIVE_INFINITY, milestone: false, atStart: false, once: false, failures: 0, slow: false, queued: 0 };
      this.entries.set(bookingId, entry);
    }
    return entry;
  }

  private enqueue(bookingId: string, entry: Entry): void {
    entry.queued += 1;
    entry.chain = entry.chain
      .then(() => this.send(bookingId, entry))
      .catch((err: unknown) => this.opts.log.child({ bookingId }).warn({ err }, 'progress message not updated'))
      .finally(() => {
        entry.queued -= 1;
        this.forgetWhenQuiet(bookingId, entry);
      });
  }

  /**
   * A booking whose message is up to date is forgotten once its coalescing window has passed (the
   * window is all its entry still enforces), so a long-running process holds no record per booking
   * it ever ran. A later change starts a new entry, which reads the store.
   */
  private forgetWhenQuiet(bookingId: string, entry: Entry): void {
    const quiet = () => entry.queued === 0 && !entry.dirty && !entry.timer && entry.unsavedTs === undefined;
    if (!quiet()) return;
    setTimeout(() => {
      if (quiet() && this.entries.get(bookingId) === entry) this.entries.delete(bookingId);
    }, Math.max(0, entry.lastSentAtMs + this.minIntervalMs - this.now())).unref();
  }

  /** Bookings whose progress message this process is keeping up to date (tests). */
  get tracked(): number {
    return this.entries.size;
  }

  /**
   * Waits for a workspace token, or takes one in debt for a milestone. A token is taken only when
   * a send goes (not reserved ahead), so a wait cut short by a milestone leaves nothing behind;
   * JavaScript's single thread makes the check-and-take atomic. A redraw does not take one while
   * any other update waits: it looks again a refill later, by when that one has gone.
   */
  private async workspaceToken(entry: Entry): Promise<void> {
    try {
      while (!entry.milestone && !this.stopped) {
        if (entry.atStart) this.othersWaiting.delete(entry);
        else this.othersWaiting.add(entry);
        const waitMs = entry.atStart && this.othersWaiting.size > 0 ? this.workspaceRefillMs : this.workspace.tryTake();
        if (waitMs === 0) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          entry.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        entry.wake = undefined;
      }
    } finally {
      this.othersWaiting.delete(entry);
    }
    if (entry.milestone) this.workspace.force();
  }

  private async send(bookingId: string, entry: Entry): Promise<void> {
    if (!entry.dirty || this.stopped) return;
    await this.workspaceToken(entry);
    if (!entry.dirty || this.stopped) return;
    entry.dirty = false;
    // This send renders the latest state, milestone included; later events (a Retry) queue again.
    const wasMilestone = entry.milestone;
    entry.milestone = false;
    entry.lastSentAtMs = this.now();
    entry.drawing = undefined;
    try {
      const wait = await this.render(bookingId, entry);
      if (!wait) {
        entry.once = false;
        await this.markDrawn(bookingId, entry);
      }
      entry.failures = 0;
      entry.slow = false;
      const channel = entry.record?.slack.channel ?? '?';
      if (!wait) for (const key of this.refusalsLogged) if (key.startsWith(`${channel}:`)) this.refusalsLogged.delete(key);
      if (wait) {
        // Nothing went to Slack: the workspace's budget is not spent on looking at a claim.
        this.workspace.giveBack();
        this.sendLater(bookingId, entry, wasMilestone, wait.waitMs);
      }
    } catch (err) {
      const refusal = slackRefusal(err);
      if (!refusal && entry.once) {
        // The tick asks again next minute: its invocation does not wait out a backoff here.
        entry.once = false;
        await this.markUndrawn(bookingId, entry, err, false);
        return;
      }
      if (!refusal) {
        this.retryLater(bookingId, entry, wasMilestone);
        throw err;
      }
      // Trying again cannot help until someone acts, and every booking in the channel meets the same
      // answer. Not marked drawn: once someone has acted, the tick's hourly try heals the thread.
      entry.once = false;
      await this.markUndrawn(bookingId, entry, err, true);
      entry.failures = 0;
      entry.slow = false;
      // One line per channel: a second archived channel is news, its other bookings are not.
      const key = `${entry.record?.slack.channel ?? '?'}:${refusal.code}`;
      if (!this.refusalsLogged.has(key)) {
        this.refusalsLogged.add(key);
        this.opts.log.child({ bookingId }).error({ err, code: refusal.code }, `progress message refused by Slack: ${refusal.operatorMessage}`);
      }
    }
  }

  /**
   * The mark a finished booking's draw leaves on Lambda (./drawn-mark.ts), or the newer mark it takes
   * back when it may have drawn over a newer draw (BookingService.markProgressDrawn). A mark that
   * fails to be written costs one redraw by the next tick, never the update itself: logged, not retried.
   */
  private async markDrawn(bookingId: string, entry: Entry): Promise<void> {
    const drawn = entry.drawing;
    entry.drawing = undefined;
    if (!drawn || !this.opts.markDrawn || !worthMarking(drawn)) return;
    try {
      if ((await this.opts.markDrawn(drawn)) === 'unmarked') this.opts.log.child({ bookingId }).info({ version: drawn.version }, 'progress message drawn after a newer draw was marked; the next tick draws it again');
    } catch (err) {
      this.opts.log.child({ bookingId }).warn({ err }, 'progress message drawn, its mark not stored; the next tick draws it again');
    }
  }

  /**
   * A finished booking's draw that failed, stored on Lambda (./drawn-mark.ts): the tick's redraws of
   * it slow to hourly once Slack refused it or TICK_FAILURES_BEFORE_HOURLY ticks failed, which is
   * logged once, with what to check. A store failure here costs a redraw by the next tick.
   */
  private async markUndrawn(bookingId: string, entry: Entry, err: unknown, refused: boolean): Promise<void> {
    const drawn = entry.drawing;
    entry.drawing = undefined;
    const log = this.opts.log.child({ bookingId });
    if (!drawn || !this.opts.markUndrawn || !RESTING_STATES.includes(drawn.state)) {
      if (!refused) log.warn({ err }, 'progress message not redrawn; the next tick tries again');
      return;
    }
    const code = slackPlatformError(err) ?? (err instanceof IntegrationError ? err.code : 'request_failed');
    try {
      const stored = await this.opts.markUndrawn(bookingId, { code, refused });
      if (refused) return;
      if (stored?.ticks === TICK_FAILURES_BEFORE_HOURLY) {
        log.error({ err, code, ticks: stored.ticks }, `progress message not redrawn: Slack answered ${code} on ${stored.ticks} ticks in a row; now tried once an hour, for a day after the booking's last change. Check the channel's posting settings and that the bot may post there.`);
      } else log.debug({ err, code, ticks: stored?.ticks }, 'progress message not redrawn; the next tick tries again');
    } catch (storeErr) {
      log.warn({ err: storeErr, code }, 'progress message not drawn, and that not stored; the next tick tries again');
    }
  }

  /**
   * A send that failed (Slack timed out, 5xx) is not dropped: the thread would keep showing
   * "running" for a booking that is done or failed, with no Retry button. The update stays due
   * (a milestone stays one) and is tried again with backoff for about two minutes; after that,
   * once every `slowRetryMs` until it lands, since the booking may never change again to bring it.
   */
  private retryLater(bookingId: string, entry: Entry, wasMilestone: boolean): void {
    if (this.stopped) return;
    entry.failures += 1;
    if (entry.failures <= (this.opts.maxSendFailures ?? 8)) {
      this.sendLater(bookingId, entry, wasMilestone, Math.min(30_000, (this.opts.failureBackoffMs ?? 1000) * 2 ** (entry.failures - 1)));
      return;
    }
    const slowRetryMs = this.opts.slowRetryMs ?? 60_000;
    if (!entry.slow) this.opts.log.child({ bookingId }).error({ failures: entry.failures, slowRetryMs }, 'progress message could not be updated; trying again at a slower pace until it lands');
    entry.slow = true;
    this.sendLater(bookingId, entry, wasMilestone, slowRetryMs);
  }

  /** The update stays due (a milestone stays one) and is sent again after `delayMs`. */
  private sendLater(bookingId: string, entry: Entry, wasMilestone: boolean, delayMs: number): void {
    if (this.stopped) return;
    entry.dirty = true;
    entry.milestone ||= wasMilestone;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.enqueue(bookingId, entry);
    }, delayMs);
    entry.timer.unref();
  }

  /** Sends the message; or, when another process is to post it first, says how long to wait before looking again. */
  private async render(bookingId: string, entry: Entry): Promise<{ waitMs: number } | undefined> {
    let line = 'chat.update';
    return this.withRateLimit(
      () => line,
      async (again) => {
        let booking = again ? await this.redraw(bookingId, entry) : await this.current(bookingId, entry);
        if (booking) booking = await this.inApprovalDm(entry, booking);
        for (let deletedSeen = false; booking; deletedSeen = true) {
          const message = this.opts.render(booking);
          const progressTs = booking.slack.progressTs ?? entry.progressTs;
          if (!progressTs) {
            line = `chat.postMessage ${booking.slack.channel}`;
            return this.post(bookingId, entry, booking, message);
          }
          try {
            entry.drawing = booking;
            if (entry.unsavedTs === progressTs) {
              const saved = await this.saveProgressTs(bookingId, entry, progressTs);
              this.adopt(entry, saved);
              // Saved straight over the record drawn: the ts it already shows is all that changed.
              if (onlyProgressRefsChanged(booking, saved)) entry.drawing = saved;
            }
            await this.update(booking, progressTs, message);
            return undefined;
          } catch (err) {
            if (deletedSeen || slackPlatformError(err) !== 'message_not_found') throw err;
            booking = await this.forgetDeleted(bookingId, entry, progressTs);
          }
        }
        return undefined;
      },
    );
  }

  /** The record to draw from: the one in hand, or the store's. */
  private async current(bookingId: string, entry: Entry): Promise<BookingRecord | undefined> {
    // Whether the message exists yet is decided on the stored record (another process may have
    // posted it) — unless the record in hand shows this process's own live claim: while it holds,
    // nobody else may post, so there is nothing newer to read.
    const held = entry.record && (entry.record.slack.progressTs ?? entry.progressTs ?? this.holdsClaim(entry.record)) ? entry.record : undefined;
    return held ?? (await this.opts.api.get(bookingId));
  }

  /** An approval stored with the approver's user id is edited in their DM, by its id (../approval-dm.ts). */
  private async inApprovalDm(entry: Entry, booking: BookingRecord): Promise<BookingRecord> {
    const healed = await withApprovalDm({ client: this.opts.client, refs: this.opts.api, log: this.opts.log }, booking);
    if (healed !== booking) this.adopt(entry, healed);
    return healed;
  }

  /**
   * After Slack made a send wait (a 429): the message drawn before the wait may be stale by now —
   * a later event here, or another process's update (the pipeline's final one while this process
   * waited to show a crew answer). So it is drawn again from the newest record, the store's or a
   * later event's, and this send now stands for every change notified so far.
   */
  private async redraw(bookingId: string, entry: Entry): Promise<BookingRecord | undefined> {
    entry.dirty = false;
    entry.milestone = false;
    const stored = await this.opts.api.get(bookingId);
    return stored && entry.record && entry.record.version > stored.version ? entry.record : stored;
  }

  /**
   * The progress message is gone (someone deleted it), and every later update would fail the same
   * way. Its ts is cleared from the record with a compare-and-set that also claims the post, so
   * exactly one process posts it anew; one that finds the ts already changed goes by the record.
   */
  private async forgetDeleted(bookingId: string, entry: Entry, ts: string): Promise<BookingRecord> {
    this.opts.log.child({ bookingId }).warn({ ts }, 'progress message not found in Slack (deleted?); posting it anew');
    if (entry.progressTs === ts) entry.progressTs = undefined;
    if (entry.unsavedTs === ts) entry.unsavedTs = undefined;
    const out = await this.opts.api.updateSlackRefs(bookingId, (s) => (s.progressTs === ts ? { ...s, progressTs: undefined, progressClaim: { owner: this.ownerId, atMs: this.now() } } : undefined));
    this.adopt(entry, out.booking);
    return out.booking;
  }

  /**
   * Stores the ts of the message this process posted, and ends its post claim. Until this lands,
   * a later send of this process would find only its own claim in the record, and post again.
   */
  private async saveProgressTs(bookingId: string, entry: Entry, ts: string): Promise<BookingRecord> {
    const saved = await this.opts.api.setSlackRefs(bookingId, { progressTs: ts, progressClaim: undefined });
    if (entry.unsavedTs === ts) entry.unsavedTs = undefined;
    return saved;
  }

  /** A record just read or written: newer than the one in hand, so later sends draw from it. */
  private adopt(entry: Entry, record: BookingRecord): void {
    if (entry.record && entry.record.version < record.version) entry.record = record;
  }

  /** Posts the message once: claim it, then post (a lost claim shows who holds it, or the ts they stored). */
  private async post(bookingId: string, entry: Entry, booking: BookingRecord, message: SlackMessage): Promise<{ waitMs: number } | undefined> {
    let slack = booking.slack;
    let takenOver = false;
    // The record the message is drawn from, as far as the writes here leave what it shows alone (the mark's version).
    let drawn = booking;
    for (let look = 0; look < 3; look++) {
      const claim = progressPostClaim(slack, this.ownerId, this.now(), this.opts.postClaim);
      if (claim.kind === 'posted') {
        entry.progressTs = claim.ts;
        entry.drawing = booking;
        await this.update(booking, claim.ts, message);
        return undefined;
      }
      if (claim.kind === 'held') {
        this.stats.claimWaits += 1;
        return { waitMs: Math.max(1, Math.min(CLAIM_RECHECK_MS, claim.untilMs - this.now())) };
      }
      if (claim.kind === 'free') {
        takenOver ||= slack.progressClaim !== undefined;
        const claimed = await this.opts.api.updateSlackRefs(bookingId, (s) => claimProgressPost(s, this.ownerId, this.now(), this.opts.postClaim));
        slack = claimed.booking.slack;
        if (claimed.written && onlyProgressRefsChanged(drawn, claimed.booking)) drawn = claimed.booking;
        continue;
      }
      const { channel, approvalTs } = booking.slack;
      let posted: PostOnceResult;
      entry.drawing = drawn;
      try {
        posted = await this.poster.post({
          channel,
          ...(approvalTs ? { thread_ts: approvalTs } : {}),
          text: message.text,
          blocks: message.blocks,
          metadata: progressPostMetadata(bookingId),
          lookUpFirst: entry.mayHavePosted === true || takenOver,
          // Any earlier attempt came after the approval message it answers.
          earliestMs: approvalTs ? Math.floor(Number(approvalTs) * 1000) : booking.createdAtMs,
          log: this.opts.log.child({ bookingId }),
          what: 'progress message',
        });
      } catch (err) {
        // Slack's refusal (a 429, an error) means not posted; anything else may have posted.
        if (!(err instanceof IntegrationError) || (err instanceof UpstreamUnavailableError && err.maybeProcessed)) entry.mayHavePosted = true;
        throw err;
      }
      if (posted.via !== 'earlier-attempt') this.stats.posts += 1;
      entry.progressTs = posted.ts;
      // One an earlier attempt posted shows what was due then.
      if (posted.via === 'earlier-attempt') await this.update(booking, posted.ts, message);
      entry.mayHavePosted = false;
      entry.unsavedTs = posted.ts;
      const saved = await this.saveProgressTs(bookingId, entry, posted.ts);
      this.adopt(entry, saved);
      // Saved straight over the record drawn: the ts is all that changed, and the mark may say so.
      if (onlyProgressRefsChanged(drawn, saved)) entry.drawing = saved;
      return undefined;
    }
    throw new Error('progress message: the post claim did not settle');
  }

  private holdsClaim(record: BookingRecord): boolean {
    return progressPostClaim(record.slack, this.ownerId, this.now(), this.opts.postClaim).kind === 'mine';
  }

  private async update(booking: BookingRecord, ts: string, message: SlackMessage): Promise<void> {
    await this.opts.client.chat.update({ channel: booking.slack.channel, ts, text: message.text, blocks: message.blocks });
    this.stats.updates += 1;
  }

  /**
   * A 429 (or its platform-error twin, `ratelimited`) is Slack saying "not yet": wait as told (plus jitter) and try again (`again`: redrawn), within the budget.
   * Sends turned away in the same `line` (Slack's limit: a channel's posts, the workspace's
   * updates) come back one at a time, so they leave room for the crew step's posts there.
   */
  private async withRateLimit<T>(line: () => string, call: (again: boolean) => Promise<T>): Promise<T> {
    const budgetMs = this.opts.rateLimitBudgetMs ?? 600_000;
    const giveUpAtMs = this.now() + budgetMs;
    // Retry-After plus full jitter up to rateLimitJitterMs: the runner's backoff rule, first attempt.
    const jitter = { baseDelayMs: this.opts.rateLimitJitterMs ?? 1000, maxDelayMs: budgetMs };
    let release: (() => void) | undefined;
    try {
      for (let again = false; ; again = true) {
        try {
          return await call(again);
        } catch (err) {
          const retryAfterMs = slackRetryAfterMs(err);
          if (retryAfterMs === undefined || this.stopped) throw err;
          const waitMs = backoffDelayMs(1, jitter, Math.random, Math.max(1000, retryAfterMs));
          if (this.now() + waitMs > giveUpAtMs) throw err;
          this.stats.rateLimited += 1;
          if (release) await new Promise((r) => setTimeout(r, waitMs).unref());
          else if (!(release = await this.retryLine.turn(line(), this.now() + waitMs, giveUpAtMs))) throw err;
        }
      }
    } finally {
      release?.();
    }
  }
}
