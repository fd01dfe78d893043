/**
 * user_change: Slack says a member's data changed (a new name or email, a deactivation). What this
 * process keeps of them — their users.info answer and their DM channel, each kept up to 10 minutes —
 * is dropped, so the next form or crew call sees the change at once: a deactivated captain gets the
 * form's inline error, a deactivated crew member's DM is opened afresh and refused.
 *
 * A deactivated member on the roster of a charter still ahead is named in that booking's ops thread
 * (src/slack/member-deactivated.ts), and one flagged so who is back gets their flags dropped. Slack
 * sends this event for every member of the workspace, status changes included, so for anyone else
 * the handler forgets and reads one meta entry (no Slack call). Another process (a second server,
 * the pipeline Lambda) keeps its own caches, but reads the flag a booking carries: a flagged
 * member's DM is opened afresh there too.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { forgetDm } from '../crew-notice';
import type { SlackDeps } from '../context';

export function userChange(deps: Pick<SlackDeps, 'users' | 'client' | 'log' | 'memberDeactivated' | 'memberActive'>) {
  return async ({ event }: SlackEventMiddlewareArgs<'user_change'> & AllMiddlewareArgs): Promise<void> => {
    const userId = event.user?.id;
    if (typeof userId !== 'string') return;
    deps.users.forget(userId);
    forgetDm(deps.client, userId);
    if (event.user.deleted !== true) {
      try {
        await deps.memberActive?.(userId);
      } catch (err) {
        deps.log.warn({ err, userId }, 'could not check whether a member flagged as deactivated is back; their next user_change tries again');
      }
      return;
    }
    deps.log.info({ userId }, 'member deactivated: their cached name and DM channel are dropped');
    try {
      await deps.memberDeactivated?.(userId);
    } catch (err) {
      deps.log.warn({ err, userId }, 'could not look for charters a deactivated member is on; the crew step will still name them');
    }
  };
}
