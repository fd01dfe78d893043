/**
 * GuestSite.publish issues both uploads before either answers (one S3 round trip on the guest
 * URL's critical path, not two), and reports a failed upload only after the other has settled.
 * A fake S3 client whose answers the test releases by hand: pure ordering logic, no clock.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GuestSite } from '../../../src/integrations/guest-site';

interface Pending {
  key: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

function fakeS3(): { client: S3Client; pending: Pending[] } {
  const pending: Pending[] = [];
  const client = {
    send: (cmd: PutObjectCommand) =>
      new Promise<object>((resolve, reject) => pending.push({ key: cmd.input.Key ?? '', resolve: () => resolve({}), reject })),
  } as unknown as S3Client;
  return { client, pending };
}

const site = (s3: S3Client) =>
  new GuestSite({ s3, cloudfront: {} as CloudFrontClient, bucket: 'b', distributionId: 'D', siteUrl: 'https://example.com' });

const flush = () => new Promise((r) => setImmediate(r));

describe('GuestSite.publish', () => {
  it('sends the .ics and the page at once, and resolves only when both are stored', async () => {
    const { client, pending } = fakeS3();
    let done = false;
    const published = site(client).publish({ id: 'ABC123', html: '<p>x</p>', ics: 'BEGIN:VCALENDAR' }).then((p) => {
      done = true;
      return p;
    });
    await flush();
    expect(pending.map((p) => p.key).sort()).toEqual(['jada-guest-abc123.html', 'jada-guest-abc123.ics']);
    pending[0]!.resolve();
    await flush();
    expect(done).toBe(false);
    pending[1]!.resolve();
    await expect(published).resolves.toMatchObject({ key: 'jada-guest-abc123.html', icsKey: 'jada-guest-abc123.ics' });
  });

  it('waits for the other upload to settle before reporting a failed one', async () => {
    const { client, pending } = fakeS3();
    let settled = false;
    const published = site(client).publish({ id: 'ABC123', html: 'x', ics: 'y' }).finally(() => {
      settled = true;
    });
    published.catch(() => undefined);
    await flush();
    pending[0]!.reject(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    await flush();
    expect(settled).toBe(false);
    pending[1]!.resolve();
    await expect(published).rejects.toMatchObject({ code: 'S3_UNAVAILABLE', retryable: true });
  });

  it('names the refused connection behind an S3 outage, where the SDK names the error only "Error"', async () => {
    const { client, pending } = fakeS3();
    const published = site(client).publish({ id: 'ABC123', html: 'x', ics: 'y' });
    published.catch(() => undefined);
    await flush();
    // What the SDK rejects with outside jest when nothing listens (checked with tsx against port 9).
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 9, $metadata: { attempts: 3 } });
    pending[0]!.reject(refused());
    pending[1]!.reject(refused());
    const err = (await published.catch((e: unknown) => e)) as { code: string; operatorMessage: string };
    expect(err.code).toBe('S3_UNAVAILABLE');
    expect(err.operatorMessage).toContain('Uploading the guest page to S3 failed (connection refused at 127.0.0.1:9) — Retry');
  });
});
