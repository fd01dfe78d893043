/**
 * Slack Web API failures as IntegrationErrors, classified by the WebClient's stable error codes
 * and Slack's `error` strings (machine codes, not prose), so the runner knows what Retry can fix.
 */
import { ErrorCode } from '@slack/web-api';
import { IntegrationError } from '../integrations/errors';

const FIXES: Record<string, string> = {
  channel_not_found: 'Slack cannot find the channel: check CHARTER_CREW_CHANNEL / CHARTER_OPS_CHANNEL.',
  not_in_channel: 'The bot is not in the channel: /invite the bot there, then press Retry.',
  is_archived: 'The channel is archived: unarchive it or set another channel, then press Retry.',
  invalid_auth: 'Slack rejected the bot token: check SLACK_BOT_TOKEN.',
  not_authed: 'Slack rejected the bot token: check SLACK_BOT_TOKEN.',
  token_revoked: 'The bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN.',
  missing_scope: 'The app lacks a scope: reinstall it from manifest.yml.',
};

export function toSlackIntegrationError(err: unknown, method: string): IntegrationError {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
  if (e.code === ErrorCode.RateLimitedError) {
    return new IntegrationError(`${method}: rate limited`, { code: 'SLACK_RATE_LIMITED', retryable: true, operatorMessage: 'Slack asked us to slow down; it will be retried.', system: 'slack', status: 429, retryAfterMs: (e.retryAfter ?? 1) * 1000, cause: err });
  }
  if (e.code === ErrorCode.PlatformError) {
    const slackCode = e.data?.error ?? 'unknown';
    const fix = FIXES[slackCode];
    return new IntegrationError(`${method}: ${slackCode}`, {
      code: `SLACK_${slackCode.toUpperCase()}`,
      retryable: fix === undefined,
      operatorMessage: fix ?? `Slack answered ${slackCode}; it will be retried.`,
      system: 'slack',
      cause: err,
    });
  }
  return new IntegrationError(`${method}: request failed`, { code: 'SLACK_UNREACHABLE', retryable: true, operatorMessage: 'Slack could not be reached; it will be retried.', system: 'slack', cause: err });
}

export function isRateLimited(err: unknown): err is { retryAfter: number } {
  return (err as { code?: string }).code === ErrorCode.RateLimitedError;
}
