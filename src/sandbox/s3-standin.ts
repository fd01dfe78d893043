/**
 * An S3-compatible server (s3rver) on a loopback ephemeral port, with the guest bucket created.
 * s3rver checks signatures against the fixed credentials S3RVER/S3RVER; clients must use
 * path-style addressing and WHEN_REQUIRED checksums (see LOCAL-STANDINS.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Standin {
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export async function startS3Standin(opts: { bucket: string; directory?: string }): Promise<S3Standin> {
  // s3rver ships no types.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverClass;
  const ownDirectory = opts.directory === undefined;
  const directory = opts.directory ?? mkdtempSync(path.join(tmpdir(), 'charter-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: opts.bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: opts.bucket,
    close: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
      if (ownDirectory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
