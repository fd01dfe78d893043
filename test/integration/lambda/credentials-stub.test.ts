/**
 * The Lambda bundles' stand-in for the AWS SDK's default credential chain (scripts/build-lambda.ts):
 * the environment first, then the HTTP endpoint a container host names, memoised like the SDK's
 * chain. Evaluated with the real providers, against a real HTTP credentials endpoint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CREDENTIALS_FROM_ENV } from '../../../scripts/build-lambda';

type Provider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

function loadStub(): { defaultProvider: (init?: object) => Provider } {
  const mod = { exports: {} as { defaultProvider: (init?: object) => Provider } };
  const req = createRequire(path.resolve(__dirname, '../../../package.json'));
  new Function('require', 'module', 'exports', CREDENTIALS_FROM_ENV)(req, mod, mod.exports);
  return mod.exports;
}

const VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
let server: Server;
let served = 0;
let expiresInMs = 3_600_000;

beforeAll(async () => {
  server = createServer((_req, res) => {
    served += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ AccessKeyId: `ASIAHTTP${served}`, SecretAccessKey: 'secret-from-http', Token: 'token-from-http', Expiration: new Date(Date.now() + expiresInMs).toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
beforeEach(() => {
  for (const v of VARS) delete process.env[v];
  served = 0;
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await new Promise((r) => server.close(r));
});

it("returns the execution role's keys from the environment, once", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_SECRET_ACCESS_KEY: 'secret-from-env', AWS_SESSION_TOKEN: 'token-from-env' });
  const provider = loadStub().defaultProvider();
  const first = await provider();
  expect(first).toMatchObject({ accessKeyId: 'ASIAENV', secretAccessKey: 'secret-from-env', sessionToken: 'token-from-env' });
  process.env.AWS_ACCESS_KEY_ID = 'ASIACHANGED';
  expect(await provider()).toBe(first);
});

it('falls back to the container endpoint, and fetches again only when the credentials near their expiry', async () => {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
  const provider = loadStub().defaultProvider();
  const [a, b] = await Promise.all([provider(), provider()]);
  expect(a).toMatchObject({ accessKeyId: 'ASIAHTTP1', sessionToken: 'token-from-http' });
  expect(b).toBe(a);
  expect(await provider()).toBe(a);
  expect(served).toBe(1);

  // Credentials that expire within five minutes are fetched again, as the SDK's own chain does.
  expiresInMs = 60_000;
  const nearExpiry = loadStub().defaultProvider();
  expect((await nearExpiry()).accessKeyId).toBe('ASIAHTTP2');
  expect((await nearExpiry()).accessKeyId).toBe('ASIAHTTP3');
  expect(served).toBe(3);
  expiresInMs = 3_600_000;
});

it('without either, fails with what Lambda is expected to provide', async () => {
  await expect(loadStub().defaultProvider()()).rejects.toThrow(/No AWS credentials: on Lambda the execution role sets AWS_ACCESS_KEY_ID/);
});
