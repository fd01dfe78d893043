/**
 * The two Lambda functions as AWS runs them, built from the handler factories src/lambda.ts and
 * src/lambda-pipeline.ts export, over the stand-ins (DynamoDB on dynalite, Slack's Web API over HTTP):
 * each test file gets its own table, and may open fresh instances of either function, as Lambda may.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createSlackHandler, type SlackLambda } from '../../../src/lambda';
import type { LambdaAppOptions } from '../../../src/lambda-app';
import { createPipelineHandler, type PipelineLambda } from '../../../src/lambda-pipeline';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { standinAppEnv } from '../../support/env';

type Deps = NonNullable<LambdaAppOptions['deps']>;

export interface LambdaWorld {
  readonly slackApi: SlackApiStandin;
  readonly ddb: DynamoDBClient;
  /** A fresh Slack-function instance (closed after the file). */
  slackFunction(): Promise<SlackLambda>;
  /** A fresh pipeline-function instance (closed after the file); `deps` overrides the shared ones. */
  pipelineFunction(deps?: Partial<Deps>): Promise<PipelineLambda>;
  /** The booking's item as stored, read consistently. */
  rawItem(id: string): Promise<Record<string, AttributeValue>>;
}

export function useLambdaWorld(opts: { table: string; signingSecret: string; approver: string; opsChannel: string; callTimeoutMs: number }): LambdaWorld {
  let standins: Standins;
  let slackApi: SlackApiStandin;
  let ddb: DynamoDBClient;
  let env: Record<string, string | undefined>;
  let deps: Deps;
  const opened: { app: { close(): Promise<void> } }[] = [];

  beforeAll(async () => {
    [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
    ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await new DynamoBookingStore({ client: ddb, table: opts.table }).ensureTable({ create: true });
    env = { ...standinAppEnv({ standins: standins.env, slackApiUrl: slackApi.url, signingSecret: opts.signingSecret, approver: opts.approver, opsChannel: opts.opsChannel, store: `dynamodb:${opts.table}` }), CHARTER_CALL_TIMEOUT_MS: String(opts.callTimeoutMs) };
    // A 5 s step lease, not 1.5 s: a loaded machine stalls the first run for seconds, which fenced
    // its attempts, and their retries waited out the 35 s create quiet time (handlers.test.ts).
    deps = { log: createLogger({ level: 'silent' }), slackClientOptions: { retryConfig: { retries: 0 } }, runner: { baseDelayMs: 5, maxDelayMs: 20, leaseMs: 5000 }, progressMinIntervalMs: 50, crewPostOnce: { deadlineMs: 500 } };
  }, 60_000);

  afterAll(async () => {
    for (const fn of opened) await fn.app.close();
    ddb?.destroy();
    await slackApi?.close();
    await standins?.close();
  });

  return {
    get slackApi() {
      return slackApi;
    },
    get ddb() {
      return ddb;
    },
    async slackFunction() {
      const fn = await createSlackHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' }, deps });
      opened.push(fn);
      return fn;
    },
    async pipelineFunction(overrides = {}) {
      const fn = await createPipelineHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' }, deps: { ...deps, ...overrides } });
      opened.push(fn);
      return fn;
    },
    async rawItem(id) {
      const out = await ddb.send(new GetItemCommand({ TableName: opts.table, Key: { id: { S: id } }, ConsistentRead: true }));
      if (!out.Item) throw new Error(`no item ${id}`);
      return out.Item;
    },
  };
}
