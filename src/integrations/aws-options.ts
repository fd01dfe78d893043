/**
 * Where AWS SDK clients point and how long their calls may take, read from configuration and the
 * SDK's own variables. Apart from aws-clients.ts (which builds the clients) so that what needs only
 * these — the state table's client on Lambda, openStore — does not load the S3 and CloudFront
 * clients with them.
 */
type Env = Record<string, string | undefined>;

export const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);

export function awsEndpoint(service: 'S3' | 'DYNAMODB' | 'CLOUDFRONT', env: Env): string | undefined {
  return nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

export interface AwsCallLimits {
  connectTimeoutMs: number;
  callTimeoutMs: number;
  /** Attempts per call, the first included (the SDK retries throttles, 5xx and timeouts). */
  maxAttempts?: number;
}

/** Client options every AWS SDK client of ours gets: deadlines, attempts. */
export function awsCallOptions(limits: AwsCallLimits) {
  return {
    maxAttempts: limits.maxAttempts ?? 3,
    // Resolve each command's middleware stack once, not on every call (SDK ≥ 3.649): we add no
    // per-command middleware.
    cacheMiddleware: true,
    requestHandler: {
      connectionTimeout: limits.connectTimeoutMs,
      requestTimeout: limits.callTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
      socketTimeout: limits.callTimeoutMs,
    },
  };
}
