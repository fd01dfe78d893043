/** app_home_opened: publish the user's Home tab (the Messages tab opening is ignored). */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context';

export function appHomeOpened(deps: SlackDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home' || !deps.home) return;
    await deps.home.opened(event.user);
  };
}
