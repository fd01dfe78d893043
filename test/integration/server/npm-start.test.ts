/**
 * `npm start` under a process manager: supervisord, `kill`, a restart script and Docker's
 * `CMD npm start` signal only the process they started, npm. That SIGTERM must reach the server
 * and end it through its graceful stop, and a second `npm start` on the same port must then serve.
 * (Before, npm's `sh -c` died with npm and `node dist/main.js`, re-parented to PID 1, kept the
 * port: the restart died EADDRINUSE.)
 *
 * Runs the real `npm start`, prestart build included, against the stand-ins over real HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { standinAppEnv } from '../../support/env';

const ROOT = path.resolve(__dirname, '../../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Started {
  npm: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let standins: Standins;
let slackApi: SlackApiStandin;
let tmp: string;
let slowExitHook: string;
const started: Started[] = [];
/** Every `node dist/main.js` seen, so none outlives the test even when the fix is missing. */
const serverPids = new Set<number>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The `node dist/main.js` processes descended from `root`, read from /proc (ppid is field 4 of stat). */
function serverProcessesUnder(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while the list was read.
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true;
    return false;
  };
  return [...parentOf.keys()].filter((pid) => {
    if (!descends(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('dist/main.js');
    } catch {
      return false;
    }
  });
}

async function waitFor<T>(what: string, s: Started, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.npm.exitCode !== null || s.npm.signalCode !== null) throw new Error(`npm start exited (${s.npm.exitCode ?? s.npm.signalCode}) while waiting for ${what}:\n${s.output.join('')}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${s.output.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Preloaded into the server only: holds its exit open a moment, as a stop with runs to drain and
 * final updates to send does, so a second signal can land while it stops. Without it an idle
 * server's stop can end before npm's forwarded copy of a signal arrives.
 */
const SLOW_EXIT_HOOK = `
if (process.argv[1] && process.argv[1].endsWith('dist/main.js')) {
  const exit = process.exit.bind(process);
  process.exit = (code) => { setTimeout(() => exit(code), 1000); };
}
`;

function npmStart(port: number, options: { ownProcessGroup?: boolean; slowExit?: boolean } = {}): Started {
  const env = standinAppEnv(
    { standins: standins.env, slackApiUrl: slackApi.url, signingSecret: 'npm-start-signing-secret-0123', approver: 'U0APPROVE1', opsChannel: 'C0OPS00001', store: `sqlite:${path.join(tmp, 'charter.db')}` },
    {
      PORT: String(port),
      LOG_LEVEL: 'info',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
      ...(options.slowExit ? { NODE_OPTIONS: `--require ${slowExitHook}` } : {}),
    },
  );
  const npm = spawn(NPM, ['start'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
  const output: string[] = [];
  npm.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  npm.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  const s = { npm, output, exited };
  started.push(s);
  return s;
}

/** Waits for the server to log that it listens and to answer /healthz; returns its port. */
async function serving(s: Started): Promise<number> {
  const port = await waitFor('the server to listen', s, () => {
    for (const line of s.output.join('').split('\n')) {
      const found = /"port":(\d+)/.exec(line)?.[1];
      if (found && line.includes('listening')) return Number(found);
    }
    return undefined;
  });
  await waitFor('GET /healthz to answer 200', s, async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return port;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'charter-npm-start-'));
  slowExitHook = path.join(tmp, 'slow-exit-hook.cjs');
  writeFileSync(slowExitHook, SLOW_EXIT_HOOK);
  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
});

afterAll(async () => {
  for (const s of started) if (s.npm.exitCode === null && s.npm.signalCode === null) s.npm.kill('SIGKILL');
  for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await slackApi?.close();
  await standins?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm start under a process manager', () => {
  it("SIGTERM to npm's pid ends the server through its graceful stop, and a second npm start serves on the same port", async () => {
    const first = npmStart(0);
    const port = await serving(first);
    const servers = serverProcessesUnder(first.npm.pid!);
    servers.forEach((pid) => serverPids.add(pid));
    expect(servers).toHaveLength(1);

    first.npm.kill('SIGTERM');
    const exit = await first.exited;
    // npm exits once its script has: by then the server must be gone, having stopped gracefully.
    expect({ exit, serverStillRunning: servers.filter(isAlive) }).toEqual({ exit: { code: 0, signal: null }, serverStillRunning: [] });
    expect(first.output.join('')).toContain('"msg":"shutting down"');

    const second = npmStart(port);
    expect(await serving(second)).toBe(port);
    serverProcessesUnder(second.npm.pid!).forEach((pid) => serverPids.add(pid));
    second.npm.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 240_000);

  it('Ctrl-C in a terminal (SIGINT to the whole process group, which npm forwards again) still stops the server gracefully', async () => {
    // Its own process group, as a terminal's foreground job has: Ctrl-C signals every process in it.
    const run = npmStart(0, { ownProcessGroup: true, slowExit: true });
    await serving(run);
    const servers = serverProcessesUnder(run.npm.pid!);
    servers.forEach((pid) => serverPids.add(pid));

    process.kill(-run.npm.pid!, 'SIGINT');
    const exit = await run.exited;
    expect({ exit, serverStillRunning: servers.filter(isAlive) }).toEqual({ exit: { code: 0, signal: null }, serverStillRunning: [] });
    expect(run.output.join('')).toContain('"msg":"shutting down"');
  }, 240_000);
});
