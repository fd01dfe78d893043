/**
 * `npm run sandbox [-- --keep] [--fail STEP] [--data DIR] [--store sqlite|dynamodb] [--slack] [--ical] [--lifecycle]`
 * Exit 0 when the sample booking reached done (and every crew member confirmed); 1 with the reason
 * otherwise; 2 for bad flags.
 */
import { parseArgs } from 'node:util';
import { driveIcalBooking, SANDBOX_FEED } from './ical-drive';
import { startIcalFeedStandin, type IcalFeedStandin } from './ical-feed-standin';
import { driveLifecycle, driveSampleBooking, FAILABLE_STEPS, SandboxError, startSandbox, summarize, type FailableStep, type Sandbox } from './driver';
import { readableLogLines } from './readable-log';

const USAGE = `usage: npm run sandbox -- [--keep] [--fail ${FAILABLE_STEPS.join('|')}] [--data DIR] [--store sqlite|dynamodb] [--slack] [--ical] [--lifecycle]
  --keep          stay up after the run so the guest page can be opened (Ctrl-C to stop)
  --fail STEP     break STEP's stand-in permanently, show the failed step and Retry, heal it, Retry
  --data DIR      keep state (SQLite, bucket files, DynamoDB) in DIR instead of a temp folder
  --store KIND    sqlite (default) or dynamodb (the state store on the local dynalite)
  --slack         connect to a real workspace in Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN,
                  CHARTER_APPROVERS); every other backend stays local. Stays up; nothing is driven.
  --ical          after the sample booking, a Boatsetter iCal feed (local) gains a booking: the
                  watcher's notice, [Create charter], the prefilled modal, Approve, done.
  --lifecycle     after the booking is done: a deckhand is refused the change form, a crew
                  member's Slack account is deactivated (the thread says so at once), an approver
                  reschedules it without them and approves the change, then cancels it, printing
                  the thread and every artifact after each step, and last /charter status as the
                  approver and as a crew member read it`;

const write = (text: string) => void process.stdout.write(text);
/** The bot's warnings: readable on a terminal, JSON when stderr is piped. */
const logDestination = process.stderr.isTTY ? { logDestination: readableLogLines(2, true) } : {};

function parseFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      keep: { type: 'boolean', default: false },
      lifecycle: { type: 'boolean', default: false },
      slack: { type: 'boolean', default: false },
      ical: { type: 'boolean', default: false },
      fail: { type: 'string' },
      data: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.fail !== undefined && !(FAILABLE_STEPS as readonly string[]).includes(values.fail)) throw new SandboxError(`--fail takes one of ${FAILABLE_STEPS.join(', ')}`);
  if (values.store !== 'sqlite' && values.store !== 'dynamodb') throw new SandboxError('--store takes sqlite or dynamodb');
  return { keep: values.keep, lifecycle: values.lifecycle, slack: values.slack, ical: values.ical, help: values.help, fail: values.fail as FailableStep | undefined, data: values.data, store: values.store as 'sqlite' | 'dynamodb' };
}

function stayUp(sb: Sandbox): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void sb;
  });
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  if (flags.slack) {
    const ignored = [flags.ical && '--ical', flags.lifecycle && '--lifecycle', flags.fail && '--fail', flags.keep && '--keep'].filter(Boolean);
    if (ignored.length > 0) {
      process.stderr.write(`--slack runs the bot against your workspace and drives nothing itself, so ${ignored.join(', ')} cannot go with it\n${USAGE}\n`);
      return 2;
    }
    if (!process.env.SLACK_BOT_TOKEN || !process.env.SLACK_APP_TOKEN || !process.env.CHARTER_APPROVERS) {
      process.stderr.write('--slack needs SLACK_BOT_TOKEN (xoxb-…), SLACK_APP_TOKEN (xapp-…) and CHARTER_APPROVERS in the environment\n');
      return 2;
    }
    const sb = await startSandbox({ realSlack: { env: process.env }, store: flags.store, ...(flags.data ? { dataDir: flags.data } : {}), ...logDestination, write });
    write(`charter-bot is connected to your workspace in Socket Mode; every other backend is local.\n`);
    write(`Run /charter in Slack. Guest pages are served at ${sb.config.guest.siteUrl}/g/{ID}. Ctrl-C to stop.\n`);
    await stayUp(sb);
    await sb.close();
    return 0;
  }

  write(`charter-bot sandbox — local stand-ins for Slack, the dashboard, SCC, S3, DynamoDB and CloudFront\n`);
  let sb: Sandbox | undefined;
  let feed: IcalFeedStandin | undefined;
  try {
    feed = flags.ical ? await startIcalFeedStandin() : undefined;
    feed?.setEvents('boatsetter', []); // the export exists (empty) before the bot's first poll
    const extraEnv = feed ? { CHARTER_ICAL_FEEDS: `${SANDBOX_FEED}=${feed.feedUrl('boatsetter')}` } : undefined;
    sb = await startSandbox({ store: flags.store, ...(flags.data ? { dataDir: flags.data } : {}), ...(flags.fail ? { failStep: flags.fail } : {}), ...(extraEnv ? { extraEnv } : {}), ...logDestination, write });
    write(`bot listening at ${sb.running.url}/slack/events (HTTP mode, signed requests); state store ${flags.store}${flags.data ? ` in ${flags.data}` : ' in a temp folder'}\n`);
    const result = await driveSampleBooking(sb, { ...(flags.fail ? { failStep: flags.fail } : {}), write });
    write(`${await summarize(sb, result)}\n`);
    write(`\nguest URL: ${result.guestUrl}\n`);
    if (feed) {
      write(`\n════ iCal intake ════\n`);
      await driveIcalBooking(sb, feed, write);
    }
    // Last: it deactivates a crew member, whom the iCal booking would otherwise be refused for.
    if (flags.lifecycle) await driveLifecycle(sb, result, { write });
    write(`elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (flags.keep) {
      write(`\nStaying up (--keep): open ${result.guestUrl} in a browser. Ctrl-C to stop.\n`);
      await stayUp(sb);
    }
    return 0;
  } catch (err) {
    const reason = err instanceof SandboxError ? err.message : `${(err as Error).name}: ${(err as Error).message}`;
    process.stderr.write(`\nsandbox failed: ${reason}\n`);
    write(`\nsandbox failed: ${reason}\nelapsed: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 1;
  } finally {
    await sb?.close();
    await feed?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sandbox could not start: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
