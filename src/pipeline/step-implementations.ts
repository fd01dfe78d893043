/**
 * The pipeline's integration steps (all but crew_notice, which is Slack's). Each is idempotent:
 * - calendar / scc_event look up by externalId (the booking id) before creating whenever an earlier
 *   attempt's outcome is unknown (a retry, a resumed crash, a re-run of a done step);
 * - revenue_guard converges (removing nothing from a clean item is a no-op);
 * - guest_page writes deterministic keys; guest_cache's CallerReference is id + content hash, so
 *   CloudFront itself dedupes a repeat of the same content.
 * Follow-up operations (DESIGN "Operations"): calendar_update/scc_update PATCH with absolute values
 * (a repeat sets the same values), calendar_delete treats 404 as done, scc_cancel PATCHes a status;
 * each sends Idempotency-Key {bookingId}:{step}:{revision} and finds its target by the id the create
 * got, or by externalId when the create's outcome was never recorded. An SCC PATCH an earlier attempt
 * may have sent is repeated only if SCC's item does not show it yet (SCC e-mails the crew on every
 * PATCH it applies). revenue_guard runs after every SCC write; guest_page re-renders (a cancel renders
 * the cancelled notice at the same key).
 * Results hold ids and counts, never money.
 */
import { toCrewSafeView } from '../booking/crew-safe';
import { humanInstant } from '../booking/time';
import type { Config } from '../config';
import { createIntegrations } from '../integrations';
import { calendarEntryFor, type DashboardCalendar } from '../integrations/calendar';
import { findSettled, quietLeftMs, sleep, throwIfAborted } from '../integrations/create-once';
import { EarlierWritePendingError, IntegrationError } from '../integrations/errors';
import { buildGuestPageView, renderCancelledGuestPage, renderGuestCalendar, renderGuestPage, type GuestPageView } from '../integrations/guest-page';
import type { GuestSite } from '../integrations/guest-site';
import type { RevenueGuard } from '../integrations/revenue-guard';
import { SCC_CANCEL_PATCH, sccEventPayload, type SccClient } from '../integrations/scc';
import type { SccEventItems } from '../integrations/scc-item';
import type { Logger } from '../log';
import { lastPageShown, moveToTell, pageShownResult, revisionMadeAtMs } from './guest-page-history';
import { CREATE_OP } from './op-steps';
import { scheduleOf } from './operations';
import type { AnyStepName, StepContext, StepImplementations, StepResult } from './types';

export interface StepDependencies {
  config: Pick<Config, 'timezone' | 'rates' | 'operator'> & Partial<Pick<Config, 'liveness'>>;
  calendar: Pick<DashboardCalendar, 'ensure' | 'update' | 'delete' | 'findByExternalId'>;
  scc: Pick<SccClient, 'ensure' | 'update' | 'cancel' | 'findByExternalId'>;
  revenueGuard: Pick<RevenueGuard, 'guard'>;
  /**
   * SCC's item, read before a PATCH is repeated; without it every repeat is sent (an SCC that
   * ignores Idempotency-Key then e-mails the crew the change twice).
   */
  sccItems?: Pick<SccEventItems, 'shows'>;
  guestSite: Pick<GuestSite, 'publish' | 'invalidate' | 'guestUrl'>;
  /** Defaults to the templates/ renderer of src/integrations/guest-page. */
  renderPage?: (view: GuestPageView) => string;
  /** The cancelled notice; defaults to templates/guest-cancelled.hbs. */
  renderCancelledPage?: (view: GuestPageView) => string;
}

export type IntegrationSteps = Omit<StepImplementations, 'crew_notice'>;

/** An earlier attempt may have had its effect: lookup before create. */
function outcomeUnknown(ctx: StepContext): boolean {
  return ctx.outcomeUnknown === true || ctx.attempt > 1 || ctx.previous !== undefined;
}

/** What createOnce needs from the attempt: uncertainty, the quiet time, the deadline, the key. */
function ensureOptions(ctx: StepContext, quietMs: number | undefined) {
  return {
    outcomeUnknown: outcomeUnknown(ctx),
    // An attempt after ones that failed before sending anything looks up all the same, and so does a
    // Retry after a run refused that way (retriedAfterRefusal); if that lookup fails, the operator
    // reads the service's own error, not "may have been created".
    earlierMayHaveCreated: (ctx.outcomeUnknown === true && ctx.retriedAfterRefusal !== true) || ctx.previous !== undefined || (ctx.quietUntilMs ?? 0) > Date.now(),
    ...(ctx.quietUntilMs !== undefined ? { quietUntilMs: ctx.quietUntilMs } : {}),
    ...(quietMs !== undefined ? { quietMs } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
  };
}

/**
 * Around a PATCH: an earlier attempt's PATCH that got no answer may land until the step's quiet time
 * ends. The repeat is not sent before then — SCC e-mails the crew on every PATCH and is not assumed
 * to honour Idempotency-Key, and two writes of one item in flight at once is what the quiet time is
 * for — and the step is not done before then either: SCC writes its whole item again on every PATCH,
 * money included, so the revenue guard (or the next operation) must come after the last one lands.
 * Outside a repeat there is no quiet time and this returns at once. The quiet time (35 s) fits
 * inside one attempt (45 s) as deployed by default; where it does not, the attempt ends unsent.
 */
async function afterEarlierWritesLand(ctx: StepContext, quietMs: number | undefined, wait: QuietWait): Promise<void> {
  const now = Date.now();
  const left = quietLeftMs(ctx.quietUntilMs, now, quietMs);
  // A step attempt shorter than the quiet time (deployed so) would time out asleep, and a timeout
  // counts as a write that may have landed: a fresh quiet time, and the same again on every attempt
  // and every Retry, nothing ever sent. The attempt ends at once instead, as one that sent nothing,
  // and the runner tries again once the quiet time is over (or a Retry then does).
  if (left > 0 && ctx.attemptEndsAtMs !== undefined && now + left + SEND_RESERVE_MS > ctx.attemptEndsAtMs) {
    const until = humanInstant(now + left, wait.timezone);
    throw new EarlierWritePendingError(`waiting ${left} ms for an earlier ${wait.system} write to land, longer than the step attempt has left`, {
      code: `${wait.system}_EARLIER_WRITE_PENDING`,
      retryable: true,
      system: wait.system,
      retryAfterMs: left,
      operatorMessage: `An earlier write to ${wait.name} that got no answer may still land until ${until}, so nothing is sent before then: if this step has failed, Retry after ${until}.`,
    });
  }
  await sleep(left, ctx.signal);
  throwIfAborted(ctx.signal);
}

/** Left of an attempt after the wait, for the call at least to go out. */
const SEND_RESERVE_MS = 1000;

/** What afterEarlierWritesLand names: the system it waits on, in the operator's zone. */
interface QuietWait {
  system: 'SCC' | 'DASHBOARD';
  name: string;
  timezone: string;
}

function requireResult(ctx: StepContext, step: AnyStepName, field: string): string {
  const value = ctx.results[step]?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new IntegrationError(`step ${step} has no ${field} in its result`, {
      code: 'PIPELINE_MISSING_RESULT',
      retryable: false,
      system: 'pipeline',
      operatorMessage: `Internal error: ${step} finished without recording ${field}. Retry ${step}; report this if it repeats.`,
    });
  }
  return value;
}

/**
 * Adapters built from configuration by createIntegrations (process.env supplies the AWS SDK's own
 * endpoint/credential variables unless `env` is given). They live as long as the process.
 */
export interface StepsFromConfig {
  config: Config;
  log?: Logger;
  env?: Record<string, string | undefined>;
}

export function createStepImplementations(input: StepDependencies | StepsFromConfig): IntegrationSteps {
  const deps: StepDependencies =
    'calendar' in input
      ? input
      : { config: input.config, ...createIntegrations(input.config, { ...(input.env ? { env: input.env } : {}), ...(input.log ? { log: input.log } : {}) }) };
  const { config } = deps;
  const settings = { timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes, operator: config.operator };
  const renderPage = deps.renderPage ?? renderGuestPage;
  const quietMs = config.liveness?.createQuietMs;
  const sccWait: QuietWait = { system: 'SCC', name: 'SCC', timezone: config.timezone };
  const dashboardWait: QuietWait = { system: 'DASHBOARD', name: 'the dashboard', timezone: config.timezone };
  const renderCancelled = deps.renderCancelledPage ?? renderCancelledGuestPage;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  /** Idempotency-Key {bookingId}:{step}:{revision}; the runner sets it per operation. */
  const keyOf = (ctx: StepContext, step: AnyStepName) => ctx.idempotencyKey ?? `${ctx.booking.id}:${step}:${ctx.operation?.revision ?? 1}`;
  /** A change's or cancel's own signal and deadline. */
  const callOptions = (ctx: StepContext) => (ctx.signal ? { signal: ctx.signal } : {});

  /**
   * What the create step made: its recorded id, else a lookup (the create's answer was lost). While
   * that create's unanswered POST may still land (its quiet time), finding nothing proves nothing:
   * a cancel would call it never created and leave the late entry or event live.
   */
  const createdIdOf = async (ctx: StepContext, step: 'calendar' | 'scc_event', field: string, find: (signal?: AbortSignal) => Promise<string | undefined>) =>
    str(ctx.created?.[step]?.[field]) ??
    (await findSettled({ lookup: find, ...(ctx.booking.steps[step].quietUntilMs !== undefined ? { quietUntilMs: ctx.booking.steps[step].quietUntilMs } : {}), ...(quietMs !== undefined ? { quietMs } : {}), ...callOptions(ctx) }));
  const calendarIdOf = (ctx: StepContext) => createdIdOf(ctx, 'calendar', 'calendarId', (signal) => deps.calendar.findByExternalId(ctx.booking.id, signal ? { signal } : {}));
  const sccEventIdOf = (ctx: StepContext) => createdIdOf(ctx, 'scc_event', 'eventId', (signal) => deps.scc.findByExternalId(ctx.booking.id, signal ? { signal } : {}));
  const sccPayloadOf = (ctx: StepContext) => {
    const { booking } = ctx;
    const view = toCrewSafeView({ sessionId: booking.id, request: booking.request, roster: booking.roster, guestUrl: deps.guestSite.guestUrl(booking.id) }, settings);
    return sccEventPayload(view);
  };
  /**
   * A repeat (an earlier attempt may have sent this PATCH; its quiet time is over, so it has landed
   * or never will): SCC's item tells which, since SCC writes it on every PATCH. Landed: sending it
   * again would e-mail the crew the same change twice. The first attempt always sends.
   */
  const earlierPatchLanded = async (ctx: StepContext, eventId: string, patch: Record<string, unknown>): Promise<boolean> => {
    if (!deps.sccItems || !outcomeUnknown(ctx)) return false;
    const { shows, unreadable } = await deps.sccItems.shows(eventId, patch, callOptions(ctx));
    throwIfAborted(ctx.signal);
    if (unreadable) ctx.log.warn({ eventId, unreadable }, 'SCC item not read before repeating a PATCH; sending it again');
    else if (shows) ctx.log.info({ eventId }, 'SCC item already shows the PATCH an earlier attempt sent; not sending it again');
    return shows;
  };
  const missing = (what: string, step: AnyStepName) =>
    new IntegrationError(`${what} not found for ${step}`, {
      code: 'PIPELINE_ARTIFACT_MISSING',
      retryable: false,
      system: 'pipeline',
      operatorMessage: `${what} this booking should have could not be found, so ${step} cannot change it — check it was not deleted by hand, then Retry.`,
    });

  return {
    async calendar(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const entry = calendarEntryFor(booking, { timezone: config.timezone, operator: config.operator, guestUrl: deps.guestSite.guestUrl(booking.id) });
      const { calendarId, created } = await deps.calendar.ensure(entry, ensureOptions(ctx, quietMs));
      return { calendarId, created };
    },

    async scc_event(ctx): Promise<StepResult> {
      const { eventId, created } = await deps.scc.ensure(sccPayloadOf(ctx), ensureOptions(ctx, quietMs));
      return { eventId, created };
    },

    async calendar_update(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const calendarId = await calendarIdOf(ctx);
      if (!calendarId) throw missing('The calendar entry', 'calendar_update');
      const { externalId: _externalId, ...entry } = calendarEntryFor(booking, { timezone: config.timezone, operator: config.operator, guestUrl: deps.guestSite.guestUrl(booking.id) });
      await afterEarlierWritesLand(ctx, quietMs, dashboardWait);
      await deps.calendar.update(calendarId, entry, keyOf(ctx, 'calendar_update'), callOptions(ctx));
      await afterEarlierWritesLand(ctx, quietMs, dashboardWait);
      return { calendarId, revision: ctx.operation?.revision ?? 1 };
    },

    async calendar_delete(ctx): Promise<StepResult> {
      const calendarId = await calendarIdOf(ctx);
      // Never created (the create stopped before its POST took effect): nothing to delete.
      if (!calendarId) return { deleted: false, found: false };
      // An earlier attempt may have deleted it already: look before sending a second DELETE.
      // A change's PATCH that got no answer may still land (cancelStepState): deleted first, the entry could come back or keep the new time.
      await afterEarlierWritesLand(ctx, quietMs, dashboardWait);
      if (outcomeUnknown(ctx) && (await deps.calendar.findByExternalId(ctx.booking.id, callOptions(ctx))) === undefined) return { calendarId, deleted: false, found: false };
      const { deleted } = await deps.calendar.delete(calendarId, keyOf(ctx, 'calendar_delete'), callOptions(ctx));
      return { calendarId, deleted, found: true };
    },

    async scc_update(ctx): Promise<StepResult> {
      const eventId = await sccEventIdOf(ctx);
      if (!eventId) throw missing('The SCC event', 'scc_update');
      const { externalId: _externalId, ...patch } = sccPayloadOf(ctx);
      await afterEarlierWritesLand(ctx, quietMs, sccWait);
      const revision = ctx.operation?.revision ?? 1;
      if (await earlierPatchLanded(ctx, eventId, patch)) return { eventId, revision, alreadyApplied: true };
      await deps.scc.update(eventId, patch, keyOf(ctx, 'scc_update'), callOptions(ctx));
      await afterEarlierWritesLand(ctx, quietMs, sccWait);
      return { eventId, revision };
    },

    async scc_cancel(ctx): Promise<StepResult> {
      const eventId = await sccEventIdOf(ctx);
      if (!eventId) return { cancelled: false, found: false };
      await afterEarlierWritesLand(ctx, quietMs, sccWait);
      if (await earlierPatchLanded(ctx, eventId, SCC_CANCEL_PATCH)) return { eventId, cancelled: true, found: true, alreadyApplied: true };
      await deps.scc.cancel(eventId, keyOf(ctx, 'scc_cancel'), callOptions(ctx));
      await afterEarlierWritesLand(ctx, quietMs, sccWait);
      return { eventId, cancelled: true, found: true };
    },

    async revenue_guard(ctx): Promise<StepResult> {
      // After whichever SCC write this operation made (create, update or cancel).
      const written = ctx.results.scc_event ?? ctx.results.scc_update ?? ctx.results.scc_cancel;
      if (written && written.found === false) return { skipped: true, verified: true };
      const eventId = written ? requireResult(ctx, ctx.results.scc_event ? 'scc_event' : ctx.results.scc_update ? 'scc_update' : 'scc_cancel', 'eventId') : await sccEventIdOf(ctx);
      if (!eventId) throw missing('The SCC event', 'revenue_guard');
      // Every SCC item with this booking's externalId, not only the one we wrote (SCC may hold a duplicate).
      const result = await deps.revenueGuard.guard({ eventId, externalId: ctx.booking.id });
      return { eventId, items: result.items, removedAttributes: result.removedAttributes, removedNoteLines: result.removedNoteLines, verified: result.verified };
    },

    async guest_page(ctx): Promise<StepResult> {
      const { booking } = ctx;
      // Page and .ics speak as of the time their revision was made, from the record, not the clock:
      // the same revision renders the same bytes, so the content hash (and the invalidation's
      // CallerReference) only changes when the content does. A cancel made after departure is
      // worded for the past; the .ics DTSTAMP is that time too, not the booking's creation, so a
      // calendar app that compares two copies of the event sees the newer one as newer.
      const cancelled = ctx.operation?.kind === 'cancel';
      const revision = ctx.operation?.revision ?? booking.revision ?? 1;
      const asOfMs = revisionMadeAtMs(booking, revision);
      // Both notices speak of the page the guest last saw, not of the operations: a change whose page
      // never went up moved nothing the guest knows of, and one whose page did, though it then failed,
      // showed them its departure. The cancelled notice names that trip; a live page tells of the move from it.
      const opId = ctx.operation?.id ?? CREATE_OP;
      const movedFrom = cancelled ? undefined : moveToTell(booking, opId);
      const lastSeen = cancelled ? lastPageShown(booking, opId) : undefined;
      const view = buildGuestPageView(
        {
          sessionId: booking.id,
          request: booking.request,
          roster: booking.roster,
          guestUrl: deps.guestSite.guestUrl(booking.id),
          guestFullName: booking.request.guestName,
          asOfMs,
          ...(movedFrom ? { movedFrom } : {}),
          ...(lastSeen ? { lastSeen } : {}),
        },
        settings,
      );
      // A cancelled .ics keeps the UID and takes the next SEQUENCE, which is what a calendar app
      // matches to mark the saved event cancelled; its times are those of the trip the notice names
      // (the view's, from lastSeen), the event the guest imported.
      const ics = renderGuestCalendar(view, { now: new Date(asOfMs), revision, cancelled });
      const html = cancelled ? renderCancelled(view) : renderPage(view);
      const published = await deps.guestSite.publish({ id: booking.id, html, ics });
      // What this page showed, for a cancelled notice to name; a cancelled notice is the last page.
      const shown = cancelled ? {} : pageShownResult({ shown: scheduleOf(booking.request), ...(movedFrom ? { movedFrom } : {}) });
      return { key: published.key, icsKey: published.icsKey, contentHash: published.contentHash, guestUrl: published.guestUrl, ...shown };
    },

    async guest_cache(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const contentHash = requireResult(ctx, 'guest_page', 'contentHash');
      // A refresh always clears the cache: a CallerReference of its own (its operation's id), since
      // the content's may have been used by the create or a change already; the same for every
      // attempt of that refresh, so CloudFront still dedupes a crashed attempt's retry.
      const refresh = ctx.operation?.kind === 'refresh' ? ctx.operation.id : undefined;
      const inv = await deps.guestSite.invalidate({ id: booking.id, contentHash, ...(refresh ? { round: refresh } : {}) });
      return { invalidationId: inv.invalidationId, callerReference: inv.callerReference, pathCount: inv.paths.length, guestUrl: deps.guestSite.guestUrl(booking.id) };
    },
  };
}
