/**
 * The S3 stand-in shows a PUT whole or not at all, as S3 does: a crash test kills a worker mid-upload,
 * and what the resumed run and the guest then read must be what S3 would give them.
 */
import { PassThrough } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startS3Standin, type S3Standin } from '../../../src/sandbox/s3-standin';

const BUCKET = 'guest-bucket';
let s3s: S3Standin;
let s3: S3Client;

beforeAll(async () => {
  s3s = await startS3Standin({ bucket: BUCKET });
  s3 = new S3Client({ endpoint: s3s.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
});
afterAll(async () => {
  s3?.destroy();
  await s3s?.close();
});

const read = async (Key: string) => {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return { body: await object.Body!.transformToString('utf8'), contentType: object.ContentType, etag: object.ETag };
};

/** A PUT that announces `length` bytes, sends `sent`, and is left hanging until `cut` is called. */
function hangingPut(Key: string, sent: string, length: number) {
  const body = new PassThrough();
  body.write(sent);
  const controller = new AbortController();
  const done = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body, ContentLength: length, ContentType: 'text/plain' }), { abortSignal: controller.signal }).then(
    () => 'stored',
    (err: Error) => err.name,
  );
  return { done, cut: () => controller.abort() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

it('a PUT cut off mid-body leaves the object it would have replaced', async () => {
  const old = 'x'.repeat(5_000);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'page.html', Body: old, ContentType: 'text/html' }));
  const before = await read('page.html');
  const put = hangingPut('page.html', 'y'.repeat(100), 5_000);
  await settle();
  put.cut();
  expect(await put.done).toBe('AbortError');
  await settle();
  expect(await read('page.html')).toEqual(before);
});

it('a GET during a PUT reads the old object, and the new one only once the PUT is acknowledged', async () => {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cal.ics', Body: 'OLD', ContentType: 'text/calendar' }));
  const body = new PassThrough();
  body.write('NEW-');
  const put = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cal.ics', Body: body, ContentLength: 8, ContentType: 'text/calendar' }));
  await settle();
  expect((await read('cal.ics')).body).toBe('OLD');
  body.end('PART');
  await put;
  expect(await read('cal.ics')).toMatchObject({ body: 'NEW-PART', contentType: 'text/calendar' });
});

it('a PUT cut off before any object existed leaves none', async () => {
  const put = hangingPut('never.html', 'half', 100);
  await settle();
  put.cut();
  await put.done;
  await settle();
  await expect(read('never.html')).rejects.toMatchObject({ name: 'NoSuchKey' });
});
