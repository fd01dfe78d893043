/**
 * Socket Mode's app-level token (SLACK_APP_TOKEN, `xapp-…`). The bot token check (auth.test) says
 * nothing about it, and a wrong one — a bot token pasted there, a revoked token, one made without
 * `connections:write` — shows only when the bot cannot connect at start. `apps.connections.open`
 * is the call the Socket Mode client makes first: Slack answers a WebSocket URL, which the doctor
 * never opens, so nothing connects and no events are diverted from the running bot.
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { withDeadline } from '../deadline';
import type { CheckResult } from './checks';
import { describeNetworkProblem, DOCTOR_CALL_TIMEOUT_MS } from './network';

const NAME = 'Socket Mode';

const WHERE = 'api.slack.com → your app → Basic Information → App-Level Tokens';
const NEW_TOKEN = `generate an app-level token with the scope connections:write at ${WHERE}, and put it (xapp-…) in SLACK_APP_TOKEN`;

/** What each refusal of apps.connections.open means for SLACK_APP_TOKEN, and its fix. */
const REFUSALS: Record<string, { detail: string; fix: string }> = {
  not_allowed_token_type: { detail: 'SLACK_APP_TOKEN is not an app-level token (Slack: not_allowed_token_type)', fix: `the bot (xoxb-…) or user token does not open Socket Mode connections: ${NEW_TOKEN}` },
  invalid_auth: { detail: 'SLACK_APP_TOKEN is not accepted (Slack: invalid_auth): mistyped, or from another app', fix: `copy the token again from ${WHERE}, or ${NEW_TOKEN}` },
  not_authed: { detail: 'SLACK_APP_TOKEN did not reach Slack (Slack: not_authed)', fix: NEW_TOKEN },
  token_revoked: { detail: 'SLACK_APP_TOKEN was revoked (Slack: token_revoked)', fix: NEW_TOKEN },
  missing_scope: { detail: 'SLACK_APP_TOKEN lacks the connections:write scope (Slack: missing_scope)', fix: `at ${WHERE}, add the scope connections:write to the token (or ${NEW_TOKEN.replace('generate', 'generate one')})` },
};

/**
 * Only in Socket Mode (SLACK_APP_TOKEN set); HTTP mode has nothing to check here. The token is
 * never printed: results name the variable and Slack's error code only.
 */
export async function checkSocketMode(config: Config): Promise<CheckResult[]> {
  const token = config.slack.appToken;
  // The configuration check has already refused a token not starting with xapp- (a bot token pasted here, say).
  if (!token) return [];
  const apiUrl = config.slack.apiUrl;
  // Its own client: the app token, one attempt, the doctor's deadline.
  const client = new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // A second past the doctor's own deadline, which then always reports first.
    timeout: DOCTOR_CALL_TIMEOUT_MS + 1000,
    logLevel: LogLevel.ERROR,
  });
  try {
    const res = await withDeadline(client.apps.connections.open(), DOCTOR_CALL_TIMEOUT_MS);
    if (!isSocketModeUrl(res.url)) {
      return [fail('apps.connections.open answered without a WebSocket URL', `check SLACK_API_URL (${host(apiUrl)}): it must be Slack's Web API, or unset`)];
    }
    return [{ status: 'ok', name: NAME, detail: 'app-level token works: Slack offered a Socket Mode connection (apps.connections.open; not opened)', fix: '' }];
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'Slack', host: host(apiUrl), setting: apiUrl ? 'SLACK_API_URL' : 'SLACK_API_URL (unset: slack.com)' });
    if (network) return [fail(`apps.connections.open: ${network.detail}`, network.fix)];
    const e = err as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown } } | undefined;
    const code = typeof e?.data?.error === 'string' ? e.data.error : undefined;
    if (e?.code === ErrorCode.RateLimitedError || code === 'ratelimited') {
      const again = typeof e?.retryAfter === 'number' ? `in ${e.retryAfter} s` : 'in a minute';
      return [{ status: 'warn', name: NAME, detail: 'apps.connections.open: Slack rate-limited the doctor (it allows about one a minute), so the app token was not checked', fix: `run the doctor again ${again}; nothing is wrong with the configuration for this` }];
    }
    const known = code ? REFUSALS[code] : undefined;
    if (known) return [fail(known.detail, known.fix)];
    const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
    const what = code ?? (typeof status === 'number' ? `HTTP ${status}` : ((err as { name?: unknown } | undefined)?.name as string | undefined) ?? 'Error');
    return [fail(`apps.connections.open failed: ${what}`, code && code !== 'unknown_method' ? NEW_TOKEN : `check SLACK_API_URL (${host(apiUrl)}): it must be the Web API base ending in /api/, or unset for Slack itself`)];
  }
}

/** Slack hands out `wss://` URLs; a local stand-in (the sandbox's, the tests') a plain `ws://` one on loopback. */
function isSocketModeUrl(url: unknown): boolean {
  if (typeof url !== 'string' || !URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === 'wss:' || (protocol === 'ws:' && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]'));
}

const fail = (detail: string, fix: string): CheckResult => ({ status: 'fail', name: NAME, detail, fix });

const host = (apiUrl: string | undefined) => (apiUrl && URL.canParse(apiUrl) ? new URL(apiUrl).host : 'slack.com');
