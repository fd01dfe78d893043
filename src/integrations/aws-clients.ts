/**
 * AWS SDK clients built from configuration. Endpoints follow the SDK's own variables
 * (AWS_ENDPOINT_URL_S3 / _DYNAMODB / _CLOUDFRONT, or AWS_ENDPOINT_URL for all) read from the `env`
 * passed in, so a test or the sandbox can aim one process at local stand-ins without touching
 * process.env. Checksums are WHEN_REQUIRED: S3-compatible servers such as s3rver store the
 * aws-chunked framing of flexible checksums as object content.
 *
 * Every client has a connect and a whole-request deadline and a bounded number of attempts: the
 * SDK's defaults have neither deadline, so a server that accepts the connection and never answers
 * would hold a step (and its booking) forever.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_LIVENESS } from '../config';
import { awsCallOptions, awsEndpoint, nonEmpty, type AwsCallLimits } from './aws-options';

export interface AwsClients {
  s3: S3Client;
  cloudfront: CloudFrontClient;
  dynamodb: DynamoDBClient;
  /** Closes keep-alive sockets so a process (or a jest worker) can exit. */
  destroy(): void;
}

type Env = Record<string, string | undefined>;
type Checksum = 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';

const checksum = (v: string | undefined): Checksum => (v?.trim().toUpperCase() === 'WHEN_SUPPORTED' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED');

export function createAwsClients(config: { aws: { region: string }; liveness?: AwsCallLimits }, env: Env = process.env): AwsClients {
  const region = config.aws.region;
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  // Explicit keys from `env` when given; otherwise the SDK's default chain (instance role, SSO, …).
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : undefined;
  const common = { region, ...(credentials ? { credentials } : {}), ...awsCallOptions(config.liveness ?? DEFAULT_LIVENESS) };
  const s3Endpoint = awsEndpoint('S3', env);
  const dynamoEndpoint = awsEndpoint('DYNAMODB', env);
  const cloudfrontEndpoint = awsEndpoint('CLOUDFRONT', env);
  const s3 = new S3Client({
    ...common,
    ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: checksum(env.AWS_REQUEST_CHECKSUM_CALCULATION),
    responseChecksumValidation: checksum(env.AWS_RESPONSE_CHECKSUM_VALIDATION),
    // The guest bucket is often older than the stack and elsewhere (static sites favour us-east-1),
    // and Lambda reserves AWS_REGION: S3's 301 names the bucket's region and the request follows it.
    followRegionRedirects: true,
  });
  const dynamodb = new DynamoDBClient({ ...common, ...(dynamoEndpoint ? { endpoint: dynamoEndpoint } : {}) });
  // CloudFront is a global service signed in us-east-1.
  const cloudfront = new CloudFrontClient({ ...common, region: 'us-east-1', ...(cloudfrontEndpoint ? { endpoint: cloudfrontEndpoint } : {}) });
  return {
    s3,
    cloudfront,
    dynamodb,
    destroy: () => {
      s3.destroy();
      dynamodb.destroy();
      cloudfront.destroy();
    },
  };
}
