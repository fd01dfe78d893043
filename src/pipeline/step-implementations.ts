/**
 * The pipeline's integration steps (all but crew_notice, which is Slack's). Each is idempotent:
 * - calendar / scc_event look up by externalId (the booking id) before creating whenever an earlier
 *   attempt's outcome is unknown (a retry, a resumed crash, a re-run of a done step);
 * - revenue_guard converges (removing nothing from a clean item is a no-op);
 * - guest_page writes deterministic keys; guest_cache's CallerReference is id + content hash, so
 *   CloudFront itself dedupes a repeat of the same content.
 * Results hold ids and counts, never money.
 */
import { toCrewSafeView } from '../booking/crew-safe';
import type { Config } from '../config';
import { createIntegrations } from '../integrations';
import { calendarEntryFor, type DashboardCalendar } from '../integrations/calendar';
import { IntegrationError } from '../integrations/errors';
import { buildGuestPageView, renderGuestCalendar, renderGuestPage, type GuestPageView } from '../integrations/guest-page';
import type { GuestSite } from '../integrations/guest-site';
import type { RevenueGuard } from '../integrations/revenue-guard';
import { sccEventPayload, type SccClient } from '../integrations/scc';
import type { Logger } from '../log';
import type { StepContext, StepImplementations, StepName, StepResult } from './types';

export interface StepDependencies {
  config: Pick<Config, 'timezone' | 'rates' | 'operator'> & Partial<Pick<Config, 'liveness'>>;
  calendar: Pick<DashboardCalendar, 'ensure'>;
  scc: Pick<SccClient, 'ensure'>;
  revenueGuard: Pick<RevenueGuard, 'guard'>;
  guestSite: Pick<GuestSite, 'publish' | 'invalidate' | 'guestUrl'>;
  /** Defaults to the templates/ renderer of src/integrations/guest-page. */
  renderPage?: (view: GuestPageView) => string;
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
    ...(ctx.quietUntilMs !== undefined ? { quietUntilMs: ctx.quietUntilMs } : {}),
    ...(quietMs !== undefined ? { quietMs } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
  };
}

function requireResult(ctx: StepContext, step: StepName, field: string): string {
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

  return {
    async calendar(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const entry = calendarEntryFor(booking, { timezone: config.timezone, operator: config.operator, guestUrl: deps.guestSite.guestUrl(booking.id) });
      const { calendarId, created } = await deps.calendar.ensure(entry, ensureOptions(ctx, quietMs));
      return { calendarId, created };
    },

    async scc_event(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const view = toCrewSafeView(
        { sessionId: booking.id, request: booking.request, roster: booking.roster, guestUrl: deps.guestSite.guestUrl(booking.id) },
        settings,
      );
      const { eventId, created } = await deps.scc.ensure(sccEventPayload(view), ensureOptions(ctx, quietMs));
      return { eventId, created };
    },

    async revenue_guard(ctx): Promise<StepResult> {
      const eventId = requireResult(ctx, 'scc_event', 'eventId');
      // Every SCC item with this booking's externalId, not only the one we created (SCC may hold a duplicate).
      const result = await deps.revenueGuard.guard({ eventId, externalId: ctx.booking.id });
      return { eventId, items: result.items, removedAttributes: result.removedAttributes, removedNoteLines: result.removedNoteLines, verified: result.verified };
    },

    async guest_page(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const view = buildGuestPageView(
        {
          sessionId: booking.id,
          request: booking.request,
          roster: booking.roster,
          guestUrl: deps.guestSite.guestUrl(booking.id),
          guestFullName: booking.request.guestName,
        },
        settings,
      );
      // DTSTAMP from the booking, not the clock: the same booking renders the same bytes, so the
      // content hash (and the invalidation's CallerReference) only changes when the content does.
      const ics = renderGuestCalendar(view, { now: new Date(booking.createdAtMs) });
      const published = await deps.guestSite.publish({ id: booking.id, html: renderPage(view), ics });
      return { key: published.key, icsKey: published.icsKey, contentHash: published.contentHash, guestUrl: published.guestUrl };
    },

    async guest_cache(ctx): Promise<StepResult> {
      const { booking } = ctx;
      const contentHash = requireResult(ctx, 'guest_page', 'contentHash');
      const inv = await deps.guestSite.invalidate({ id: booking.id, contentHash });
      return { invalidationId: inv.invalidationId, callerReference: inv.callerReference, pathCount: inv.paths.length, guestUrl: deps.guestSite.guestUrl(booking.id) };
    },
  };
}
