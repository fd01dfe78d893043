/**
 * The guest site: the rendered page and its .ics in the S3 bucket behind CloudFront, and the
 * invalidation that makes a new version visible. Keys are deterministic (jada-guest-{id lower}.*),
 * so a re-run overwrites instead of adding; the invalidation's CallerReference is id + content hash (+ `-qs`),
 * so a repeat of the same content is deduplicated by CloudFront itself and new content gets a new one.
 */
import { createHash } from 'node:crypto';
import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { networkProblem } from '../doctor/network';
import { IntegrationError } from './errors';

/**
 * Browsers re-check within a minute, shared caches within five. `s-maxage` is not CloudFront's
 * alone: it binds every shared cache on the way, and CloudFront has no header only it reads (its
 * expiration rules take max-age, s-maxage and Expires, bounded by the cache policy's TTLs). A year,
 * as this was, let a TLS-inspecting company proxy show a guest the old date, or miss a cancel, for
 * up to a year, out of reach of our invalidation. Five minutes bounds that; the invalidation still
 * makes CloudFront fresh at once, and its re-checks of S3 are conditional GETs on a page or two a
 * booking. (A distribution that wants longer edge caching can raise its cache policy's minimum TTL:
 * CloudFront applies it; other caches never see it.)
 */
export const GUEST_CACHE_CONTROL = 'public, max-age=60, s-maxage=300';

/** AWS's answers for a key that is wrong, expired or mistyped (as opposed to one without a permission). */
const AWS_CREDENTIAL_ERRORS: ReadonlySet<string> = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken', 'UnrecognizedClientException']);

/** Wait before the next invalidation after TooManyInvalidationsInProgress (the runner caps it at its longest backoff, 15 s). */
export const INVALIDATIONS_BUSY_RETRY_MS = 15_000;

export interface PublishedGuestPage {
  key: string;
  icsKey: string;
  /** sha256 of page + .ics, hex, first 16 characters. */
  contentHash: string;
  guestUrl: string;
}

export interface GuestInvalidation {
  invalidationId: string;
  callerReference: string;
  paths: string[];
}

export interface GuestSiteOptions {
  s3: S3Client;
  cloudfront: CloudFrontClient;
  bucket: string;
  distributionId: string;
  /** Public base URL, e.g. https://queenofsandiego.com */
  siteUrl: string;
}

export class GuestSiteError extends IntegrationError {
  override name = 'GuestSiteError';
}

/**
 * What an AWS failure was, in a few words for the operator. The SDK names an outage's error just
 * "Error" (the refused connection or the timeout is in its code or cause), which says nothing.
 * Never the raw message: an upstream answer may echo a header.
 */
function awsFailure(err: unknown): string {
  const problem = networkProblem(err);
  if (problem?.kind === 'refused') return `connection refused${problem.host ? ` at ${problem.host}` : ''}`;
  if (problem?.kind === 'dns') return `could not resolve ${problem.host ?? 'the host'}`;
  if (problem?.kind === 'timeout') return 'no answer in time';
  const e = (err ?? {}) as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.$metadata?.httpStatusCode === 'number') return `HTTP ${e.$metadata.httpStatusCode}`;
  return 'Error';
}

export function guestObjectKeys(id: string): { html: string; ics: string } {
  const lower = id.toLowerCase();
  return { html: `jada-guest-${lower}.html`, ics: `jada-guest-${lower}.ics` };
}

export function guestContentHash(html: string, ics: string): string {
  return createHash('sha256').update(html).update('\0').update(ics).digest('hex').slice(0, 16);
}

export function guestUrlFor(siteUrl: string, id: string): string {
  return `${siteUrl.replace(/\/+$/, '')}/g/${id.toUpperCase()}`;
}

/**
 * Every cache entry a guest can reach for this page, as CloudFront invalidation paths. The guest
 * rewrite runs on viewer request, before the cache lookup, so the cache key holds the rewritten URI
 * (`/jada-guest-{id}.html`); AWS still advises invalidating the viewer URI too. A cache policy that
 * puts query strings in the key caches `?v=2` or `?fbclid=…` as copies of their own, and a path
 * without a wildcard invalidates only the copy with exactly its query string — so both paths end in
 * `*`: the object's covers .html and .ics with any query string, the viewer's covers /g/{ID},
 * /g/{ID}/ and /g/{ID}.ics likewise. Two paths, where four exact ones left query variants stale.
 */
export function guestInvalidationPaths(id: string): string[] {
  return [`/jada-guest-${id.toLowerCase()}.*`, `/g/${id.toUpperCase()}*`];
}

export class GuestSite {
  constructor(private readonly options: GuestSiteOptions) {}

  guestUrl(id: string): string {
    return guestUrlFor(this.options.siteUrl, id);
  }

  async publish(page: { id: string; html: string; ics: string }): Promise<PublishedGuestPage> {
    const keys = guestObjectKeys(page.id);
    const put = (Key: string, Body: string, ContentType: string) =>
      this.options.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key, Body, ContentType, CacheControl: GUEST_CACHE_CONTROL }));
    // Both at once (one round trip instead of two on the guest URL's critical path). No one can
    // follow the page's link to its .ics before both are in: the guest URL is handed out only after
    // this step and the invalidation are done, and a re-publish overwrites a .ics that already exists.
    // allSettled, not all: a failed upload must not leave the other still writing under a retry.
    const settled = await Promise.allSettled([
      put(keys.ics, page.ics, 'text/calendar; charset=utf-8'),
      put(keys.html, page.html, 'text/html; charset=utf-8'),
    ]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw this.s3Error(failed.reason);
    return { key: keys.html, icsKey: keys.ics, contentHash: guestContentHash(page.html, page.ics), guestUrl: this.guestUrl(page.id) };
  }

  /**
   * `round`: set when the same content is invalidated again on purpose (an operator's refresh):
   * CloudFront answers a CallerReference it has seen with the old batch and clears nothing.
   */
  async invalidate(page: { id: string; contentHash: string; round?: string }): Promise<GuestInvalidation> {
    const paths = guestInvalidationPaths(page.id);
    // `-qs`: the paths became wildcards (query strings); CloudFront refuses a CallerReference it has
    // seen with other paths, so a refresh of a page last invalidated with the old exact paths would fail.
    const callerReference = `${page.id.toUpperCase()}-${page.contentHash}-qs${page.round ? `-${page.round}` : ''}`;
    try {
      const res = await this.options.cloudfront.send(
        new CreateInvalidationCommand({
          DistributionId: this.options.distributionId,
          InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: paths } },
        }),
      );
      const invalidationId = res.Invalidation?.Id;
      if (!invalidationId) {
        throw new GuestSiteError('CreateInvalidation answered without an Id', {
          code: 'CLOUDFRONT_CONTRACT',
          retryable: false,
          system: 'CloudFront',
          operatorMessage: 'CloudFront answered the invalidation without an id — check AWS_ENDPOINT_URL_CLOUDFRONT is not pointing somewhere unexpected.',
        });
      }
      return { invalidationId, callerReference, paths };
    } catch (err) {
      throw this.cloudFrontError(err);
    }
  }

  private s3Error(err: unknown): IntegrationError {
    if (err instanceof IntegrationError) return err;
    const name = (err as { name?: string }).name ?? 'Error';
    const bucket = this.options.bucket;
    if (name === 'NoSuchBucket') {
      return new GuestSiteError(`bucket ${bucket} not found`, {
        code: 'S3_BUCKET_MISSING', retryable: false, system: 'S3', cause: err,
        operatorMessage: `The S3 bucket ${bucket} does not exist — check GUEST_BUCKET.`,
      });
    }
    if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
      return new GuestSiteError(`S3 ${name} on ${bucket}`, {
        code: 'S3_ACCESS_DENIED', retryable: false, system: 'S3', cause: err,
        operatorMessage: `S3 refused the upload to ${bucket} (${name}) — check the bot's AWS credentials and its s3:PutObject permission on the bucket.`,
      });
    }
    return new GuestSiteError(`S3 ${name} on ${bucket}`, {
      code: 'S3_UNAVAILABLE', retryable: true, system: 'S3', cause: err,
      operatorMessage: `Uploading the guest page to S3 failed (${awsFailure(err)}) — Retry; if it persists, check AWS_ENDPOINT_URL_S3/region and S3's health.`,
    });
  }

  private cloudFrontError(err: unknown): IntegrationError {
    if (err instanceof IntegrationError) return err;
    const name = (err as { name?: string }).name ?? 'Error';
    const dist = this.options.distributionId;
    if (name === 'NoSuchDistribution') {
      return new GuestSiteError(`distribution ${dist} not found`, {
        code: 'CLOUDFRONT_DISTRIBUTION_MISSING', retryable: false, system: 'CloudFront', cause: err,
        operatorMessage: `CloudFront has no distribution ${dist} — check GUEST_DISTRIBUTION_ID.`,
      });
    }
    if (AWS_CREDENTIAL_ERRORS.has(name)) {
      // The key itself is wrong, expired or mistyped: no permission granted on the distribution helps.
      return new GuestSiteError(`CloudFront ${name}`, {
        code: 'CLOUDFRONT_BAD_CREDENTIALS', retryable: false, system: 'CloudFront', cause: err,
        operatorMessage: `CloudFront refused the bot's AWS credentials (${name}) — check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role the bot runs as), then Retry; the page is uploaded, only caches may be stale.`,
      });
    }
    if (name === 'AccessDenied') {
      return new GuestSiteError(`CloudFront ${name}`, {
        code: 'CLOUDFRONT_ACCESS_DENIED', retryable: false, system: 'CloudFront', cause: err,
        operatorMessage: `CloudFront refused the invalidation (${name}) — grant the bot cloudfront:CreateInvalidation on ${dist}.`,
      });
    }
    if (name === 'TooManyInvalidationsInProgress') {
      // CloudFront frees a slot only as earlier invalidations complete, which takes minutes: waited
      // out by the runner (Retry-After, capped by its longest backoff) within the step's budget.
      return new GuestSiteError(`CloudFront ${name}`, {
        code: 'CLOUDFRONT_INVALIDATIONS_BUSY', retryable: true, system: 'CloudFront', cause: err, retryAfterMs: INVALIDATIONS_BUSY_RETRY_MS,
        operatorMessage: `CloudFront has too many invalidations in progress on ${dist} (15 wildcard paths at once; earlier ones take minutes to finish), and none freed up while the step retried — wait a few minutes, then Retry. The page is uploaded, only caches may be stale; steps after this one (the crew call) wait for it.`,
      });
    }
    return new GuestSiteError(`CloudFront ${name}`, {
      code: 'CLOUDFRONT_UNAVAILABLE', retryable: true, system: 'CloudFront', cause: err,
      operatorMessage: `The CloudFront invalidation failed (${awsFailure(err)}) — Retry; the page is uploaded, only caches may be stale.`,
    });
  }
}
