/**
 * `npm run sandbox` as an operator runs it: the CLI in a child process, everything on loopback.
 * It must exit 0 after printing the approval (with the $584.00 net) and a /g/ URL; with --keep the
 * URL keeps serving the guest page until the process is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = ['--import', 'tsx', 'src/sandbox/cli.ts'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const GUEST_URL = /guest URL: (http:\/\/localhost:\d+\/g\/[0-9A-Z]+)/;

it('drives the sample booking to done and prints the thread, the artifacts and the guest URL', async () => {
  const run = await runCli([]);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout).toContain('approval request');
  expect(run.stdout).toMatch(/Net\s+\$584\.00/);
  expect(run.stdout).toContain('Crew call');
  expect(run.stdout).toMatch(/booking [0-9A-Z]+: done; confirmed by Sam Ortiz, Lee Park, Ana Cruz/);
  expect(run.stdout).toMatch(/dashboard calendar\s+entry cal_/);
  expect(run.stdout).toMatch(/SCC\s+event evt_/);
  expect(run.stdout).toMatch(/S3\s+s3:\/\/guest-site-local\/jada-guest-[0-9a-z]+\.html \(\d+ bytes, text\/html/);
  expect(run.stdout).toMatch(/CloudFront\s+invalidation \w+ on \w+: .*\/g\/[0-9A-Z]+/);
  expect(run.stdout).toMatch(GUEST_URL);
  // the money stays in the approval: nothing printed after it for the crew carries a dollar amount
  const crewPost = run.stdout.slice(run.stdout.indexOf('Crew call'), run.stdout.indexOf('▶ Confirm'));
  expect(crewPost).not.toMatch(/\$\d/);
}, 60_000);

it('--fail scc_event shows the failed step and Retry, then heals it and finishes', async () => {
  const run = await runCli(['--fail', 'scc_event']);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/❌ SCC event — failed: .*SCC_UNAUTHORIZED/);
  expect(run.stdout).toContain('[ Retry failed steps ]');
  expect(run.stdout).toMatch(/✅ SCC event — eventId `evt_/);
  expect(run.stdout).toMatch(/booking [0-9A-Z]+: done/);
  // The summary says who confirmed: the thread printed above it has to show the same. After the
  // Retry's update the confirmations' update is paced, and had come after the summary.
  const beforeSummary = run.stdout.slice(0, run.stdout.indexOf('════ Summary'));
  const threadConfirmed = [...beforeSummary.matchAll(/thread — progress updated\n((?: {2}│ .*\n)+)/g)].flatMap((m) => [...m[1]!.matchAll(/@([\w ]+?) (?:\(captain\) )?— ✅ confirmed/g)].map((c) => c[1]));
  expect(new Set(threadConfirmed)).toEqual(new Set(['Sam Ortiz', 'Lee Park', 'Ana Cruz']));
}, 60_000);

it('--ical shows a Boatsetter feed booking becoming a charter from its notice (beside --lifecycle, which deactivates a crew member)', async () => {
  const run = await runCli(['--ical', '--lifecycle']);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  const ical = run.stdout.slice(run.stdout.indexOf('iCal intake'));
  expect(ical).toMatch(/New Boatsetter booking · \w{3}, \w{3} \d{1,2}, 10:00 AM – 3:00 PM P[SD]T/);
  expect(ical).toContain('[ Create charter ](primary)');
  // once the charter is made, the notice keeps its headline, names the charter and loses its button
  expect(ical).toMatch(/message updated\n {2}│ ✅ \*New Boatsetter booking · \w{3}, \w{3} \d{1,2}, 10:00 AM – 3:00 PM P[SD]T\*\n {2}│ Charter `[0-9A-Z]+` created by @Olivia Approver\./);
  expect(ical).toMatch(/modal prefilled from the feed: guestName=James Park, .*departureTime=10:00, durationHours=5, partySize=4, platform=Boatsetter, platformRef=BS-77001/);
  expect(ical).toMatch(/Boatsetter booking BS-77001 → charter [0-9A-Z]+: done \(Boatsetter BS-77001\); new-booking notices posted: 1/);
  expect(ical).not.toContain('feed answered');
}, 60_000);

it('--lifecycle walks create → a crew member deactivated → reschedule without her → cancel, printing the thread and the artifacts after each', async () => {
  const run = await runCli(['--lifecycle']);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  const after = (title: string) => {
    const start = run.stdout.indexOf(`Artifacts after ${title}`);
    expect(start).toBeGreaterThan(0);
    return run.stdout.slice(start, run.stdout.indexOf('\n\n', start + 1));
  };
  const created = after('create');
  const rescheduled = after('reschedule');
  const cancelled = after('cancel');
  expect(run.stdout).toMatch(/#charter-ops \(only visible to Lee Park\)\n {2}│ Only approvers can edit, reschedule .* Ask @Olivia Approver/);
  expect(run.stdout).toContain('*Change requested (reschedule)*');
  expect(run.stdout).toContain('[ Approve change ](primary)');
  // crew are called by DM in the sandbox: each note under a DM speaks to its reader only
  expect(run.stdout).toMatch(/DM with @Sam Ortiz › thread — message\n(?: {2}│ .*\n)*? {2}│ Please confirm again on the crew post above\./);
  expect(run.stdout).not.toContain("@Ana Cruz — you're off this charter");
  // a crew member deactivated: the thread says so before the change, which takes her off
  expect(run.stdout).toContain("⚠️ @Ana Cruz's Slack account was deactivated, and they are on the crew of this charter.");
  expect(run.stdout).toContain('• @Ana Cruz — ⛔ Slack account deactivated: change the crew (Edit)');
  expect(run.stdout).toContain('*Crew*: Lee Park, Ana Cruz → Lee Park');
  expect(run.stdout).toContain("Crew called: @Sam Ortiz (captain), @Lee Park — each by DM");
  expect(created).toMatch(/T16:00:00-0[78]:00/);
  expect(created).toContain('guest page          200 "Ahoy, Maria!"');
  expect(rescheduled).toMatch(/entry cal_\S+: \S+T10:30:00-0[78]:00/);
  expect(rescheduled).toMatch(/status scheduled, 1 PATCH/);
  expect(rescheduled).toMatch(/\.ics DTSTART;TZID=America\/Los_Angeles:\d{8}T103000/);
  expect(rescheduled).toContain('2 invalidation(s)');
  expect(cancelled).toMatch(/entry cal_\S+: deleted/);
  expect(cancelled).toContain('status cancelled');
  expect(cancelled).toContain('"This charter was cancelled"');
  expect(cancelled).toContain('STATUS:CANCELLED');
  // the whole life read back: the approver's trail has the change in it and the cost; crew get no money
  const statusBy = (who: string) => run.stdout.slice(run.stdout.indexOf(`status ${run.stdout.match(/booking (\w{12}): cancelled/)?.[1] ?? '?'} by ${who}`));
  const approverStatus = statusBy('Olivia Approver');
  const crewStatus = statusBy('Lee Park (crew)');
  expect(approverStatus).toMatch(/only visible to Olivia Approver\)\n(?: {2}│ .*\n)*? {2}│ • .* — @Olivia Approver asked for the change \(reschedule\)/);
  expect(approverStatus.slice(0, approverStatus.indexOf('by Lee Park'))).toContain('Net $');
  expect(crewStatus).toMatch(/only visible to Lee Park\)\n {2}│ \*Booking `\w+`\* — Maria, departs/);
  expect(crewStatus).not.toContain('$');
  expect(cancelled).toContain('3 invalidation(s)');
  expect(cancelled).toMatch(/op3 cancel: done/);
  expect(run.stdout).toContain('Cancelled: JADA');
}, 90_000);

it('refuses flags --slack cannot honour (it drives nothing itself) with exit code 2', async () => {
  const run = await runCli(['--slack', '--lifecycle']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--slack runs the bot against your workspace and drives nothing itself, so --lifecycle cannot go with it');
}, 30_000);

it('rejects an unknown --fail step with exit code 2 and the usage', async () => {
  const run = await runCli(['--fail', 'everything']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('usage: npm run sandbox');
}, 30_000);

describe('--keep', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('stays up serving the guest page at the printed URL, and stops cleanly on SIGTERM', async () => {
    const proc = spawn(process.execPath, [...CLI, '--keep'], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = GUEST_URL.exec(stdout);
        if (m?.[1] && stdout.includes('Staying up')) resolve(m[1]);
      });
      proc.once('exit', (code) => reject(new Error(`sandbox exited ${code} before serving:\n${stdout}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Maria');

    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  }, 60_000);
});
