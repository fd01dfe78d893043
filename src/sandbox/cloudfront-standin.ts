/**
 * Stand-in for the CloudFront API (no emulator exists on npm): CreateInvalidation, GetInvalidation
 * and GetDistribution (origin, aliases, the viewer-request function) in the 2020-05-31 XML shapes the AWS SDK parses (see LOCAL-STANDINS.md).
 * A repeated CallerReference with the same paths returns the existing invalidation, with different
 * paths InvalidationBatchAlreadyExists — CloudFront's own dedupe, which the guest_cache step relies on.
 */
import { randomBytes } from 'node:crypto';
import { startHttpStandin, type RecordedRequest, type RouteReply, type RunningStandin } from './http-standin';

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export interface StandinInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createTime: string;
}

/** What GetDistribution reports beyond the origin: the guest site's names and its /g/{ID} rewrite. */
export interface StandinDistributionShape {
  /** Alternate domain names (CNAMEs). */
  aliases?: string[];
  /** The CloudFront Function on the default behaviour's viewer request; null: none. */
  viewerRequestFunctionArn?: string | null;
}

/** The ARN the stack's GuestRewriteFunction gets (infra/template.yaml names it {stack}-guest-rewrite). */
export const STANDIN_GUEST_REWRITE_ARN = 'arn:aws:cloudfront::000000000000:function/charter-bot-guest-rewrite';

export interface CloudFrontStandin extends RunningStandin {
  distributionId: string;
  /** Changes what GetDistribution reports from now on (unnamed fields keep their value). */
  setDistribution(shape: StandinDistributionShape): void;
  /** Invalidations actually created (a deduplicated repeat is not a new one). */
  invalidations(): StandinInvalidation[];
}

export interface CloudFrontStandinOptions {
  distributionId?: string;
  /** The S3 bucket the distribution serves (reported by GetDistribution as its origin). */
  bucket: string;
  region?: string;
  /** Default: no aliases, charter-bot's guest rewrite on the default behaviour. */
  distribution?: StandinDistributionShape;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const unescapeXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function tagValues(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml(m[1] ?? ''));
}

function errorReply(status: number, code: string, message: string): RouteReply {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-errortype': code },
    body: `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
  };
}

function invalidationXml(inv: StandinInvalidation): string {
  const items = inv.paths.map((p) => `<Path>${escapeXml(p)}</Path>`).join('');
  return `<?xml version="1.0"?><Invalidation xmlns="${XMLNS}"><Id>${inv.id}</Id><Status>InProgress</Status><CreateTime>${inv.createTime}</CreateTime><InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity><Items>${items}</Items></Paths><CallerReference>${escapeXml(inv.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
}

/**
 * Whether an invalidation path removes the cached copy with this key (path and query string, as the
 * viewer sent it or the viewer-request function rewrote it): CloudFront matches a path exactly,
 * query string included, unless it ends in `*`, which matches any rest (its only allowed place).
 */
export function invalidationCovers(path: string, cacheKey: string): boolean {
  return path.endsWith('*') ? cacheKey.startsWith(path.slice(0, -1)) : cacheKey === path;
}

function newId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return prefix + [...randomBytes(13)].map((b) => alphabet[b % alphabet.length]).join('');
}

export async function startCloudFrontStandin(opts: CloudFrontStandinOptions): Promise<CloudFrontStandin> {
  const distributionId = opts.distributionId ?? newId('E');
  const region = opts.region ?? 'us-west-2';
  const invalidations: StandinInvalidation[] = [];
  const lastModified = new Date().toISOString();
  let aliases = opts.distribution?.aliases ?? [];
  let viewerRequestFunctionArn = opts.distribution?.viewerRequestFunctionArn === undefined ? STANDIN_GUEST_REWRITE_ARN : opts.distribution.viewerRequestFunctionArn;
  const aliasesXml = () => `<Aliases><Quantity>${aliases.length}</Quantity>${aliases.length ? `<Items>${aliases.map((a) => `<CNAME>${escapeXml(a)}</CNAME>`).join('')}</Items>` : ''}</Aliases>`;
  const functionsXml = () =>
    viewerRequestFunctionArn
      ? `<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>${escapeXml(viewerRequestFunctionArn)}</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations>`
      : '<FunctionAssociations><Quantity>0</Quantity></FunctionAssociations>';

  const distributionXml = () =>
    `<?xml version="1.0"?><Distribution xmlns="${XMLNS}"><Id>${distributionId}</Id><ARN>arn:aws:cloudfront::000000000000:distribution/${distributionId}</ARN><Status>Deployed</Status><LastModifiedTime>${lastModified}</LastModifiedTime><InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>${distributionId.toLowerCase()}.cloudfront.net</DomainName><DistributionConfig><CallerReference>standin</CallerReference>${aliasesXml()}<DefaultRootObject>index.html</DefaultRootObject><Origins><Quantity>1</Quantity><Items><Origin><Id>guest-bucket</Id><DomainName>${escapeXml(opts.bucket)}.s3.${region}.amazonaws.com</DomainName><OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>guest-bucket</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>${functionsXml()}</DefaultCacheBehavior><Comment>charter-bot local stand-in</Comment><Enabled>true</Enabled></DistributionConfig></Distribution>`;

  const handle = (req: RecordedRequest): RouteReply => {
    const m = /^\/2020-05-31\/distribution\/([^/]+)(?:\/invalidation(?:\/([^/]+))?)?$/.exec(req.path);
    if (!m) return errorReply(404, 'NotFound', `no route ${req.method} ${req.path}`);
    const [, distId, invId] = m;
    const isInvalidation = req.path.includes('/invalidation');
    if (distId !== distributionId) return errorReply(404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) return errorReply(403, 'AccessDenied', 'Missing signature');

    if (!isInvalidation && req.method === 'GET') {
      return { status: 200, headers: { 'content-type': 'text/xml', etag: 'E2STANDIN' }, body: distributionXml() };
    }
    if (isInvalidation && invId && req.method === 'GET') {
      const inv = invalidations.find((i) => i.id === invId);
      if (!inv) return errorReply(404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      return { status: 200, headers: { 'content-type': 'text/xml' }, body: invalidationXml(inv) };
    }
    if (isInvalidation && !invId && req.method === 'POST') {
      const xml = typeof req.body === 'string' ? req.body : req.rawBody;
      const callerReference = tagValues(xml, 'CallerReference')[0];
      const paths = tagValues(xml, 'Path');
      const quantity = Number(tagValues(xml, 'Quantity')[0]);
      if (!callerReference || paths.length === 0 || quantity !== paths.length) {
        return errorReply(400, 'InvalidArgument', 'InvalidationBatch needs a CallerReference and Quantity matching the Paths');
      }
      if (paths.some((p) => !p.startsWith('/'))) return errorReply(400, 'InvalidArgument', 'Each path must start with /');
      if (paths.some((p) => p.slice(0, -1).includes('*'))) return errorReply(400, 'InvalidArgument', 'A wildcard (*) may only end a path');
      const existing = invalidations.find((i) => i.callerReference === callerReference);
      if (existing) {
        const same = existing.paths.length === paths.length && existing.paths.every((p, i) => p === paths[i]);
        if (!same) return errorReply(409, 'InvalidationBatchAlreadyExists', 'CallerReference reused with a different batch');
        return { status: 201, headers: { 'content-type': 'text/xml', location: locationOf(existing) }, body: invalidationXml(existing) };
      }
      const inv: StandinInvalidation = { id: newId('I'), distributionId, callerReference, paths, createTime: new Date().toISOString() };
      invalidations.push(inv);
      return { status: 201, headers: { 'content-type': 'text/xml', location: locationOf(inv) }, body: invalidationXml(inv) };
    }
    return errorReply(405, 'MethodNotAllowed', `${req.method} not allowed here`);
  };

  let base = '';
  const locationOf = (inv: StandinInvalidation) => `${base}/2020-05-31/distribution/${inv.distributionId}/invalidation/${inv.id}`;
  const standin = await startHttpStandin(handle, 'cloudfront');
  base = standin.url;
  return {
    ...standin,
    distributionId,
    invalidations: () => [...invalidations],
    setDistribution: (shape) => {
      if (shape.aliases !== undefined) aliases = [...shape.aliases];
      if (shape.viewerRequestFunctionArn !== undefined) viewerRequestFunctionArn = shape.viewerRequestFunctionArn;
    },
  };
}
