/**
 * What both Lambda functions share: configuration from the environment, a logger, the DynamoDB
 * store and the one composition root (buildApp) behind an AwsLambdaReceiver, with autoRun off —
 * on Lambda a pipeline never runs in the process that approved it; the table's stream starts it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsLambdaReceiver } from '@slack/bolt';
import { buildApp, type AppDeps, type BuiltApp } from './app';
import { formatConfigProblems, loadConfig, secretValues, type Config } from './config';
import { awsCallOptions, awsEndpoint } from './integrations/aws-options';
import { lazyIntegrations } from './lazy-modules';
import { createLogger, type Logger } from './log';
import { boltLogger } from './slack/bolt-logger';
import { DynamoBookingStore } from './pipeline/dynamodb-store';

type Env = Record<string, string | undefined>;

/** The function cannot serve: configuration is missing or malformed. Not retryable until redeployed. */
export class LambdaConfigError extends Error {
  override name = 'LambdaConfigError';
  readonly code = 'LAMBDA_CONFIG_INVALID';
  readonly retryable = false;
  readonly operatorMessage: string;

  constructor(readonly problems: string[]) {
    const text = formatConfigProblems(problems);
    super(text);
    this.operatorMessage = text;
  }
}

export interface LambdaAppOptions {
  /** Default process.env. Tests pass the stand-ins' environment. */
  env?: Env;
  /** Extra composition-root options (tests: slackClientOptions, runner timings, a logger). */
  deps?: Partial<Omit<AppDeps, 'receiver' | 'autoRun' | 'store'>>;
}

export interface LambdaApp {
  config: Config;
  log: Logger;
  built: BuiltApp;
  receiver: AwsLambdaReceiver;
  /** Lets a test (or a long-lived host) release sockets; Lambda itself never calls it. */
  close(): Promise<void>;
}

/** The state table's client, aimed by the SDK's own variables read from `env` (not process.env). */
function stateTableClient(config: Config, env: Env): DynamoDBClient {
  const endpoint = awsEndpoint('DYNAMODB', env);
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : undefined;
  return new DynamoDBClient({ region: config.aws.region, ...awsCallOptions(config.liveness), ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) });
}

/** /charter doctor's whole run in the Slack function: its report posted, and the answer back, inside Slack's 3 s. */
const LAMBDA_DOCTOR_DEADLINE_MS = 2000;

/**
 * A crew answer's redraws start no round after this (the first round always runs): Slack hears the
 * click's answer only once the listener is done, within 3 s, and the instance is frozen after it.
 */
const LAMBDA_CREW_REDRAW_WITHIN_MS = 1000;

/**
 * An approval message's redraw after a click is tried once here, for the same reason: retries with
 * backoff would hold the click's answer past Slack's 3 s. A failed one is recorded and told, and
 * the approval watch's minute tick redraws it.
 */
const LAMBDA_APPROVAL_REDRAW_TRIES = 1;

export async function buildLambdaApp(options: LambdaAppOptions = {}): Promise<LambdaApp> {
  const env = options.env ?? process.env;
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new LambdaConfigError(loaded.problems);
  const config = loaded.config;
  // Checked here as well as in config (which keys the rule on AWS_LAMBDA_FUNCTION_NAME): this code
  // path must never open SQLite, whose native module is not in the bundle.
  if (config.store.kind !== 'dynamodb') throw new LambdaConfigError(['CHARTER_STORE must be dynamodb:TABLE on AWS Lambda']);
  const log = options.deps?.log ?? createLogger({ secretValues: secretValues(config) });
  const store = new DynamoBookingStore({ client: stateTableClient(config, env), table: config.store.table, ownsClient: true, log });
  const boltLog = boltLogger(log);
  const receiver = new AwsLambdaReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    logger: boltLog,
    // Its own handler logs the signature at info; ours says which setting to check (bolt-logger.ts).
    invalidRequestSignatureHandler: () => boltLog.warn('Slack request refused: signature mismatch'),
  });
  // Made here rather than by buildApp so close() can release their sockets. Built (and their
  // modules loaded) when a step first runs: most Slack requests and scheduled ticks run none.
  const integrations = options.deps?.integrationSteps ? undefined : lazyIntegrations(config, { env, log });
  const built = await buildApp(config, {
    env,
    // The Slack function's answer waits for /charter doctor (AwsLambdaReceiver), and Slack for 3 s.
    doctorDeadlineMs: LAMBDA_DOCTOR_DEADLINE_MS,
    crewRedrawWithinMs: LAMBDA_CREW_REDRAW_WITHIN_MS,
    approvalRedrawTries: LAMBDA_APPROVAL_REDRAW_TRIES,
    // No start-up to redraw what a cut-off invocation left stale: marks, and the minute tick.
    progressDrawnMarks: true,
    ...(integrations ? { integrationSteps: () => integrations.steps } : {}),
    ...options.deps,
    log,
    store,
    receiver,
    autoRun: false,
  });
  return {
    config,
    log,
    built,
    receiver,
    async close() {
      // After the runs: their final updates are the ones the thread must not miss.
      await built.drain();
      await integrations?.close();
      await store.close();
    },
  };
}
