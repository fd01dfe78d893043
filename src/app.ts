/**
 * Composition root: the one place that wires store, integrations, BookingService, the Bolt app,
 * the Slack listeners and the progress publisher. No Slack call is made at start-up: the bot token
 * is handed to Bolt through `authorize`, so Bolt never needs auth.test to serve a request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, type AwsLambdaReceiver, type Authorize } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { charterTimeSettings, type Config } from './config';
import type { Logger } from './log';
import { boltLogger } from './slack/bolt-logger';
import type { BookingApi } from './pipeline/api';
import { openStore } from './pipeline/open-store';
import { PeriodicScheduler, type PeriodicTask } from './pipeline/periodic';
import { sameHostOwnerDead } from './pipeline/owner-liveness';
import { defaultOwnerId, type RunnerOptions } from './pipeline/runner';
import { BookingService } from './pipeline/service';
import type { BookingStore } from './pipeline/store';
import type { IntegrationSteps } from './pipeline/step-implementations';
import { lazyIcalFeedClient, lazyIntegrationSteps, loadDoctor } from './lazy-modules';
import type { BookingRecord, StepImplementations } from './pipeline/types';
import type { SlackDeps } from './slack/context';
import { withLifecycleCrewNotice } from './slack/crew-lifecycle';
import { createCrewNoticeStep } from './slack/crew-notice';
import { crewReminderTask } from './slack/crew-reminders';
import { PostOnce, type PostOnceOptions } from './slack/post-once';
import { channelSettingOf } from './slack/slack-errors';
import { createApprovalChecks } from './slack/intake/approval-checks';
import { createNoticeJudge } from './slack/intake/notice-judge';
import { icalWatcherTask } from './slack/intake/ical-watcher';
import { approvalWatchTask, ChangedApprovals } from './slack/approval-watch';
import { approvalsBehind } from './slack/approvals-behind';
import { ChangeRequestDraws } from './slack/change-request-draws';
import { HomePublisher } from './slack/home/publisher';
import { postClaimRule } from './slack/progress/post-claim';
import { isMilestoneEvent, ProgressPublisher } from './slack/progress/publisher';
import { redrawRecentProgress } from './slack/progress/redraw-at-start';
import { redrawStaleTask } from './slack/progress/redraw-stale';
import { crewRedrawBehindTask } from './slack/crew-redraw-behind';
import { registerListeners } from './slack/register';
import { renderProgress } from './slack/render';
import { guardSlackRequests, SLACK_BODY_LIMIT_BYTES } from './slack/request-guard';
import { memberActiveNotifier, memberDeactivatedNotifier, tellOwedDeactivations } from './slack/member-deactivated';
import { createUserDirectory } from './slack/users';
import type { SlackFetch } from './slack/slack-fetch';
import { settleWithin } from './deadline';
import { refusedRequestWarner } from './slack/refusal-log';
import { slackRequestFields } from './slack/request-fields';

export type { IntegrationSteps };

export interface AppDeps {
  log: Logger;
  /**
   * How long `/charter doctor` may take in all (default: each call's own 5 s). On Lambda the Slack
   * function answers Slack only when its listener ends, and Slack waits 3 s.
   */
  doctorDeadlineMs?: number;
  /**
   * How long after a crew answer its redraw of the crew posts may go on starting rounds (default a
   * minute, src/slack/crew-redraw.ts). On Lambda Slack hears the click's answer only after that.
   */
  crewRedrawWithinMs?: number;
  /** Tries of an approval message's redraw inside a click's handler (src/slack/approval-redraw.ts); default 4. */
  approvalRedrawTries?: number;
  /** Clock for booking records, schema checks and message times (default Date.now). */
  now?: () => number;
  /** An already open store (tests share one); default openStore(config.store). */
  store?: BookingStore;
  /**
   * Environment for the integration adapters' AWS SDK variables (AWS_ENDPOINT_URL_*, credentials);
   * default process.env. Tests and the sandbox pass startStandins().env here.
   */
  env?: Record<string, string | undefined>;
  /** The integration steps; default createStepImplementations({ config, log, env }), built on first use. */
  integrationSteps?: (config: Config, log: Logger) => IntegrationSteps | Promise<IntegrationSteps>;
  /** Replaces individual steps after everything is wired (tests inject failures). */
  stepOverrides?: Partial<StepImplementations>;
  runner?: RunnerOptions;
  /** Extra WebClient options, e.g. `{ retryConfig: { retries: 0 } }` in tests. */
  slackClientOptions?: WebClientOptions;
  /**
   * Every WebClient's HTTP transport (src/slack/slack-fetch.ts), which carries the call deadline;
   * the app closes it on stop. Default: the WebClient's own (the global fetch), which Lambda keeps.
   */
  slackFetch?: SlackFetch;
  /** Coalescing window of progress updates per booking (default 1000 ms). */
  progressMinIntervalMs?: number;
  /** Workspace token bucket of cosmetic progress updates (default 5 at once, one per 1200 ms). */
  progressWorkspace?: { burst?: number; refillMs?: number };
  /** Interface the HTTP receiver binds (default all interfaces; tests use 127.0.0.1). */
  host?: string;
  ownerId?: string;
  /**
   * A receiver built by the caller (src/lambda.ts passes an AwsLambdaReceiver); wins over HTTP and
   * Socket Mode. start() is then not used: the caller serves requests through the receiver.
   */
  receiver?: AwsLambdaReceiver;
  /** Start pipelines in this process after approve/retry (default true; false on Lambda, where the table stream starts them). */
  autoRun?: boolean;
  /**
   * Mark each finished booking's progress draw in its record, and redraw on the minute tick those
   * marked behind (default false; true on Lambda, which has no start-up to redraw at:
   * src/slack/progress/drawn-mark.ts). Off on a server: a store write it does not need.
   */
  progressDrawnMarks?: boolean;
  /** Quiet time per user before a booking change republishes their App Home (default 2 s). */
  homeDebounceMs?: number;
  /** Bounds of the exactly-once posting of crew posts and progress messages (src/slack/post-once.ts); tests shorten them. */
  crewPostOnce?: Omit<PostOnceOptions, 'client'>;
}

export interface BuiltApp {
  bolt: App;
  api: BookingApi;
  service: BookingService;
  store: BookingStore;
  progress: ProgressPublisher;
  /** Approval messages redrawn after a change ran (idle() before a Lambda returns). */
  changedApprovals: ChangedApprovals;
  /** App Home tabs of users who opened them. */
  home: HomePublisher;
  /** Clock-driven work (sweeper, reminders, feeds); started by start(), run once per tick on Lambda. */
  periodic: PeriodicScheduler;
  /** Only in HTTP mode. */
  receiver?: HTTPReceiver;
  /**
   * Work listeners and runs left behind (store writes, a coalesced progress update, an approval
   * redraw, Home tabs a change affects, wherever they were opened) has gone out. A Lambda
   * invocation awaits it before it returns: after that the instance may be frozen mid-request.
   */
  settle(): Promise<void>;
  /** A graceful stop's tail, once the runs have ended: their final updates sent for up to `withinMs`, then the publisher stops. */
  drain(withinMs?: number): Promise<void>;
  /** Starts serving (HTTP on config.slack.port, or Socket Mode), then resumes interrupted pipelines. */
  start(): Promise<RunningApp>;
}

export interface RunningApp {
  /** The HTTP port actually bound (useful with PORT=0); undefined in Socket Mode. */
  port?: number;
  /** `http://127.0.0.1:PORT` in HTTP mode. */
  url?: string;
  built: BuiltApp;
  stop(): Promise<void>;
}

/**
 * How long a graceful stop waits for the progress updates still due once the runs have ended: a
 * few sends, or a 429's wait; short of container runtimes' usual 30 s grace period.
 */
const PROGRESS_DRAIN_MS = 10_000;

/** The WebClient's retries of one call, and the longest pause between them. */
const SLACK_RETRIES = 2;
const SLACK_MAX_BACKOFF_MS = 2000;

/**
 * Socket Mode's apps.connections.open once connected, for every reconnect Slack asks for: about half
 * an hour of tries, a minute apart at most, each within the call deadline. The Socket Mode client
 * gives up reconnecting for good once that call fails, and the failure rejects where nothing can
 * catch it (the process ends), so a Slack unreachable for a few seconds must not use up the three
 * tries the other calls get. At start the three tries stand: a refused token or a wrong
 * SLACK_API_URL stops the start at once, with a message, instead of half an hour later.
 */
const SOCKET_RECONNECT_RETRY = { retries: 40, factor: 2, minTimeout: 500, maxTimeout: 60_000, randomize: true };

/** How long a stop waits for Slack to answer the socket's close (see stop()). */
const SOCKET_CLOSE_WAIT_MS = 3000;

export async function buildApp(config: Config, deps: AppDeps): Promise<BuiltApp> {
  const log = deps.log;
  const now = deps.now ?? Date.now;
  const store = deps.store ?? (await openStore(config.store, { log }, config.liveness));
  const ownsStore = deps.store === undefined;

  const liveness = config.liveness;
  const clientOptions: WebClientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl.endsWith('/') ? config.slack.apiUrl : `${config.slack.apiUrl}/` } : {}),
    // The WebClient's defaults are no deadline and ~30 minutes of retries: a hung Slack would hold
    // the crew step (and its booking) far past any bound. Three tries of callTimeoutMs each.
    ...(deps.slackFetch ? { timeout: 0, fetch: deps.slackFetch.fetch } : { timeout: liveness.callTimeoutMs }),
    retryConfig: { retries: SLACK_RETRIES, factor: 2, minTimeout: 500, maxTimeout: SLACK_MAX_BACKOFF_MS, randomize: true },
    ...deps.slackClientOptions,
  };
  // The publisher and the crew step handle 429 themselves (Retry-After), so this client rejects them.
  const client = new WebClient(config.slack.botToken, { ...clientOptions, rejectRateLimitedCalls: true, logger: boltLogger(log) });
  // Crew posts and progress messages must land once: a post whose answer was lost may have posted,
  // so this client never sends anything again by itself. PostOnce looks such a post up (by its
  // metadata) before it is sent again, within its own bounds, and otherwise fails (the crew step
  // with Retry; the progress message tries again later, looking first).
  const crewPostClient = new WebClient(config.slack.botToken, { ...clientOptions, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: boltLogger(log) });
  const postOnceDeadlineMs = deps.crewPostOnce?.deadlineMs ?? Math.max(liveness.callTimeoutMs * 2, 20_000);
  const poster = new PostOnce({ client: crewPostClient, channelSetting: (channel) => channelSettingOf(config.slack, channel), ...deps.crewPostOnce, deadlineMs: postOnceDeadlineMs });

  const integration = deps.integrationSteps
    ? await deps.integrationSteps(config, log)
    : lazyIntegrationSteps(config, log, deps.env);
  // The crew step saves each crew post as it makes it; the service is built just below, and steps only run after.
  const crewPostStore = { get: (...a: Parameters<BookingService['get']>) => service.get(...a), saveCrewPost: (...a: Parameters<BookingService['saveCrewPost']>) => service.saveCrewPost(...a), setSlackRefs: (...a: Parameters<BookingService['setSlackRefs']>) => service.setSlackRefs(...a), updateSlackRefs: (...a: Parameters<BookingService['updateSlackRefs']>) => service.updateSlackRefs(...a) };
  const steps: StepImplementations = { ...integration, crew_notice: withLifecycleCrewNotice(createCrewNoticeStep({ client, poster, config, api: crewPostStore }), { client, poster, config, api: crewPostStore }), ...deps.stepOverrides };
  const approvalPolicy = { requireSecondApprover: config.slack.requireSecondApprover, ...charterTimeSettings(config) };
  const ownerId = deps.ownerId ?? defaultOwnerId();
  // Every process sharing a SQLite file is on this host, so a dead predecessor can be recognised.
  const ownerDead = config.store.kind === 'sqlite' ? sameHostOwnerDead(ownerId) : undefined;
  const service = new BookingService({
    store,
    steps,
    log,
    now,
    ownerId,
    approvalPolicy,
    leaseMs: liveness.leaseMs,
    stepAttemptTimeoutMs: liveness.stepAttemptTimeoutMs,
    stepBudgetMs: liveness.stepBudgetMs,
    createQuietMs: liveness.createQuietMs,
    maxConcurrentRuns: liveness.maxConcurrentRuns,
    ...(ownerDead ? { ownerDead } : {}),
    ...(deps.autoRun !== undefined ? { autoRun: deps.autoRun } : {}),
    ...deps.runner,
  });

  // The progress message is posted through PostOnce: its last post starts before its deadline and
  // ends within one call's deadline, which is the longest a holder's post can still land.
  const postClaim = postClaimRule({ callTimeoutMs: liveness.callTimeoutMs, postDeadlineMs: postOnceDeadlineMs, ...(ownerDead ? { ownerDead } : {}) });
  const progress = new ProgressPublisher({ ownerId, postClaim, client, poster, api: service, log, now, render: (b) => renderProgress(b, config, now()), ...(deps.progressMinIntervalMs !== undefined ? { minIntervalMs: deps.progressMinIntervalMs } : {}), ...(deps.progressWorkspace?.burst !== undefined ? { workspaceBurst: deps.progressWorkspace.burst } : {}), ...(deps.progressWorkspace?.refillMs !== undefined ? { workspaceRefillMs: deps.progressWorkspace.refillMs } : {}), ...(deps.progressDrawnMarks ? { markDrawn: (drawn: BookingRecord) => service.markProgressDrawn(drawn), markUndrawn: (id: string, failure: { code: string; refused: boolean }) => service.recordProgressUndrawn(id, failure) } : {}) });
  service.onProgress((event, record) => progress.notify(event.bookingId, { milestone: isMilestoneEvent(event), record }));
  const changedApprovals = new ChangedApprovals({ client, config, log, now, api: service });
  service.onProgress((event, record) => changedApprovals.notify(event, record));

  const authorize: Authorize<boolean> = async () => ({ botToken: config.slack.botToken });
  const boltLog = boltLogger(log);
  let receiver: HTTPReceiver | undefined;
  let socketOpenRetry: Record<string, unknown> | undefined;
  let socketReceiver: SocketModeReceiver | undefined;
  let bolt: App;
  if (deps.receiver) {
    bolt = new App({ receiver: deps.receiver, authorize, clientOptions, logger: boltLog, extendedErrorHandler: true });
  } else if (config.slack.appToken) {
    // The socket's WebClient reads this object on each call (p-retry copies its options per call),
    // so start() can widen it to SOCKET_RECONNECT_RETRY once connected.
    socketOpenRetry = { ...clientOptions.retryConfig };
    socketReceiver = new SocketModeReceiver({ appToken: config.slack.appToken, logger: boltLog, installerOptions: { clientOptions: { ...clientOptions, retryConfig: socketOpenRetry } } });
    bolt = new App({ receiver: socketReceiver, authorize, clientOptions, logger: boltLog, extendedErrorHandler: true });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: config.slack.signingSecret ?? '',
      endpoints: '/slack/events',
      logger: boltLog,
      bodyLimit: SLACK_BODY_LIMIT_BYTES,
      customRoutes: [
        {
          path: '/healthz',
          method: ['GET'],
          handler: (_req, res) => {
            store.ping().then(
              () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, store: 'reachable' })),
              (err: unknown) => {
                log.warn({ err }, 'health check: store unreachable');
                res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, store: 'unreachable' }));
              },
            );
          },
        },
      ],
    });
    // The real clock, as Bolt's own staleness check uses (deps.now may be a test's fake clock).
    guardSlackRequests(receiver, { endpoints: ['/slack/events'], onRefused: refusedRequestWarner(log) });
    bolt = new App({ receiver, authorize, clientOptions, logger: boltLog, extendedErrorHandler: true });
  }
  // With who sent what: a failure logged without them cannot be matched to the person who saw nothing.
  // (extendedErrorHandler: true on every App above; Bolt's types cannot tell which handler it takes.)
  const onListenerError = async ({ error, body }: { error: Error; body: unknown }) => {
    log.error({ err: error, ...slackRequestFields(body) }, 'slack listener failed');
  };
  bolt.error(onListenerError as unknown as Parameters<App['error']>[0]);

  const doctor = async () => {
    const { runDoctor, formatReport } = loadDoctor();
    // Not the app's Slack client: it retries a hung Slack for half a minute; the doctor builds one that waits 5 s once.
    return formatReport(await runDoctor({ env: deps.env ?? process.env, config, store, ...(deps.doctorDeadlineMs !== undefined ? { deadlineMs: deps.doctorDeadlineMs } : {}) }));
  };
  const home = new HomePublisher({ client, store, config, log, now, ...(deps.homeDebounceMs !== undefined ? { debounceMs: deps.homeDebounceMs } : {}) });
  service.onProgress(() => home.changed());
  // A member's deactivated flag set or dropped: redrawn at once, as a milestone (a crew member gone
  // matters as much as a failed step). A booking awaiting approval has no progress message yet.
  const redrawFlag = (b: BookingRecord) => {
    if (b.slack.progressTs) progress.notify(b.id, { record: b, milestone: true });
    home.changed();
  };
  const users = createUserDirectory(client, { now });
  const stillDeactivated = async (userId: string) => {
    users.forget(userId);
    return (await users.lookup(userId)).deleted === true;
  };
  const deactivatedDeps = { store, service, client, poster, config, log, owner: ownerId, now, onFlagChanged: redrawFlag, stillDeactivated };
  const memberDeactivated = memberDeactivatedNotifier(deactivatedDeps);
  const memberActive = memberActiveNotifier(deactivatedDeps);
  const slackDeps: SlackDeps = { api: service, config, log, now, users, progress, client, doctor, home, approvalChecks: createApprovalChecks(store, config), noticeJudge: createNoticeJudge(store, config), approvalsBehind: approvalsBehind(store), changeRequestDraws: new ChangeRequestDraws(), memberDeactivated, memberActive, ...(deps.crewRedrawWithinMs !== undefined ? { crewRedrawWithinMs: deps.crewRedrawWithinMs } : {}), ...(deps.approvalRedrawTries !== undefined ? { approvalRedrawTries: deps.approvalRedrawTries } : {}) };
  registerListeners(bolt, slackDeps);

  // Everything that must happen on a clock rather than in answer to a click. Add tasks here.
  const periodicTasks: PeriodicTask[] = [
    { name: 'sweeper', everyMs: liveness.sweepEveryMs, run: () => service.resumeAll() },
    crewReminderTask({ store, service, client, poster, config, log, owner: ownerId, retryDeactivated: tellOwedDeactivations(deactivatedDeps) }),
    approvalWatchTask({ store, client, config, log, onChange: () => home.changed(), onRetryClosed: (id) => progress.notify(id, { milestone: true }) }),
    // Catches what no event announces (a new day, another process's new request): unchanged tabs are not republished.
    { name: 'home-refresh', everyMs: 60_000, run: async () => home.changed() },
  ];
  // What an invocation cut off before its last progress update left stale (no start-up on Lambda to redraw at).
  if (deps.progressDrawnMarks) periodicTasks.push(redrawStaleTask({ store, notify: (id) => progress.notify(id, { redraw: true, once: true }), log }));
  // And the crew posts a crew answer's redraw left behind once its first second was up (crew-redraw-behind.ts).
  if (deps.progressDrawnMarks) periodicTasks.push(crewRedrawBehindTask({ store, client, api: service, config, log, ...(deps.crewRedrawWithinMs !== undefined ? { withinMs: deps.crewRedrawWithinMs } : {}) }));
  // Intake: platforms' iCal feeds become notices in the ops channel (only when feeds are configured).
  const feedClient = config.ical.feeds.length > 0 ? lazyIcalFeedClient() : undefined;
  // On Lambda a one-minute schedule runs every task: gate the polls to the configured interval.
  const minPollGapMs = deps.receiver ? Math.max(0, config.ical.pollMinutes * 60_000 - 30_000) : 0;
  if (feedClient) periodicTasks.push(icalWatcherTask({ store, client, config, log, feeds: feedClient, minPollGapMs }));
  const periodic = new PeriodicScheduler(periodicTasks, log, now);

  const built: BuiltApp = {
    bolt,
    api: service,
    service,
    store,
    progress,
    changedApprovals,
    home,
    periodic,
    ...(receiver ? { receiver } : {}),
    async settle() {
      await service.idle();
      await progress.idle();
      await changedApprovals.idle();
      await home.flush();
    },
    async drain(withinMs = PROGRESS_DRAIN_MS) {
      await service.idle();
      await changedApprovals.idle();
      // Only now: the runs that just ended sent their last events (done, failed) to the
      // publisher, and the thread would otherwise keep showing them running.
      await progress.drain(withinMs);
    },
    async start() {
      let port: number | undefined;
      if (receiver) {
        const server = (await bolt.start({ port: config.slack.port, ...(deps.host ? { host: deps.host } : {}) })) as Server;
        port = (server.address() as AddressInfo).port;
        log.info({ port }, 'listening for Slack at POST /slack/events');
      } else {
        try {
          await bolt.start();
        } catch (err) {
          if (!socketOpenRetry) throw err;
          // main.ts exits on this; whoever else started the app gets back what buildApp opened.
          await deps.slackFetch?.close();
          if (ownsStore) await store.close();
          throw socketModeStartError(err, config.slack.apiUrl);
        }
        if (socketOpenRetry) Object.assign(socketOpenRetry, SOCKET_RECONNECT_RETRY);
        log.info('connected to Slack in Socket Mode');
      }
      void periodic.runOnce();
      periodic.start();
      // What a stopped process left stale in finished bookings' threads (./slack/progress/redraw-at-start.ts).
      void redrawRecentProgress({ store, notify: (id) => progress.notify(id, { redraw: true }), log, nowMs: now() });
      return {
        ...(port !== undefined ? { port, url: `http://127.0.0.1:${port}` } : {}),
        built,
        async stop() {
          home.stop();
          await periodic.stop();
          await feedClient?.close();
          // Bolt's SocketModeReceiver.stop() returns before the socket is closed: waiting for the
          // close handshake lets Slack see the connection end, and leaves no half-closed socket or
          // handshake timer behind. The SDK waits 30 s for a Slack that does not answer the close,
          // too long ahead of the drain in a 30 s grace period: past SOCKET_CLOSE_WAIT_MS the stop
          // goes on (the process exits soon after anyway).
          const stopping = socketReceiver ? settleWithin(socketReceiver.client.disconnect(), SOCKET_CLOSE_WAIT_MS, () => log.warn('Slack did not answer the Socket Mode close; stopping anyway'), { holdProcess: false }) : bolt.stop();
          await stopping.catch((err: unknown) => log.warn({ err }, 'stopping the Slack receiver'));
          await built.drain();
          await deps.slackFetch?.close();
          if (ownsStore) await store.close();
        },
      };
    },
  };
  return built;
}

/**
 * Slack refusing SLACK_APP_TOKEN at start reaches the operator as "charter-bot failed to start: …"
 * (src/main.ts): it says which variable and what Slack answered, and points to the doctor, which
 * explains each refusal and its fix; the bare SDK error named neither.
 */
function socketModeStartError(err: unknown, apiUrl: string | undefined): Error {
  const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
  const where = apiUrl && URL.canParse(apiUrl) ? new URL(apiUrl).host : 'slack.com';
  const what = typeof code === 'string' ? `Slack refused SLACK_APP_TOKEN (${code})` : `could not reach Slack at ${where} (${err instanceof Error ? err.message : String(err)})`;
  return new Error(`Socket Mode: apps.connections.open failed: ${what}; \`npm run doctor\` says why and how to fix it`, { cause: err });
}

/** Used by src/main.ts. */
export async function startApp(config: Config, deps: AppDeps): Promise<RunningApp> {
  const built = await buildApp(config, deps);
  return built.start();
}
