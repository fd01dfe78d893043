/**
 * Every outside system except Slack, started locally on loopback ephemeral ports: S3 (s3rver),
 * DynamoDB (dynalite, with the SCC events table), the CloudFront API, the dashboard and SCC, plus a
 * guest-site server that runs the edge function over the local bucket. `env` is DESIGN's
 * configuration contract pointed at them — the only difference from production is endpoints and
 * credentials. Used by the integration tests, the sandbox and the doctor tests.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { startCloudFrontStandin, type CloudFrontStandin } from './cloudfront-standin';
import { startDashboardStandin, type DashboardStandin } from './dashboard-standin';
import { startDynalite, type RunningDynalite } from './dynalite';
import { startGuestSiteServer, type GuestSiteServer } from './guest-site-server';
import { S3RVER_CREDENTIALS, startS3Standin, type S3Standin } from './s3-standin';
import { startSccStandin, type SccMoneySeed, type SccStandin } from './scc-standin';

export interface StandinsOptions {
  bucket?: string;
  sccEventsTable?: string;
  distributionId?: string;
  dashboardToken?: string;
  sccServiceKey?: string;
  /** Money the SCC stand-in writes onto each event item (default DEFAULT_MONEY_SEED); false for none. */
  sccSeedMoney?: SccMoneySeed | false;
  /** Delay before SCC's item appears in DynamoDB, in ms (default 0). */
  sccItemDelayMs?: number;
  /** The SCC stand-in applies (and "e-mails") every PATCH, a repeated Idempotency-Key's too (default false). */
  sccIgnoreIdempotencyKeys?: boolean;
  region?: string;
  /** Directory for the bucket's files (default: a temp folder removed on close). */
  s3Directory?: string;
  /** Directory for dynalite's LevelDB (default: in memory). */
  dynamodbPath?: string;
  /** Port of the guest-site server (default: ephemeral). */
  guestSitePort?: number;
}

export interface Standins {
  dashboard: DashboardStandin;
  scc: SccStandin;
  cloudfront: CloudFrontStandin;
  s3: S3Standin;
  dynamodb: RunningDynalite;
  /** Serves GET /g/{ID} and /g/{ID}.ics through src/edge/guest-rewrite.js from the local bucket. */
  guestSite: GuestSiteServer;
  /** Configuration variables (DESIGN's contract, minus Slack) pointing at the stand-ins. */
  env: Record<string, string>;
  /** Stops every server, in reverse order of start. */
  close(): Promise<void>;
}

export async function startStandins(opts: StandinsOptions = {}): Promise<Standins> {
  const bucket = opts.bucket ?? 'guest-site-local';
  const table = opts.sccEventsTable ?? 'scc-events-local';
  const region = opts.region ?? 'us-west-2';
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const dynamodb = await startDynalite(opts.dynamodbPath ? { path: opts.dynamodbPath } : {});
    closers.push(dynamodb.close);
    const ddb = new DynamoDBClient({ endpoint: dynamodb.endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (err) {
      // An on-disk dynalite from a previous run already has the table.
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    } finally {
      ddb.destroy();
    }

    const s3 = await startS3Standin({ bucket, ...(opts.s3Directory ? { directory: opts.s3Directory } : {}) });
    closers.push(s3.close);
    const s3Client = new S3Client({ endpoint: s3.endpoint, region, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    closers.push(async () => s3Client.destroy());

    // The guest-site server below plays the distribution (it runs the viewer-request rewrite), and
    // GUEST_SITE_URL names it as `localhost`: that is the distribution's alternate domain name.
    const cloudfront = await startCloudFrontStandin({ bucket, region, distribution: { aliases: ['localhost'] }, ...(opts.distributionId ? { distributionId: opts.distributionId } : {}) });
    closers.push(cloudfront.close);
    const dashboard = await startDashboardStandin({ ...(opts.dashboardToken ? { token: opts.dashboardToken } : {}) });
    closers.push(dashboard.close);
    const scc = await startSccStandin({
      dynamodbEndpoint: dynamodb.endpoint,
      region,
      table,
      ...(opts.sccServiceKey ? { serviceKey: opts.sccServiceKey } : {}),
      ...(opts.sccSeedMoney !== undefined ? { seedMoney: opts.sccSeedMoney } : {}),
      ...(opts.sccItemDelayMs !== undefined ? { itemDelayMs: opts.sccItemDelayMs } : {}),
      ...(opts.sccIgnoreIdempotencyKeys !== undefined ? { ignoreIdempotencyKeys: opts.sccIgnoreIdempotencyKeys } : {}),
    });
    closers.push(scc.close);
    const guestSite = await startGuestSiteServer({ s3: s3Client, bucket, ...(opts.guestSitePort !== undefined ? { port: opts.guestSitePort } : {}) });
    closers.push(guestSite.close);

    const env: Record<string, string> = {
      DASHBOARD_URL: dashboard.url,
      DASHBOARD_TOKEN: dashboard.token,
      SCC_API_URL: scc.url,
      SCC_SERVICE_KEY: scc.serviceKey,
      SCC_EVENTS_TABLE: table,
      GUEST_BUCKET: bucket,
      GUEST_DISTRIBUTION_ID: cloudfront.distributionId,
      // `localhost`, not 127.0.0.1: configuration refuses an SCC_API_URL on the guest site's host
      // (there it would be CloudFront), and SCC's stand-in is on 127.0.0.1.
      GUEST_SITE_URL: guestSite.url.replace('127.0.0.1', 'localhost'),
      AWS_REGION: region,
      // s3rver verifies signatures against these fixed keys; dynalite and the CloudFront stand-in accept any.
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    };
    return { dashboard, scc, cloudfront, s3, dynamodb, guestSite, env, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
