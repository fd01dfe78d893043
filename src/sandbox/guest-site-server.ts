/**
 * Serves the guest site locally the way production does: the viewer request goes through the exact
 * CloudFront Function file (src/edge/guest-rewrite.js), and the rewritten URI is read from the bucket.
 */
import { createServer, type Server } from 'node:http';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { loadCloudFrontFunction, viewerRequestEvent } from '../edge/load';
import { listenOnLoopback } from './loopback';

export interface GuestSiteServer {
  /** e.g. http://127.0.0.1:5555 — use as GUEST_SITE_URL so guest URLs open locally. */
  url: string;
  close(): Promise<void>;
}

export async function startGuestSiteServer(opts: { s3: S3Client; bucket: string; edgeFile?: string; port?: number }): Promise<GuestSiteServer> {
  const rewrite = loadCloudFrontFunction(opts.edgeFile);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const rewritten = rewrite(viewerRequestEvent(url.pathname, { host: req.headers.host ?? 'localhost' }));
      const key = decodeURIComponent(rewritten.uri.replace(/^\/+/, ''));
      if (key === '') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
        return;
      }
      try {
        const object = await opts.s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }));
        const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
        res.writeHead(200, {
          'content-type': object.ContentType ?? 'application/octet-stream',
          ...(object.CacheControl ? { 'cache-control': object.CacheControl } : {}),
          'content-length': body.length,
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch (err) {
        const missing = err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey';
        res.writeHead(missing ? 404 : 502, { 'content-type': 'text/plain; charset=utf-8' }).end(missing ? 'Not found' : 'Bucket unavailable');
      }
    })();
  });
  const listener = await listenOnLoopback(server, opts.port ?? 0);
  return {
    url: listener.url,
    close: listener.close,
  };
}
