/**
 * On Lambda too, a request signed with another secret is answered 401 and the log says which setting
 * to check: AwsLambdaReceiver's own handler logs the signature at info, which names nothing to fix.
 */
import { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSlackHandler, type SlackLambda } from '../../../src/lambda';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { standinAppEnv } from '../../support/env';
import { SlackRequester, slashCommandBody } from '../../support/slack-requests';
import { functionUrlEvent } from './support';

jest.setTimeout(60_000);

const SIGNING_SECRET = 'lambda-signing-secret-right-0123';
const WRONG_SECRET = 'lambda-client-secret-by-mistake-01';
const TABLE = 'charter-bookings-signing';
let standins: Standins;
let slackApi: SlackApiStandin;
let slackFn: SlackLambda;
const lines: string[] = [];

beforeAll(async () => {
  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
  const ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await new DynamoBookingStore({ client: ddb, table: TABLE }).ensureTable({ create: true });
  ddb.destroy();
  const env = standinAppEnv({ standins: standins.env, slackApiUrl: slackApi.url, signingSecret: SIGNING_SECRET, approver: 'U0APPROVE1', opsChannel: 'C0OPS00001', store: `dynamodb:${TABLE}` });
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) });
  slackFn = await createSlackHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' }, deps: { log } });
});
afterAll(async () => {
  await slackFn?.app.close();
  await slackApi?.close();
  await standins?.close();
});

it('a request signed with another secret: 401, and one warning naming SLACK_SIGNING_SECRET, without either secret', async () => {
  const body = slashCommandBody({ user_id: 'U0SOMEONE1', channel_id: 'C0OPS00001', text: 'help' });
  const forged = new SlackRequester({ url: 'http://unused.invalid', signingSecret: WRONG_SECRET });
  for (let i = 0; i < 2; i++) {
    const res = await slackFn.handle(functionUrlEvent(body, forged.headers(body)), {});
    expect(res.statusCode).toBe(401);
  }
  const hints = lines.filter((l) => l.includes('SLACK_SIGNING_SECRET'));
  expect(hints).toHaveLength(1);
  expect(hints[0]).toContain('Basic Information → App Credentials');
  expect(lines.join('')).not.toContain(WRONG_SECRET);
  expect(lines.join('')).not.toContain(SIGNING_SECRET);
});
