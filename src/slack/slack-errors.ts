/**
 * Slack Web API failures as IntegrationErrors, classified by the WebClient's stable error codes
 * and Slack's `error` strings (machine codes, not prose), so the runner knows what Retry can fix.
 */
import { ErrorCode } from '@slack/web-api';
import { IntegrationError } from '../integrations/errors';

/**
 * Slack's answers that mean the bot cannot DM this person at all — what is wrong is who was picked,
 * so retrying cannot help: the crew must change (or the account be reactivated) first.
 */
export const UNREACHABLE_USER_REASONS: Readonly<Record<string, string>> = {
  user_disabled: 'their account is deactivated',
  user_not_found: 'Slack does not know this user (removed from the workspace?)',
  user_not_visible: 'the bot is not allowed to see this user',
  cannot_dm_bot: 'it is a bot, not a person',
};

/** The IntegrationError code of a Slack answer (SLACK_USER_DISABLED, …). */
export const slackErrorCode = (slackCode: string): string => `SLACK_${slackCode.toUpperCase()}`;

/** Slack's error (`user_disabled`) behind an IntegrationError made here, when it means the user cannot get a DM. */
export function unreachableUserReason(err: unknown): { slackCode: string; reason: string } | undefined {
  if (!(err instanceof IntegrationError) || err.system !== 'slack') return undefined;
  const slackCode = Object.keys(UNREACHABLE_USER_REASONS).find((c) => slackErrorCode(c) === err.code);
  return slackCode ? { slackCode, reason: UNREACHABLE_USER_REASONS[slackCode]! } : undefined;
}

/** Where a refused call went: the channel's ID and the setting that names it (none for a DM or an approver's thread). */
export interface SlackChannelRef {
  channel: string;
  setting?: string;
}

/** The setting a configured channel comes from, so a refusal can say which one to fix. */
export function channelSettingOf(slack: { crewChannel?: string; opsChannel?: string }, channel: string): string | undefined {
  if (channel === slack.crewChannel) return 'CHARTER_CREW_CHANNEL';
  if (channel === slack.opsChannel) return 'CHARTER_OPS_CHANNEL';
  return undefined;
}

/**
 * A refusal about the channel, naming it (as the doctor does) when the caller knows which it was:
 * with two channels configured "the channel" leaves the operator guessing. Slack answers
 * channel_not_found for a private channel the bot is not in as well as for a wrong ID, so both fixes.
 */
function channelFix(slackCode: string, where: SlackChannelRef | undefined): string | undefined {
  const named = where ? `${where.channel}${where.setting ? ` (${where.setting})` : ''}` : 'the channel';
  const setting = where ? where.setting : 'CHARTER_CREW_CHANNEL / CHARTER_OPS_CHANNEL';
  switch (slackCode) {
    case 'channel_not_found':
      return `Slack cannot find ${named}: no such channel, or a private one the bot is not in — ${setting ? `check ${setting} is the channel's ID (C…), ` : ''}/invite the bot to a private channel, then press Retry.`;
    case 'not_in_channel':
      return `The bot is not in ${named}: /invite the bot there, then press Retry.`;
    case 'is_archived':
      return `${named === 'the channel' ? 'The channel' : named} is archived: unarchive it${setting ? ` or set ${setting} to another channel` : ''}, then press Retry.`;
    default:
      return undefined;
  }
}

/** Answers Retry cannot fix until someone acts, with what to do. Callers that know who it was (the crew step) name them. */
const FIXES: Record<string, string> = {
  channel_not_found: channelFix('channel_not_found', undefined)!,
  not_in_channel: channelFix('not_in_channel', undefined)!,
  is_archived: channelFix('is_archived', undefined)!,
  invalid_auth: 'Slack rejected the bot token: check SLACK_BOT_TOKEN.',
  not_authed: 'Slack rejected the bot token: check SLACK_BOT_TOKEN.',
  token_revoked: 'The bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN.',
  missing_scope: 'The app lacks a scope: reinstall it from manifest.yml.',
  ...Object.fromEntries(Object.entries(UNREACHABLE_USER_REASONS).map(([code, reason]) => [code, `Slack cannot DM this person: ${reason}. Change the crew (Edit), then press Retry.`])),
};

/**
 * Slack's back-pressure answered as an error, not as HTTP 429: some methods answer `ok: false`
 * with `ratelimited` or `rate_limited` (chat.postMessage: "posted too many messages") and no
 * Retry-After. Nothing was done; it is a "not yet" like a 429.
 */
const RATE_LIMIT_PLATFORM_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'rate_limited']);

/** What a back-pressure answer without Retry-After is taken to ask for: Slack's shortest Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** `where`: the channel the call went to, named in a refusal about it. */
export function toSlackIntegrationError(err: unknown, method: string, where?: SlackChannelRef): IntegrationError {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
  const retryAfterMs = slackRetryAfterMs(err);
  if (retryAfterMs !== undefined) {
    return new IntegrationError(`${method}: rate limited`, { code: 'SLACK_RATE_LIMITED', retryable: true, operatorMessage: 'Slack asked us to slow down; it will be retried.', system: 'slack', status: 429, retryAfterMs, cause: err });
  }
  if (e.code === ErrorCode.PlatformError) {
    const slackCode = e.data?.error ?? 'unknown';
    const fix = channelFix(slackCode, where) ?? FIXES[slackCode];
    return new IntegrationError(`${method}: ${slackCode}`, {
      code: slackErrorCode(slackCode),
      retryable: fix === undefined,
      operatorMessage: fix ?? `Slack answered ${slackCode}; it will be retried.`,
      system: 'slack',
      cause: err,
    });
  }
  return new IntegrationError(`${method}: request failed`, { code: 'SLACK_UNREACHABLE', retryable: true, operatorMessage: 'Slack could not be reached; it will be retried.', system: 'slack', cause: err });
}

/**
 * Slack's answer when it refuses a call for good, until someone acts (the channel archived, the bot
 * not in it, the token revoked): the IntegrationError saying what to do, else undefined.
 */
export function slackRefusal(err: unknown): IntegrationError | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  if (err instanceof IntegrationError) return err.system === 'slack' && !err.retryable ? err : undefined;
  if (e.code !== ErrorCode.PlatformError || FIXES[e.data?.error ?? ''] === undefined) return undefined;
  return toSlackIntegrationError(err, 'chat');
}

/** Slack's `error` of a platform error (`message_not_found`), else undefined. */
export function slackPlatformError(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}

/**
 * How long Slack asked to wait when `err` is its back-pressure — an HTTP 429 (Retry-After), the
 * platform errors `ratelimited` / `rate_limited`, or an IntegrationError made here from either —
 * and undefined for any other failure.
 */
export function slackRetryAfterMs(err: unknown): number | undefined {
  if (err instanceof IntegrationError) return err.system === 'slack' && err.code === 'SLACK_RATE_LIMITED' ? (err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) : undefined;
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === ErrorCode.RateLimitedError) return (e.retryAfter ?? 1) * 1000;
  if (e.code === ErrorCode.PlatformError && RATE_LIMIT_PLATFORM_ERRORS.has(e.data?.error ?? '')) return DEFAULT_RETRY_AFTER_MS;
  return undefined;
}

/**
 * What to do when Slack refuses a post or edit in the approval channel: CHARTER_OPS_CHANNEL, or
 * without it the channel /charter was run in. No Retry button exists for the approval message, so
 * unlike FIXES these say only what to change. `channel_not_found` is also what a private channel the
 * bot is not in answers. Undefined for an error no one needs to act on.
 */
export function approvalChannelFix(slackCode: string, opts: { opsChannelSet: boolean }): string | undefined {
  const where = opts.opsChannelSet ? 'the ops channel (CHARTER_OPS_CHANNEL)' : 'that channel';
  switch (slackCode) {
    case 'not_in_channel':
      return `Invite @charter-bot to ${where}.`;
    case 'channel_not_found':
      return opts.opsChannelSet
        ? 'Check that CHARTER_OPS_CHANNEL is the channel\'s ID (C…, from its "About" tab), not its name; if the channel is private, invite @charter-bot to it.'
        : 'If that channel is private, invite @charter-bot to it.';
    case 'is_archived':
      return opts.opsChannelSet ? 'The ops channel is archived: unarchive it, or set CHARTER_OPS_CHANNEL to another channel.' : 'That channel is archived: unarchive it, or run /charter from another channel.';
    default: {
      const fix = FIXES[slackCode];
      // The token and scope fixes hold anywhere; the rest name the Retry button this message lacks.
      return fix && !fix.includes('Retry') ? fix : undefined;
    }
  }
}
