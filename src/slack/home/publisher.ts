/**
 * Publishes App Home tabs. A user's tab is published when they open it, and again whenever a
 * booking changes (approval, a pipeline step, a confirmation) — debounced per user, so a burst of
 * step events is one views.publish per user, and skipped when the view came out identical to the
 * last one published. Only users who opened Home in this process are refreshed (bounded: the most
 * recent MAX_USERS); their next open refreshes them anywhere else.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { BookingStore } from '../../pipeline/store';
import type { BookingRecord } from '../../pipeline/types';
import { crewMark, homeDateFilter, homeForApprover, homeForCrew, UPCOMING_STATES, type HomeSettings, type HomeView } from '../blocks/home';
import { CREW_DECLINE_ACTION_PREFIX } from '../blocks/crew';
import { guestUrl, isApprover } from '../context';
import { crewSafeViewOf } from '../crew-notice';

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

const MAX_USERS = 500;

interface Viewer {
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  lastPublished?: string;
}

/** Every booking a Home tab can show: pending approvals and the upcoming states. */
export const HOME_STATES = ['pending_approval', ...UPCOMING_STATES] as const;

/** The view a user should see now, from a listing of HOME_STATES bookings (pure). */
export function buildHomeView(opts: Pick<HomePublisherOptions, 'config' | 'lifecycleButtons'>, bookings: readonly BookingRecord[], userId: string, nowMs: number): HomeView {
  const { config } = opts;
  const settings = { nowMs, timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes };
  if (isApprover(config, userId)) {
    return homeForApprover(bookings, { ...settings, guestUrl: (id) => guestUrl(config, id), ...(opts.lifecycleButtons ? { lifecycleButtons: opts.lifecycleButtons } : {}) });
  }
  // Dates first: the crew-safe projection of a season of past charters is not free.
  const inWindow = homeDateFilter(settings);
  const mine = bookings.filter((b) => UPCOMING_STATES.includes(b.state) && inWindow(b.request.date) && b.roster.some((m) => m.slackUserId === userId));
  return homeForCrew(userId, mine.map((b) => ({ view: crewSafeViewOf(b, config), mark: crewMark(b, userId) })), {
    ...settings,
    // The crew post's Decline ("Can't make it"), handled by the same listener.
    crewButtons: (call, user) => [{ type: 'button', action_id: `${CREW_DECLINE_ACTION_PREFIX}${user}`, text: { type: 'plain_text', text: "Can't make it" }, value: `${call.view.sessionId}:${user}` }],
  });
}

export class HomePublisher {
  readonly stats = { published: 0, skippedUnchanged: 0 };
  private readonly viewers = new Map<string, Viewer>();
  private readonly now: () => number;
  private readonly debounceMs: number;
  private stopped = false;
  /**
   * The store listing in flight: tabs published while it is under way (a burst: every viewer's
   * debounced refresh fires together) share it (a DynamoDB listing is a Scan). Once it has answered
   * it serves no one, so a tab never shows a listing older than its own publish.
   */
  private listing?: Promise<BookingRecord[]>;

  constructor(private readonly opts: HomePublisherOptions) {
    this.now = opts.now ?? Date.now;
    this.debounceMs = opts.debounceMs ?? 2000;
  }

  /** The user opened their Home tab: publish now (Slack shows the last published view meanwhile). */
  opened(userId: string): Promise<void> {
    const viewer = this.viewer(userId);
    // Most recently seen last, so the oldest is dropped first.
    this.viewers.delete(userId);
    this.viewers.set(userId, viewer);
    while (this.viewers.size > MAX_USERS) this.viewers.delete(this.viewers.keys().next().value ?? '');
    return this.enqueue(userId, viewer, true);
  }

  /** Some booking changed: every known viewer's tab is republished after a quiet `debounceMs`. */
  changed(): void {
    if (this.stopped) return;
    for (const [userId, viewer] of this.viewers) {
      if (viewer.timer) continue;
      viewer.timer = setTimeout(() => {
        viewer.timer = undefined;
        void this.enqueue(userId, viewer, false);
      }, this.debounceMs);
    }
  }

  /** Resolves when nothing is scheduled or in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.viewers.values()].map((v) => v.chain));
      if ([...this.viewers.values()].every((v) => !v.timer)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const v of this.viewers.values()) {
      if (v.timer) clearTimeout(v.timer);
      v.timer = undefined;
    }
  }

  private bookings(): Promise<BookingRecord[]> {
    if (this.listing) return this.listing;
    const listing = this.opts.store.listByStates(HOME_STATES);
    this.listing = listing;
    const done = () => {
      if (this.listing === listing) this.listing = undefined;
    };
    listing.then(done, done);
    return listing;
  }

  private viewer(userId: string): Viewer {
    return this.viewers.get(userId) ?? { chain: Promise.resolve() };
  }

  private enqueue(userId: string, viewer: Viewer, force: boolean): Promise<void> {
    viewer.chain = viewer.chain
      .then(() => this.publish(userId, viewer, force))
      .catch((err: unknown) => this.opts.log.warn({ err, userId }, 'App Home not published'));
    return viewer.chain;
  }

  private async publish(userId: string, viewer: Viewer, force: boolean): Promise<void> {
    if (this.stopped) return;
    const view = buildHomeView(this.opts, await this.bookings(), userId, this.now());
    // The "updated" line changes every minute; compare without it so an idle tab is not republished.
    const key = JSON.stringify(view.blocks.slice(2));
    if (!force && key === viewer.lastPublished) {
      this.stats.skippedUnchanged += 1;
      return;
    }
    await this.opts.client.views.publish({ user_id: userId, view });
    viewer.lastPublished = key;
    this.stats.published += 1;
  }
}
