/** Composition root — wired up by the Slack surface work (issue 5). */
import type { Config } from './config';
import type { Logger } from './log';

export interface RunningApp {
  stop(): Promise<void>;
}

export async function startApp(_config: Config, _deps: { log: Logger }): Promise<RunningApp> {
  throw new Error('charter-bot: the Slack app is not wired yet');
}
