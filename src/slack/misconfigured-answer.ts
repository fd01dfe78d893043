/**
 * What the Slack function answers while its configuration is refused. The template cannot check
 * everything the configuration does (CHARTER_REQUIRE_SECOND_APPROVER with one approver, an SCC URL
 * on the guest site's host), and such a stack deploys, then fails every cold start: Slack showed
 * only "dispatch_failed" and the reason sat in CloudWatch. Now a correctly signed `/charter` (the
 * doctor included) is answered privately with the problems, and events are acknowledged so Slack
 * does not disable the app's event subscriptions for failing them. Everything else still fails as
 * before: an interaction has no answer to show, and Slack marks the click as failed.
 */
import { isValidSlackRequest } from '@slack/bolt';
import { formatConfigProblems, SECRET_VARIABLES } from '../config';
import { secretTextScrubber } from '../secret-text';

interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

interface Answer {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * The secrets in `env` as they may be echoed: no configuration was loaded to list them, so the
 * feeds' `name=url` list is split here as the configuration would.
 */
function secretsOf(env: Record<string, string | undefined>): string[] {
  const feedUrls = (env.CHARTER_ICAL_FEEDS ?? '').split(',').map((part) => part.slice(part.indexOf('=') + 1).trim());
  return [...SECRET_VARIABLES.map((name) => env[name]?.trim() ?? ''), ...feedUrls].filter((v) => v.length >= 8);
}

/**
 * The answer for `event` given the configuration's `problems`, or undefined to fail as before.
 * Unsigned or wrongly signed requests get nothing here: the problems are for the workspace only.
 */
export function answerWhileMisconfigured(problems: readonly string[], event: FunctionUrlEvent, env: Record<string, string | undefined>, nowMs = Date.now()): Answer | undefined {
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  if (!signingSecret) return undefined;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const signed = isValidSlackRequest({
    signingSecret,
    body,
    headers: { 'x-slack-signature': headers['x-slack-signature'] ?? '', 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
    nowMilliseconds: nowMs,
  });
  if (!signed) return { statusCode: 401, body: '' };
  if (headers['content-type']?.includes('application/json')) {
    const parsed = JSON.parse(body) as { type?: string; challenge?: string };
    if (parsed.type === 'url_verification') return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: String(parsed.challenge ?? '') };
    return parsed.type === 'event_callback' ? { statusCode: 200, body: '' } : undefined;
  }
  if (!new URLSearchParams(body).get('command')) return undefined;
  const scrub = secretTextScrubber(secretsOf(env));
  const text = [
    scrub(formatConfigProblems([...problems])),
    'Nothing was done. An admin fixes these in the stack’s parameters (README → Deploying → Parameters names the variable behind each) and deploys again; until then every /charter gets this answer.',
  ].join('\n');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text }) };
}
