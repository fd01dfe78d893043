/**
 * What the user is told when Slack would not open a form (views.open failed): a modal that never
 * appears looks exactly like a bot that ignored the click, so the user always gets a reply that
 * says the form did not open, why in plain words, and that nothing they gave was lost.
 */
import type { Logger } from '../log';
import type { WebClient } from '@slack/web-api';
import { tellUser } from './ephemeral';
import { slackPlatformError, slackRetryAfterMs } from './slack-errors';

/** Slack's views.open answers a person can act on, in their words. */
const WHY: Readonly<Record<string, string>> = {
  expired_trigger_id: 'Slack took too long to hand it over (a form has to open within 3 seconds of the click or command). Please try again.',
  exchanged_trigger_id: 'Slack had already used that click for another form. Please try again.',
  invalid_trigger_id: 'Slack did not recognise the click it came from. Please try again.',
  view_too_large: 'it was too large for Slack to show. Please tell an approver.',
};

/** Why the form did not open, in plain words. */
export function whyFormDidNotOpen(err: unknown): string {
  if (slackRetryAfterMs(err) !== undefined) return 'Slack is asking the bot to slow down for a moment. Please try again in a minute.';
  const code = slackPlatformError(err);
  if (code === undefined) return 'Slack could not be reached. Please try again in a moment.';
  return WHY[code] ?? `Slack refused it (\`${code}\`). Please try again; if it keeps happening, tell an approver.`;
}

/** The reply: which form, why it did not open, and `kept` — what was not lost and how to start again. */
export function formNotOpenedText(form: string, err: unknown, kept: string): string {
  return `:warning: The ${form} could not open: ${whyFormDidNotOpen(err)}\n${kept}`;
}

/** Logs the failure and tells the user, in `channel` (or by DM where the bot cannot post there). */
export async function tellFormNotOpened(client: WebClient, log: Logger, target: { channel?: string; user: string }, reply: { form: string; err: unknown; kept: string }): Promise<void> {
  log.warn({ err: reply.err, user: target.user }, `${reply.form} did not open`);
  await tellUser(client, log, target, formNotOpenedText(reply.form, reply.err, reply.kept));
}
