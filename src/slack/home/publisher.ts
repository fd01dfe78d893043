/**
 * Publishes App Home tabs. A user's tab is published when they open it, and again whenever a
 * booking changes (approval, a pipeline step, a confirmation) — debounced, so a burst of step
 * events is one views.publish per user, and skipped when the view came out identical to the one the
 * store records the tab shows (./viewers.ts), whichever process published it: a tab another process
 * changed since this one last published it must be put right even when this process's new view
 * equals its own last one. The users refreshed are those who opened Home in this process and
 * those any process recorded in the store (./viewers.ts, read at most every 30 s): on Lambda the
 * pipeline function refreshes tabs opened through the Slack function.
 * A publish Slack turns away with 429 (views.publish is Tier 4: a refresh of more open tabs than its
 * burst draws some) is not dropped: the tabs are refreshed again after the Retry-After, and only
 * those whose last publish did not land go out (the rest are unchanged).
 */
import type { Button } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../../config';
import type { Logger } from '../../log';
import { backoffDelayMs } from '../../pipeline/backoff';
import { isSelfApprovalRefused } from '../../pipeline/approval-policy';
import type { BookingStore } from '../../pipeline/store';
import type { BookingRecord, Operation } from '../../pipeline/types';
import { answerButtons, crewConfirmButton, crewMark, homeDateFilter, homeForApprover, homeForCrew, homeUnavailable, UPCOMING_STATES, type HomeSettings, type HomeView } from '../blocks/home';
import { answerValue, CREW_DECLINE_ACTION_PREFIX } from '../blocks/crew';
import { guestUrl, isApprover } from '../context';
import { answersClosed } from '../crew-answers';
import { callReached } from '../crew-call-reached';
import { crewSafeViewOf } from '../crew-notice';
import { slackRetryAfterMs } from '../slack-errors';
import { MAX_VIEWERS, readHomeViewers, readTabsShown, recordTabsShown, rememberHomeViewer, VIEWER_REFRESH_MS, viewDigest } from './viewers';

export interface HomePublisherOptions {
  client: WebClient;
  store: BookingStore;
  config: Config;
  log: Logger;
  now?: () => number;
  /** Quiet time per user before a change is published (default 2 s). */
  debounceMs?: number;
  /** Edit/Cancel buttons from the lifecycle work, when it lands. */
  lifecycleButtons?: HomeSettings['lifecycleButtons'];
}

/** Keeps the MAX_VIEWERS most recent entries of a map kept in order of last sight (the oldest first). */
function dropOldest<K, V>(map: Map<K, V>): void {
  while (map.size > MAX_VIEWERS) map.delete(map.keys().next().value as K);
}
/** How long a reading of the stored viewers is used before the store is read again. */
const SHARED_VIEWERS_READ_MS = 30_000;
/** Random pause added to Slack's Retry-After, so processes turned away together do not return together. */
const RATE_LIMIT_JITTER_MS = 1000;

interface Viewer {
  chain: Promise<void>;
  /** Digest of the view this process last published to the tab (or found the tab showing). */
  lastPublished?: string;
  /**
   * Reads of the stored digests begun by the time this process's last publish to the tab was
   * recorded: a read numbered up to this may predate that record. Undefined before any publish.
   */
  recordedByRead?: number;
  /** This process's last publish to the tab was not recorded: the stored digest is older than what the tab shows. */
  unrecorded?: boolean;
}

/** What the store said the tabs show, read once for a refresh of every tab. */
interface StoredTabs {
  /** Which read this was (HomePublisher.tabReads when it began). */
  readNo: number;
  digests: Map<string, string>;
}

/** Every booking a Home tab can show: pending approvals and the upcoming states. */
export const HOME_STATES = ['pending_approval', ...UPCOMING_STATES] as const;

/** The crew post's Decline ("Can't make it"), handled by the same listener; like Confirm it carries the call's revision. */
const declineButton = (sessionId: string, userId: string, callRevision?: number): Button => ({ type: 'button', action_id: `${CREW_DECLINE_ACTION_PREFIX}${userId}`, text: { type: 'plain_text', text: "Can't make it" }, value: answerValue(sessionId, userId, callRevision) });

/** The view a user should see now, from a listing of HOME_STATES bookings (pure). */
export function buildHomeView(opts: Pick<HomePublisherOptions, 'config' | 'lifecycleButtons'>, bookings: readonly BookingRecord[], userId: string, nowMs: number): HomeView {
  const { config } = opts;
  const settings = { nowMs, ...charterTimeSettings(config) };
  const onRoster = (b: BookingRecord) => b.roster.some((m) => m.slackUserId === userId);
  if (isApprover(config, userId)) {
    // Their own call's answers, as their crew Home would offer them, where the buttons would be taken.
    const ownCall = (b: BookingRecord) => {
      if (!onRoster(b)) return undefined;
      const closed = answersClosed(b, userId, config, nowMs);
      const buttons = closed === undefined ? answerButtons(crewMark(b, userId), (after) => crewConfirmButton(b.id, userId, after, b.callRevisions?.[userId]), () => [declineButton(b.id, userId, b.callRevisions?.[userId])]) : [];
      return { buttons, beingUpdated: closed === 'being_changed', notCalled: closed === 'not_called' };
    };
    const mayApprove = (b: BookingRecord) => !isSelfApprovalRefused(config.slack, b.createdBy, userId);
    const mayApproveChange = (_b: BookingRecord, change: Operation) => !isSelfApprovalRefused(config.slack, change.requestedBy, userId);
    return homeForApprover(bookings, { ...settings, guestUrl: (id) => guestUrl(config, id), ownCall, mayApprove, mayApproveChange, ...(config.slack.opsChannel ? { opsChannel: config.slack.opsChannel } : {}), ...(opts.lifecycleButtons ? { lifecycleButtons: opts.lifecycleButtons } : {}) });
  }
  // Dates first: the crew-safe projection of a season of past charters is not free.
  const inWindow = homeDateFilter(settings);
  const mine = bookings.filter((b) => UPCOMING_STATES.includes(b.state) && inWindow(b.request.date) && onRoster(b));
  return homeForCrew(
    userId,
    mine.flatMap((b) => {
      const closed = answersClosed(b, userId, config, nowMs);
      // A charter whose crew call has not reached them is not theirs to see yet: the call is how they
      // learn of it, and a cancel before it tells only those it reached (README, crew Home). A cancel
      // under way (or failed) closes answers as 'cancelled' before the call is asked about, so it is
      // asked here: "cancelled" would be news of a charter they were never called for.
      if (closed === 'not_called' || (closed === 'cancelled' && !callReached(b, userId, config))) return [];
      return { view: crewSafeViewOf(b, config), mark: crewMark(b, userId), cancelled: closed === 'cancelled', beingUpdated: closed === 'being_changed', guestPageLive: b.steps.guest_cache.status === 'done', ...(b.callRevisions?.[userId] !== undefined ? { callRevision: b.callRevisions[userId] } : {}) };
    }),
    { ...settings, crewButtons: (call, user) => [declineButton(call.view.sessionId, user, call.callRevision)] },
  );
}

export class HomePublisher {
  readonly stats = { published: 0, skippedUnchanged: 0, rateLimited: 0 };
  private readonly viewers = new Map<string, Viewer>();
  private readonly now: () => number;
  private readonly debounceMs: number;
  private stopped = false;
  /** The debounced refresh of every viewer's tab after a change. */
  private refreshTimer?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  /**
   * The refresh after Slack's Retry-After. Kept apart from refreshTimer: flush() (a Lambda
   * invocation about to answer) must not wait out a rate limit; the timer fires once it thaws.
   */
  private rateLimitTimer?: NodeJS.Timeout;
  /** The stored viewers as last read, and when. */
  private shared?: { readAtMs: number; users: Promise<string[]> };
  /** Users this process has recorded in the store, and when (no store call for their next opens that day). */
  private readonly remembered = new Map<string, number>();
  /**
   * The store listing in flight: tabs published while it is under way (a burst: every viewer's
   * debounced refresh fires together) share it (a DynamoDB listing is a Scan). Once it has answered
   * it serves no one, so a tab never shows a listing older than its own publish.
   */
  private listing?: Promise<BookingRecord[]>;
  /** Digests of tabs published and not yet recorded in the store, and the write that records them. */
  private readonly pendingTabs = new Map<string, string>();
  /** The write that records them: true once it landed. */
  private tabWrites: Promise<boolean> = Promise.resolve(true);
  private tabWriteQueued = false;
  /** Reads of the stored digests begun so far (see Viewer.recordedByRead). */
  private tabReads = 0;

  constructor(private readonly opts: HomePublisherOptions) {
    this.now = opts.now ?? Date.now;
    this.debounceMs = opts.debounceMs ?? 2000;
  }

  /** The user opened their Home tab: publish now (Slack shows the last published view meanwhile). */
  async opened(userId: string): Promise<void> {
    const viewer = this.track(userId);
    await Promise.all([this.enqueue(userId, viewer, true), this.remember(userId)]);
  }

  /** Some booking changed: every viewer's tab is republished after a quiet `debounceMs`. */
  changed(): void {
    if (this.stopped || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshing = this.refreshAll();
    }, this.debounceMs);
  }

  /** Sends a pending refresh now rather than after its quiet time (a Lambda invocation about to end). */
  async flush(): Promise<void> {
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
      this.refreshing = this.refreshAll();
    }
    await this.idle();
  }

  /** Resolves when nothing is scheduled or in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      await this.refreshing;
      await Promise.all([...this.viewers.values()].map((v) => v.chain));
      if (!this.refreshTimer) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (this.rateLimitTimer) clearTimeout(this.rateLimitTimer);
    this.rateLimitTimer = undefined;
  }

  /** Refreshes every tab again after Slack's Retry-After; one refresh serves every tab turned away meanwhile. */
  private afterRateLimit(retryAfterMs: number): void {
    this.stats.rateLimited += 1;
    if (this.stopped || this.rateLimitTimer) return;
    const waitMs = backoffDelayMs(1, { baseDelayMs: RATE_LIMIT_JITTER_MS, maxDelayMs: 60_000 }, Math.random, Math.max(1000, retryAfterMs));
    this.rateLimitTimer = setTimeout(() => {
      this.rateLimitTimer = undefined;
      this.changed();
    }, waitMs);
    this.rateLimitTimer.unref();
  }

  private async refreshAll(): Promise<void> {
    if (this.stopped) return;
    let stored: string[] = [];
    try {
      stored = await this.sharedViewers();
    } catch (err) {
      this.opts.log.warn({ err }, 'App Home viewers not read from the store; refreshing this process’s only');
    }
    const users = new Set([...this.viewers.keys(), ...stored]);
    const shown = await this.storedTabs(users);
    await Promise.all([...users].map((userId) => this.enqueue(userId, this.track(userId, false), false, shown)));
  }

  /** What the store records every tab of this refresh shows; undefined when it did not answer. */
  private async storedTabs(users: Iterable<string>): Promise<StoredTabs | undefined> {
    const readNo = ++this.tabReads;
    try {
      return { readNo, digests: await readTabsShown(this.opts.store, users) };
    } catch (err) {
      this.opts.log.warn({ err }, 'App Home: what the tabs show not read from the store; comparing with this process’s own publishes');
      return undefined;
    }
  }

  private sharedViewers(): Promise<string[]> {
    const nowMs = this.now();
    if (!this.shared || nowMs - this.shared.readAtMs >= SHARED_VIEWERS_READ_MS) {
      const users = readHomeViewers(this.opts.store, nowMs);
      this.shared = { readAtMs: nowMs, users };
      users.catch(() => {
        if (this.shared?.users === users) this.shared = undefined;
      });
    }
    return this.shared.users;
  }

  private async remember(userId: string): Promise<void> {
    const nowMs = this.now();
    const last = this.remembered.get(userId);
    if (last !== undefined && nowMs - last < VIEWER_REFRESH_MS) return;
    try {
      await rememberHomeViewer(this.opts.store, userId, nowMs);
      this.remembered.delete(userId);
      this.remembered.set(userId, nowMs);
      dropOldest(this.remembered);
    } catch (err) {
      this.opts.log.warn({ err, userId }, 'App Home viewer not recorded in the store; other processes will not refresh their tab');
    }
  }

  /** The viewer's entry; `recent` moves them to the end (most recently seen last, so the oldest is dropped first). */
  private track(userId: string, recent = true): Viewer {
    const viewer = this.viewers.get(userId) ?? { chain: Promise.resolve() };
    if (recent || !this.viewers.has(userId)) {
      this.viewers.delete(userId);
      this.viewers.set(userId, viewer);
    }
    dropOldest(this.viewers);
    return viewer;
  }

  private bookings(): Promise<BookingRecord[]> {
    if (this.listing) return this.listing;
    const listing = this.opts.store.listCurrent(HOME_STATES, this.now());
    this.listing = listing;
    const done = () => {
      if (this.listing === listing) this.listing = undefined;
    };
    listing.then(done, done);
    return listing;
  }

  private enqueue(userId: string, viewer: Viewer, force: boolean, shown?: StoredTabs): Promise<void> {
    viewer.chain = viewer.chain
      .then(() => this.publish(userId, viewer, force, shown))
      .catch((err: unknown) => {
        // An HTTP 429, or the platform's `ratelimited`: the same back-pressure, waited out alike.
        const retryAfterMs = slackRetryAfterMs(err);
        if (retryAfterMs !== undefined) return this.afterRateLimit(retryAfterMs);
        this.opts.log.warn({ err, userId }, 'App Home not published');
      });
    return viewer.chain;
  }

  private async publish(userId: string, viewer: Viewer, force: boolean, shown?: StoredTabs): Promise<void> {
    if (this.stopped) return;
    let bookings: BookingRecord[];
    try {
      bookings = await this.bookings();
    } catch (err) {
      // They opened the tab just now: say it could not be loaded. The next refresh replaces it.
      if (force) await this.send(userId, viewer, homeUnavailable({ nowMs: this.now(), timezone: this.opts.config.timezone }));
      throw err;
    }
    const view = buildHomeView(this.opts, bookings, userId, this.now());
    const digest = homeDigest(view);
    if (!force && showsAlready(viewer, userId, digest, shown)) {
      viewer.lastPublished = digest;
      this.stats.skippedUnchanged += 1;
      return;
    }
    await this.send(userId, viewer, view);
  }

  private async send(userId: string, viewer: Viewer, view: HomeView): Promise<void> {
    await this.opts.client.views.publish({ user_id: userId, view });
    const digest = homeDigest(view);
    viewer.lastPublished = digest;
    this.stats.published += 1;
    const recorded = await this.recordShown(userId, digest);
    viewer.unrecorded = !recorded;
    viewer.recordedByRead = this.tabReads;
  }

  /**
   * Records a published tab's digest in the store. The digests share a few entries (./viewers.ts),
   * so those published while a write is under way go together in the next one: a refresh of many
   * tabs is a handful of writes, not one compare-and-set race per tab.
   */
  private recordShown(userId: string, digest: string): Promise<boolean> {
    this.pendingTabs.set(userId, digest);
    if (this.tabWriteQueued) return this.tabWrites;
    this.tabWriteQueued = true;
    this.tabWrites = this.tabWrites.then(async () => {
      this.tabWriteQueued = false;
      const batch = [...this.pendingTabs];
      this.pendingTabs.clear();
      return recordTabsShown(this.opts.store, batch, this.now()).then(
        () => true,
        (err: unknown) => {
          this.opts.log.warn({ err, users: batch.map(([u]) => u) }, 'App Home: what the tabs show not recorded; they are published again on the next refresh');
          return false;
        },
      );
    });
    return this.tabWrites;
  }
}

/** The "updated" line changes every minute; compare without it so an idle tab is not republished. */
function homeDigest(view: HomeView): string {
  return viewDigest(JSON.stringify(view.blocks.slice(2)));
}

/**
 * Whether the tab already shows the view with `digest`. The store's digest is the answer — another
 * process may have published since this one did — except where it cannot know this process's last
 * publish: that publish was not recorded (the "could not be loaded" view during a store outage; the
 * stored digest is the view before it), or was recorded after the read began (an overlapping refresh).
 */
function showsAlready(viewer: Viewer, userId: string, digest: string, shown: StoredTabs | undefined): boolean {
  if (viewer.unrecorded) return false;
  const readBeforeRecorded = viewer.recordedByRead !== undefined && shown !== undefined && shown.readNo <= viewer.recordedByRead;
  if (shown === undefined || readBeforeRecorded) return viewer.lastPublished === digest;
  return shown.digests.get(userId) === digest;
}
