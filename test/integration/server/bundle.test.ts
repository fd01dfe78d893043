/**
 * The server as `npm start` runs it: scripts/build-server.ts's bundle, started with plain `node`
 * against the stand-ins over real HTTP. It must answer /healthz with the first-use packages still
 * unloaded, run an approved booking to done (so the steps' code, loaded on first use from inside the
 * bundle, and the templates it finds by walking up work from there), and stop cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildServer, type BuiltServer } from '../../../scripts/build-server';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { APPROVE_ACTION_ID } from '../../../src/slack/blocks/approval';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { standinAppEnv } from '../../support/env';
import { blockActionPayload, SlackRequester } from '../../support/slack-requests';

const ROOT = path.resolve(__dirname, '../../..');
const SIGNING_SECRET = 'server-test-signing-secret-0123';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';

/**
 * Preloaded into the server: writes the files node has loaded when it gets SIGUSR2. Written beside
 * and renamed into place, so the test polling for the file never reads it half-written.
 */
const LOADED_FILES_HOOK = `
const { renameSync, writeFileSync } = require('node:fs');
process.on('SIGUSR2', () => {
  const out = process.env.LOADED_FILES_OUT;
  writeFileSync(out + '.partial', JSON.stringify(Object.keys(require.cache)));
  renameSync(out + '.partial', out);
});
`;

let outDir: string;
let tmp: string;
let built: BuiltServer;
let standins: Standins;
let slackApi: SlackApiStandin;
let server: ChildProcess;
let baseUrl: string;
let storePath: string;
let loadedFilesOut: string;
const output: string[] = [];

/** The port of the log line saying the server listens (it starts on PORT=0: no port to lose to another test). */
function listeningPort(): number | undefined {
  for (const line of output.join('').split('\n')) {
    const port = /"port":(\d+)/.exec(line)?.[1];
    if (port && line.includes('listening')) return Number(port);
  }
  return undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) while waiting for ${what}:\n${output.join('')}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function loadedFiles(): Promise<string[]> {
  rmSync(loadedFilesOut, { force: true });
  server.kill('SIGUSR2');
  return waitFor('the loaded-files list', () => (existsSync(loadedFilesOut) ? (JSON.parse(readFileSync(loadedFilesOut, 'utf8')) as string[]) : undefined));
}

beforeAll(async () => {
  // Inside the repository, so the bundle's packages resolve from node_modules as under `npm start`.
  mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  outDir = mkdtempSync(path.join(ROOT, 'dist', '.test-server-'));
  tmp = mkdtempSync(path.join(tmpdir(), 'charter-server-'));
  built = await buildServer(path.join(outDir, 'main.js'));
  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
  storePath = path.join(tmp, 'charter.db');
  loadedFilesOut = path.join(tmp, 'loaded.json');
  const hook = path.join(tmp, 'loaded-files-hook.cjs');
  writeFileSync(hook, LOADED_FILES_HOOK);
  const env = standinAppEnv(
    { standins: standins.env, slackApiUrl: slackApi.url, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, store: `sqlite:${storePath}` },
    { PORT: '0', LOG_LEVEL: 'info', LOADED_FILES_OUT: loadedFilesOut, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
  );
  server = spawn(process.execPath, ['--require', hook, built.file], { cwd: tmp, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  server.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  baseUrl = `http://127.0.0.1:${await waitFor('the server to listen', listeningPort)}`;
  await waitFor('GET /healthz to answer 200', async () => {
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await slackApi?.close();
  await standins?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the server bundle (npm start)', () => {
  it('is one file of our code with zod inside; every other package stays in node_modules', () => {
    const code = readFileSync(built.file, 'utf8');
    expect(built.inputs.filter((f) => f.startsWith('src/')).length).toBeGreaterThan(50);
    for (const pkg of ['@slack/bolt', 'pino', 'better-sqlite3', 'luxon', '@aws-sdk/client-dynamodb']) expect(code).toContain(`require("${pkg}")`);
    expect(code).not.toContain('require("zod');
  });

  it('starts with the first-use packages, zod and our other compiled files unloaded', async () => {
    const files = await loadedFiles();
    const fromNodeModules = files.filter((f) => f.includes('/node_modules/'));
    expect(fromNodeModules.some((f) => f.includes('/node_modules/@slack/bolt/'))).toBe(true);
    for (const pkg of ['@aws-sdk/client-s3', '@aws-sdk/client-cloudfront', 'handlebars', 'ical.js', 'zod']) {
      expect(fromNodeModules.filter((f) => f.includes(`/node_modules/${pkg}/`))).toEqual([]);
    }
    expect(files.filter((f) => f.startsWith(outDir))).toEqual([built.file]);
  });

  it('runs an approved booking to done: the steps load from inside the bundle on first use', async () => {
    const store = SqliteBookingStore.open(storePath);
    try {
      const record = sampleRecord(undefined, Date.now());
      await store.create(record);
      const requester = new SlackRequester({ url: baseUrl, signingSecret: SIGNING_SECRET });
      const answer = await requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: record.id, channelId: OPS_CHANNEL }));
      expect(answer.status).toBe(200);
      const done = await waitFor('the booking to end', async () => {
        const b = await store.get(record.id);
        return b && (b.state === 'done' || b.state === 'failed') ? b : undefined;
      }, 60_000);
      expect({ state: done.state, errors: Object.values(done.steps).map((s) => s.error?.code).filter(Boolean) }).toEqual({ state: 'done', errors: [] });
      const page = await fetch(`${standins.guestSite.url}/g/${record.id}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Maria');
      const files = await loadedFiles();
      expect(files.some((f) => f.includes('/node_modules/@aws-sdk/client-s3/'))).toBe(true);
      expect(files.some((f) => f.includes('/node_modules/handlebars/'))).toBe(true);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
