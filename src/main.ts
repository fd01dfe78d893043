/** Process entry point: read configuration, build the app, start serving. */
import { formatConfigProblems, loadConfig, secretValues } from './config';
import { createLogger } from './log';
import { startApp } from './app';
import { boundHeapGrowth } from './heap-growth';
import { createSlackFetch } from './slack/slack-fetch';

async function main(): Promise<void> {
  const heapGrowth = boundHeapGrowth();
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`${formatConfigProblems(loaded.problems)}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger({ secretValues: secretValues(loaded.config) });
  log.debug({ heapGrowth: heapGrowth ?? 'as node was started' }, 'heap growth bound');
  const running = await startApp(loaded.config, { log, slackFetch: createSlackFetch({ timeoutMs: loaded.config.liveness.callTimeoutMs }) });
  let stopping = false;
  const stop = async (signal: string) => {
    // Ctrl-C under `npm start` delivers SIGINT twice (the terminal signals the whole process group
    // and npm forwards its own copy): a second signal must not cut the graceful stop short.
    if (stopping) {
      log.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    await running.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`charter-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
