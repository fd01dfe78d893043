/** Guest site adapter against s3rver and the CloudFront API stand-in, through the AWS SDK. */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../../src/integrations/aws-clients';
import { GUEST_CACHE_CONTROL, GuestSite, INVALIDATIONS_BUSY_RETRY_MS, guestContentHash } from '../../../src/integrations/guest-site';
import { startStandins, type Standins } from '../../../src/sandbox/standins';

let standins: Standins;
let aws: AwsClients;
let site: GuestSite;

beforeAll(async () => {
  standins = await startStandins();
  aws = createAwsClients({ aws: { region: standins.env.AWS_REGION! } }, standins.env);
  site = new GuestSite({
    s3: aws.s3,
    cloudfront: aws.cloudfront,
    bucket: standins.env.GUEST_BUCKET!,
    distributionId: standins.env.GUEST_DISTRIBUTION_ID!,
    siteUrl: 'https://queenofsandiego.com/',
  });
});
afterAll(async () => {
  aws?.destroy();
  await standins?.close();
});

/** CloudFront's XML error answer for `code`, as the SDK parses it into an error of that name. */
const cloudFrontError = (code: string, status: number) => ({
  kind: 'status' as const,
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${code}</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
});

const get = async (Key: string) => {
  const obj = await aws.s3.send(new GetObjectCommand({ Bucket: standins.env.GUEST_BUCKET, Key }));
  return { contentType: obj.ContentType, cacheControl: obj.CacheControl, body: await obj.Body!.transformToString('utf8') };
};

describe('guest site', () => {
  it('puts the page and .ics under deterministic lower-case keys with exact bytes and content types', async () => {
    const html = '<!doctype html><title>Ahoy · “JADA” ⚓</title>';
    const ics = 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n';
    const published = await site.publish({ id: '7K3MZQ9XW2TR', html, ics });
    expect(published).toEqual({
      key: 'jada-guest-7k3mzq9xw2tr.html',
      icsKey: 'jada-guest-7k3mzq9xw2tr.ics',
      contentHash: guestContentHash(html, ics),
      guestUrl: 'https://queenofsandiego.com/g/7K3MZQ9XW2TR',
    });
    // WHEN_REQUIRED checksums: s3rver stores the body, not aws-chunked framing.
    expect(await get(published.key)).toEqual({ contentType: 'text/html; charset=utf-8', cacheControl: GUEST_CACHE_CONTROL, body: html });
    expect(await get(published.icsKey)).toEqual({ contentType: 'text/calendar; charset=utf-8', cacheControl: GUEST_CACHE_CONTROL, body: ics });
  });

  it('lets no shared cache (a company proxy as much as CloudFront) keep a page more than 5 minutes, browsers 1', async () => {
    await site.publish({ id: '7K3MZQ9XW2TR', html: '<p>v1</p>', ics: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' });
    const directives = Object.fromEntries(
      String((await get('jada-guest-7k3mzq9xw2tr.html')).cacheControl).split(',').map((d) => d.trim().split('=') as [string, string?]),
    );
    // A shared cache uses s-maxage when present, else max-age (RFC 9111 §5.2.2.10).
    const sharedSeconds = Number(directives['s-maxage'] ?? directives['max-age']);
    expect(sharedSeconds).toBeLessThanOrEqual(300);
    expect(Number(directives['max-age'])).toBeLessThanOrEqual(60);
    expect(directives).not.toHaveProperty('private');
  });

  it('same content → the same invalidation (CloudFront dedupe); new content → a new one', async () => {
    const before = standins.cloudfront.invalidations().length;
    const a = await site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'aaaa000011112222' });
    const again = await site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'aaaa000011112222' });
    const b = await site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'bbbb000011112222' });
    expect(again.invalidationId).toBe(a.invalidationId);
    expect(b.invalidationId).not.toBe(a.invalidationId);
    expect(a.callerReference).toBe('7K3MZQ9XW2TR-aaaa000011112222-qs');
    expect(a.paths).toEqual(['/jada-guest-7k3mzq9xw2tr.*', '/g/7K3MZQ9XW2TR*']);
    expect(standins.cloudfront.invalidations().length - before).toBe(2);
    const [signed] = standins.cloudfront.recorder.find('POST', '/2020-05-31/distribution/');
    expect(signed?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/cloudfront\//);
  });

  it('refreshes a page whose same content was invalidated before the paths became wildcards', async () => {
    // What the previous version sent for this content: its CallerReference, with four exact paths.
    const id = 'W2TR7K3MZQ9X';
    const hash = 'cccc000011112222';
    await aws.cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: standins.env.GUEST_DISTRIBUTION_ID!,
        InvalidationBatch: { CallerReference: `${id}-${hash}`, Paths: { Quantity: 4, Items: [`/jada-guest-${id.toLowerCase()}.html`, `/jada-guest-${id.toLowerCase()}.ics`, `/g/${id}`, `/g/${id}.ics`] } },
      }),
    );
    const now = await site.invalidate({ id, contentHash: hash });
    expect(standins.cloudfront.invalidations().find((i) => i.id === now.invalidationId)?.paths).toEqual([`/jada-guest-${id.toLowerCase()}.*`, `/g/${id}*`]);
  });

  it('names the variable to fix for a wrong distribution or bucket', async () => {
    const wrong = new GuestSite({ s3: aws.s3, cloudfront: aws.cloudfront, bucket: 'no-such-bucket', distributionId: 'ENOSUCH', siteUrl: 'https://x.example' });
    await expect(wrong.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'h' })).rejects.toMatchObject({
      code: 'CLOUDFRONT_DISTRIBUTION_MISSING',
      retryable: false,
      operatorMessage: expect.stringContaining('GUEST_DISTRIBUTION_ID'),
    });
    await expect(wrong.publish({ id: '7K3MZQ9XW2TR', html: 'x', ics: 'y' })).rejects.toMatchObject({
      code: 'S3_BUCKET_MISSING',
      retryable: false,
      operatorMessage: expect.stringContaining('GUEST_BUCKET'),
    });
  });

  it('bad AWS credentials are named as such, not as a missing permission on the distribution', async () => {
    for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch']) {
      standins.cloudfront.faults.inject('*', cloudFrontError(code, 403));
      try {
        const err = await site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'dddd000011112222' }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'CLOUDFRONT_BAD_CREDENTIALS', retryable: false });
        const message = (err as { operatorMessage: string }).operatorMessage;
        expect(message).toContain('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role the bot runs as)');
        expect(message).not.toContain('grant');
      } finally {
        standins.cloudfront.faults.clear();
      }
    }
  });

  it('too many invalidations in progress asks to be retried later and says to wait minutes before Retry', async () => {
    standins.cloudfront.faults.inject('*', cloudFrontError('TooManyInvalidationsInProgress', 400));
    try {
      const err = await site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'eeee000011112222' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CLOUDFRONT_INVALIDATIONS_BUSY', retryable: true, retryAfterMs: INVALIDATIONS_BUSY_RETRY_MS });
      expect((err as { operatorMessage: string }).operatorMessage).toMatch(/wait a few minutes, then Retry.*the crew call/);
    } finally {
      standins.cloudfront.faults.clear();
    }
  });

  it('a CloudFront outage is retryable', async () => {
    standins.cloudfront.faults.inject('*', { kind: 'status', status: 503 });
    try {
      await expect(site.invalidate({ id: '7K3MZQ9XW2TR', contentHash: 'cccc000011112222' })).rejects.toMatchObject({ code: 'CLOUDFRONT_UNAVAILABLE', retryable: true });
    } finally {
      standins.cloudfront.faults.clear();
    }
  });
});

describe('a guest bucket in another region than the stack', () => {
  /**
   * S3 as it answers a request signed for the wrong region: 301 PermanentRedirect naming the bucket's
   * region in x-amz-bucket-region. Requests signed for that region go through to s3rver.
   */
  async function startRegionRedirectingS3(target: string, bucketRegion: string) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '';
      seen.push(`${req.method} ${region}`);
      if (region !== bucketRegion) {
        req.resume();
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': bucketRegion });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>`);
        return;
      }
      const upstream = new URL(target);
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('publishes all the same: the S3 client follows the region S3 names (the stack cannot set AWS_REGION per service)', async () => {
    const s3 = await startRegionRedirectingS3(standins.env.AWS_ENDPOINT_URL_S3!, 'eu-west-1');
    const elsewhere = createAwsClients({ aws: { region: 'us-west-2' } }, { ...standins.env, AWS_ENDPOINT_URL_S3: s3.url });
    try {
      const site2 = new GuestSite({ s3: elsewhere.s3, cloudfront: elsewhere.cloudfront, bucket: standins.env.GUEST_BUCKET!, distributionId: standins.env.GUEST_DISTRIBUTION_ID!, siteUrl: 'https://queenofsandiego.com/' });
      await site2.publish({ id: 'REGION0000X1', html: '<p>far away</p>', ics: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' });
      expect((await get('jada-guest-region0000x1.html')).body).toBe('<p>far away</p>');
      expect(s3.seen).toContain('PUT us-west-2');
      expect(s3.seen).toContain('PUT eu-west-1');
    } finally {
      elsewhere.destroy();
      await s3.close();
    }
  });
});
