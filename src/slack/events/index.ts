import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { appHomeOpened } from './app-home-opened';
import { userChange } from './user-change';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
  app.event('user_change', userChange(deps));
}
