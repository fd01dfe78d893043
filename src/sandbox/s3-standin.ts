/**
 * An S3-compatible server (s3rver) on a loopback ephemeral port, with the guest bucket created.
 * s3rver checks signatures against the fixed credentials S3RVER/S3RVER; clients must use
 * path-style addressing and WHEN_REQUIRED checksums (see LOCAL-STANDINS.md).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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

/** The parts of s3rver's filesystem store (lib/stores/filesystem.js) the atomic PUT below replaces or calls. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putObject(object: { bucket: string; key: string; content: NodeJS.ReadableStream | Buffer; metadata: Record<string, string> }): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  store: S3rverStore;
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
  makePutsAtomic(server.store);
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

/**
 * Real S3 shows a PUT whole or not at all: until it is acknowledged a GET reads the old object, and a
 * PUT cut off mid-body (its client SIGKILLed, or aborted at its deadline) leaves the old object as it
 * was. s3rver 3.7.1 writes in place: it truncates the object file when the PUT begins, answers before
 * the bytes are on disk, and keeps what an aborted body had sent — so a guest page read after a
 * killed worker's half upload came back empty. Here the body is read to its end first (an aborted
 * one rejects and touches nothing), then written beside the object and renamed over it.
 */
function makePutsAtomic(store: S3rverStore): void {
  store.putObject = async (object) => {
    const content = Buffer.isBuffer(object.content) ? object.content : await readWhole(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const temp = `${objectPath}.${randomUUID()}.partial`;
    try {
      await writeFile(temp, content);
      await rename(temp, objectPath);
    } finally {
      await rm(temp, { force: true });
    }
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size: content.length, md5 };
  };
}

/** The whole body, or a rejection if the request ends before it (Node reports a cut-off body as 'aborted'). */
function readWhole(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('aborted', () => reject(new Error('request body cut off before its end')));
    stream.once('close', () => reject(new Error('request closed before its body ended')));
  });
}
