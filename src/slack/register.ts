/** Every Slack surface, registered on one Bolt app. */
import type { App } from '@slack/bolt';
import { holdBookingContext } from '../log-context';
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
  // Whose click it is, for lines shared code logs about its booking (the state store's retries).
  app.use(async ({ body, next }) => {
    const { bookingId, ...fields } = slackLogContext(body);
    if (typeof bookingId !== 'string') return next();
    const release = holdBookingContext(bookingId, fields);
    try {
      await next();
    } finally {
      release();
    }
  });
  registerCommands(app, deps);
  registerViews(app, deps);
  registerActions(app, deps);
  registerShortcuts(app, deps);
  registerEvents(app, deps);
}
