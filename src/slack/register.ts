/** Every Slack surface, registered on one Bolt app. */
import type { App } from '@slack/bolt';
import { withLogContext } from '../log-context';
import { register as registerActions } from './actions';
import { register as registerCommands } from './commands';
import type { SlackDeps } from './context';
import { register as registerEvents } from './events';
import { refuseMalformedInteractions } from './malformed-requests';
import { slackLogContext } from './request-fields';
import { register as registerShortcuts } from './shortcuts';
import { register as registerViews } from './views';

export function registerListeners(app: App, deps: SlackDeps): void {
  // First, so no listener (nor Bolt's own matching) reads a field Slack always sends but this request lacks.
  app.use(refuseMalformedInteractions(deps.log));
  // Whose request it is, for lines logged on its behalf by shared code (the state store's retries).
  app.use(({ body, next }) => withLogContext(slackLogContext(body), next));
  registerCommands(app, deps);
  registerViews(app, deps);
  registerActions(app, deps);
  registerShortcuts(app, deps);
  registerEvents(app, deps);
}
