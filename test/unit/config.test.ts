import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { formatConfigProblems, loadConfig } from '../../src/config';
import { validEnv } from '../support/env';

const run = promisify(execFile);

describe('loadConfig', () => {
  it('accepts a complete environment and applies the documented defaults', () => {
    const result = loadConfig(validEnv());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const c = result.config;
    expect(c.slack.port).toBe(3000);
    expect(c.store).toEqual({ kind: 'sqlite', path: './data/charter.db' });
    expect(c.timezone).toBe('America/Los_Angeles');
    expect(c.rates).toEqual({ crewRateCentsPerHour: 2500, captainRateCentsPerHour: 5000, portFeeBasisPoints: 1800, checkInLeadMinutes: 30 });
    expect(c.slack.approvers).toEqual(['U0APPROVER1', 'U0APPROVER2']);
    expect(c.dashboard.url).toBe('http://127.0.0.1:9/dashboard');
    expect(c.operator.checklist.length).toBeGreaterThan(3);
  });

  it('accepts canonical IANA zones and their aliases, and refuses names that are not zones', () => {
    for (const zone of ['America/New_York', 'Pacific/Honolulu', 'US/Pacific', 'Asia/Calcutta', 'UTC']) {
      const result = loadConfig({ ...validEnv(), CHARTER_TIMEZONE: zone });
      if (!result.ok) throw new Error(`${zone}: ${result.problems.join('\n')}`);
      expect(result.config.timezone).toBe(zone);
    }
    for (const zone of ['Mars/Olympus', 'PST8PDTX', 'America/Los Angeles']) expect(loadConfig({ ...validEnv(), CHARTER_TIMEZONE: zone }).ok).toBe(false);
  });

  it('refuses EST, MST and HST, which hold one offset all year, naming the zone to use', () => {
    const est = loadConfig({ ...validEnv(), CHARTER_TIMEZONE: 'EST' });
    expect(est.ok ? [] : est.problems).toEqual(['CHARTER_TIMEZONE must name a place, not EST: EST stays at UTC−5 all year (use America/New_York for Eastern time, America/Panama for no daylight saving)']);
    for (const zone of ['mst', 'HST']) expect(loadConfig({ ...validEnv(), CHARTER_TIMEZONE: zone }).ok).toBe(false);
  });

  it('takes GUEST_SITE_URL only as a site root: the guest links are {GUEST_SITE_URL}/g/{ID}', () => {
    for (const root of ['https://queenofsandiego.com', 'https://queenofsandiego.com/', 'http://localhost:8080']) {
      const ok = loadConfig({ ...validEnv(), GUEST_SITE_URL: root });
      expect(ok.ok ? ok.config.guest.siteUrl : ok.problems).toBe(root.replace(/\/$/, ''));
    }
    const withPath = loadConfig({ ...validEnv(), GUEST_SITE_URL: 'https://queenofsandiego.com/charters' });
    expect(withPath.ok ? [] : withPath.problems).toEqual([expect.stringMatching(/^GUEST_SITE_URL must be the site's root, with no path or query — guest links are \{GUEST_SITE_URL\}\/g\/\{ID\}/)]);
    expect(loadConfig({ ...validEnv(), GUEST_SITE_URL: 'https://queenofsandiego.com/?ref=bot' }).ok).toBe(false);
  });

  it('lists every missing variable at once when the environment is empty', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const vars = result.problems.map((p) => p.split(' ')[0]);
    expect(vars).toEqual(
      expect.arrayContaining([
        'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'CHARTER_APPROVERS', 'DASHBOARD_URL', 'DASHBOARD_TOKEN',
        'SCC_API_URL', 'SCC_SERVICE_KEY', 'SCC_EVENTS_TABLE', 'GUEST_BUCKET', 'GUEST_DISTRIBUTION_ID', 'GUEST_SITE_URL',
      ]),
    );
    expect(new Set(vars).size).toBe(vars.length);
    // Each missing variable also says what it should look like.
    for (const problem of result.problems) expect(problem).toMatch(/ is required.* — \S/);
  });

  it.each([
    ['DASHBOARD_URL', 'not a url', 'must be an http(s) URL'],
    ['SLACK_API_URL', 'slack.com/api/', 'must be an http(s) URL'],
    ['SLACK_API_URL', 'ftp://slack.example/api/', 'must be an http(s) URL'],
    ['SLACK_API_URL', 'localhost:3000/api/', 'must be an http(s) URL'],
    ['CHARTER_APPROVERS', 'alice,bob', 'Slack user IDs'],
    ['CHARTER_OPS_CHANNEL', '#ops', 'channel ID'],
    ['CHARTER_STORE', 'postgres://x', 'sqlite:PATH or dynamodb:TABLE'],
    ['CHARTER_TIMEZONE', 'Mars/Olympus', 'IANA time zone'],
    ['CHARTER_REQUIRE_SECOND_APPROVER', 'yes', 'must be true or false'],
    ['CHARTER_CREW_RATE', '-5', 'non-negative amount'],
    ['CHARTER_PORT_FEE_PERCENT', '180', 'at most 100'],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', 'xoxb-'],
    ['SCC_API_URL', 'https://d111111abcdef8.cloudfront.net/api', 'strips the Authorization header'],
    ['SCC_API_URL', 'https://queenofsandiego.com/scc', 'strips the Authorization header'],
  ])('rejects a malformed %s with what it should look like', (name, value, expected) => {
    const result = loadConfig(validEnv({ [name]: value }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain(name);
    expect(result.problems[0]).toContain(expected);
  });

  it('CHARTER_REQUIRE_SECOND_APPROVER defaults to false and reads true in any case', () => {
    const off = loadConfig(validEnv());
    const on = loadConfig(validEnv({ CHARTER_REQUIRE_SECOND_APPROVER: 'TRUE', CHARTER_APPROVERS: 'U0APPROVE1,U0APPROVE2' }));
    if (!off.ok || !on.ok) throw new Error('valid environment rejected');
    expect(off.config.slack.requireSecondApprover).toBe(false);
    expect(on.config.slack.requireSecondApprover).toBe(true);
  });

  it('refuses CHARTER_REQUIRE_SECOND_APPROVER=true with a single approver, who could approve none of their own bookings', () => {
    for (const approvers of ['U0APPROVE1', ' U0APPROVE1 , U0APPROVE1 ']) {
      const result = loadConfig(validEnv({ CHARTER_REQUIRE_SECOND_APPROVER: 'true', CHARTER_APPROVERS: approvers }));
      expect(result).toMatchObject({ ok: false, problems: [expect.stringMatching(/^CHARTER_REQUIRE_SECOND_APPROVER=true needs at least two CHARTER_APPROVERS/)] });
    }
    expect(loadConfig(validEnv({ CHARTER_REQUIRE_SECOND_APPROVER: 'false', CHARTER_APPROVERS: 'U0APPROVE1' })).ok).toBe(true);
  });

  it('accepts Socket Mode without a signing secret', () => {
    const result = loadConfig(validEnv({ SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-test' }));
    expect(result.ok).toBe(true);
  });

  it('parses dynamodb stores, overrides and list values', () => {
    const result = loadConfig(
      validEnv({
        CHARTER_STORE: 'dynamodb:charter-bookings',
        CHARTER_CREW_RATE: '27.50',
        CHARTER_PORT_FEE_PERCENT: '17.5',
        CHARTER_CHECKLIST: 'Fuel | Life jackets |  | Radio',
      }),
    );
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.store).toEqual({ kind: 'dynamodb', table: 'charter-bookings' });
    expect(result.config.rates.crewRateCentsPerHour).toBe(2750);
    expect(result.config.rates.portFeeBasisPoints).toBe(1750);
    expect(result.config.operator.checklist).toEqual(['Fuel', 'Life jackets', 'Radio']);
  });

  it('reads iCal feeds as name=url pairs, polled every 15 minutes by default', () => {
    const none = loadConfig(validEnv());
    if (!none.ok) throw new Error(none.problems.join('\n'));
    expect(none.config.ical).toEqual({ feeds: [], pollMinutes: 15 });
    const two = loadConfig(validEnv({ CHARTER_ICAL_FEEDS: ' Boatsetter=https://www.boatsetter.com/ical/abc.ics?token=s3cr3t , GetMyBoat=http://127.0.0.1:8080/gmb.ics', CHARTER_ICAL_POLL_MINUTES: '5', CHARTER_OPS_CHANNEL: 'C0OPS00001' }));
    if (!two.ok) throw new Error(two.problems.join('\n'));
    expect(two.config.ical).toEqual({
      feeds: [
        { name: 'Boatsetter', url: 'https://www.boatsetter.com/ical/abc.ics?token=s3cr3t' },
        { name: 'GetMyBoat', url: 'http://127.0.0.1:8080/gmb.ics' },
      ],
      pollMinutes: 5,
    });
  });

  it.each([
    ['https://www.boatsetter.com/ical/abc.ics?token=s3cr3t', /name=url pairs.*name is missing/],
    ['Boatsetter=ftp://x/abc?token=s3cr3t', /URL for Boatsetter is not an http\(s\) URL/],
    ['A=https://a.example/1?token=s3cr3t,a=https://b.example/2', /each feed once \(a appears twice\)/],
  ])('explains a malformed CHARTER_ICAL_FEEDS without echoing its URL: %s', (value, message) => {
    const result = loadConfig(validEnv({ CHARTER_ICAL_FEEDS: value, CHARTER_OPS_CHANNEL: 'C0OPS00001' }));
    if (result.ok) throw new Error('expected a problem');
    const problem = result.problems.find((p) => p.startsWith('CHARTER_ICAL_FEEDS'));
    expect(problem).toMatch(message);
    expect(formatConfigProblems(result.problems)).not.toContain('s3cr3t');
  });

  it('needs an ops channel for the feed notices', () => {
    const result = loadConfig(validEnv({ CHARTER_ICAL_FEEDS: 'Boatsetter=https://a.example/x.ics', CHARTER_OPS_CHANNEL: undefined }));
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^CHARTER_OPS_CHANNEL is required with CHARTER_ICAL_FEEDS/)]);
  });

  it('refuses an amount of money in a setting guests and crew read, naming the setting and the line', () => {
    const result = loadConfig(validEnv({ CHARTER_WHAT_TO_BRING: 'Sunscreen|Cash for parking ($10)|A jacket', CHARTER_WEATHER_NOTE: 'We sail in most weather; refunds in full if we cancel.' }));
    expect(result.ok ? [] : result.problems).toEqual(['CHARTER_WHAT_TO_BRING states an amount of money ("Cash for parking ($10)"): guests and crew read it, and no money may reach them — take the amount out']);
    // The defaults (a refund policy without an amount, a phone number, an address) are not money.
    expect(loadConfig(validEnv()).ok).toBe(true);
  });

  it('names an unknown LOG_LEVEL in the list (pino would otherwise throw at start, exit 1)', () => {
    const result = loadConfig(validEnv({ LOG_LEVEL: 'verbose' }));
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^LOG_LEVEL.*must be one of fatal, error, warn, info, debug, trace, silent/)]);
    expect(loadConfig(validEnv({ LOG_LEVEL: 'debug' })).ok).toBe(true);
  });

  it('rejects a poll interval that is not a whole number of minutes', () => {
    const result = loadConfig(validEnv({ CHARTER_ICAL_POLL_MINUTES: '0.5' }));
    expect(result.ok ? [] : result.problems).toEqual(['CHARTER_ICAL_POLL_MINUTES must be a whole number — minutes between polls of the iCal feeds']);
  });

  it('never echoes a secret value in a problem message', () => {
    const secret = 'xoxp-leaked-user-token-123';
    const result = loadConfig(validEnv({ SLACK_BOT_TOKEN: secret, SCC_SERVICE_KEY: '' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatConfigProblems(result.problems)).not.toContain(secret);
  });
});

describe('npm start with a bad environment', () => {
  it('exits non-zero with one readable list and no stack trace', async () => {
    const root = path.resolve(__dirname, '../..');
    const failure = await run(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: 'xoxb-keep-this-secret' },
    }).then(
      () => undefined,
      (err: { code?: number; stderr?: string; stdout?: string }) => err,
    );
    expect(failure).toBeDefined();
    expect(failure?.code).toBe(78);
    const stderr = failure?.stderr ?? '';
    expect(stderr).toMatch(/cannot start: \d+ configuration problems/);
    expect(stderr).toContain('DASHBOARD_TOKEN is required');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack frames
    expect(stderr + (failure?.stdout ?? '')).not.toContain('xoxb-keep-this-secret');
  });
});
