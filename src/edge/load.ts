/**
 * Evaluates the exact CloudFront Function file in a bare V8 context (no require, no process), as
 * close to the CloudFront runtime as Node gets, so tests and the local guest server run the very
 * code that is deployed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

export const GUEST_REWRITE_FILE = path.join(__dirname, 'guest-rewrite.js');

export interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string; multiValue?: { value: string }[] }>;
  headers: Record<string, { value: string; multiValue?: { value: string }[] }>;
  cookies: Record<string, { value: string }>;
}

export interface CloudFrontViewerRequestEvent {
  version: '1.0';
  context: { distributionDomainName: string; distributionId: string; eventType: 'viewer-request'; requestId: string };
  viewer: { ip: string };
  request: CloudFrontRequest;
}

export type CloudFrontFunction = (event: CloudFrontViewerRequestEvent) => CloudFrontRequest;

export function loadCloudFrontFunction(file: string = GUEST_REWRITE_FILE): CloudFrontFunction {
  const code = readFileSync(file, 'utf8');
  const context = vm.createContext({});
  const handler: unknown = vm.runInContext(`${code}\n;handler`, context, { filename: file });
  if (typeof handler !== 'function') throw new Error(`${file} does not define function handler(event)`);
  return handler as CloudFrontFunction;
}

/** A viewer-request event as CloudFront builds it for a GET of `uri`. */
export function viewerRequestEvent(uri: string, opts: { host?: string; querystring?: string } = {}): CloudFrontViewerRequestEvent {
  const querystring: CloudFrontRequest['querystring'] = {};
  for (const [k, v] of new URLSearchParams(opts.querystring ?? '')) querystring[k] = { value: v };
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'local' },
    viewer: { ip: '127.0.0.1' },
    request: {
      method: 'GET',
      uri,
      querystring,
      headers: { host: { value: opts.host ?? 'queenofsandiego.com' } },
      cookies: {},
    },
  };
}
