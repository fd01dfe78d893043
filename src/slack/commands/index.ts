import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { charterCommand } from './charter';

export function register(app: App, deps: SlackDeps): void {
  app.command('/charter', charterCommand(deps));
}
