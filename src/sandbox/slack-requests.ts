/**
 * Requests the way Slack sends them: slash commands form-encoded, interactivity as a form field
 * `payload=` holding JSON, both signed with v0 HMAC-SHA256 over `v0:{timestamp}:{body}`. The
 * timestamp is settable (stale-request tests), and so is X-Slack-Retry-Num (Slack's redeliveries).
 * Used by the Slack integration tests (through test/support/slack-requests.ts), the sandbox driver
 * and the benchmarks.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface SignedHeaders {
  'content-type': string;
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
  'x-slack-retry-num'?: string;
  'x-slack-retry-reason'?: string;
}

export function slackSignature(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Unix seconds; default now. */
  timestampSec?: number;
  /** Sign with this secret instead (a forged request). */
  signingSecret?: string;
  retryNum?: number;
}

export interface SlackResponse {
  status: number;
  text: string;
  /** Parsed body when it is JSON (e.g. `response_action: errors`), else undefined. */
  json?: unknown;
}

export interface CommandFields {
  user_id: string;
  channel_id: string;
  text?: string;
  command?: string;
  trigger_id?: string;
  user_name?: string;
  team_id?: string;
}

export function slashCommandBody(fields: CommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.team_id ?? 'T0TEAM0001',
    team_domain: 'standin',
    channel_id: fields.channel_id,
    channel_name: 'charters',
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: fields.command ?? '/charter',
    text: fields.text ?? '',
    api_app_id: 'A0APP00001',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T0TEAM0001/1/abc',
    trigger_id: fields.trigger_id ?? newTriggerId(),
  }).toString();
}

export function interactivityBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().replace(/-/g, '')}`;
}

const team = { id: 'T0TEAM0001', domain: 'standin' };

export function blockActionPayload(p: { userId: string; actionId: string; value: string; channelId: string; messageTs?: string; messageText?: string; messageBlocks?: unknown[]; blockId?: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    team,
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: team.id },
    api_app_id: 'A0APP00001',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: p.messageTs ?? '1800000000.000001', channel_id: p.channelId, is_ephemeral: false },
    trigger_id: newTriggerId(),
    channel: { id: p.channelId, name: 'charters' },
    message: { type: 'message', ts: p.messageTs ?? '1800000000.000001', text: p.messageText ?? '', ...(p.messageBlocks ? { blocks: p.messageBlocks } : {}) },
    response_url: 'https://hooks.slack.invalid/actions/T0TEAM0001/1/abc',
    actions: [{ type: 'button', action_id: p.actionId, block_id: p.blockId ?? 'block', value: p.value, text: { type: 'plain_text', text: 'button' }, action_ts: `${Date.now() / 1000}` }],
  };
}

/** A button clicked on the user's App Home tab, as Slack sends it: the tab's view, and neither a channel nor a message. */
export function homeActionPayload(p: { userId: string; actionId: string; value: string }): Record<string, unknown> {
  const { channel: _channel, message: _message, response_url: _responseUrl, ...rest } = blockActionPayload({ ...p, channelId: '' });
  const view = { id: `V0HOME${p.userId.slice(-4)}`, type: 'home', callback_id: '', team_id: team.id, app_id: 'A0APP00001', bot_id: 'B0BOT00001', blocks: [], state: { values: {} } };
  return { ...rest, container: { type: 'view', view_id: view.id }, view };
}

export type ModalStateValues = Record<string, Record<string, Record<string, unknown>>>;

/** view.state.values for the booking modal from plain field values, typed the way each Block Kit element reports them. */
export function bookingModalState(fields: Record<string, string | string[] | undefined>): ModalStateValues {
  const elementOf: Record<string, string> = { date: 'datepicker', departureTime: 'timepicker', captain: 'users_select', crew: 'multi_users_select', guestEmail: 'email_text_input' };
  const numeric = new Set(['durationHours', 'partySize', 'priceCents', 'crewHours', 'captainHours']);
  const out: ModalStateValues = {};
  for (const [field, value] of Object.entries(fields)) {
    const type = elementOf[field] ?? (numeric.has(field) ? 'number_input' : 'plain_text_input');
    const v =
      type === 'datepicker' ? { selected_date: value ?? null }
      : type === 'timepicker' ? { selected_time: value ?? null }
      : type === 'users_select' ? { selected_user: value ?? null }
      : type === 'multi_users_select' ? { selected_users: value ?? [] }
      : { value: value ?? null };
    out[field] = { [field]: { type, ...v } };
  }
  return out;
}

let viewCounter = 0;
/** Every modal Slack opens has its own view id; a redelivery repeats the same payload. */
function newViewId(): string {
  viewCounter += 1;
  return `V0${process.pid.toString(36).toUpperCase()}${String(viewCounter).padStart(6, '0')}`;
}

export function viewSubmissionPayload(p: { userId: string; callbackId?: string; values: ModalStateValues; privateMetadata?: string; viewId?: string }): Record<string, unknown> {
  return {
    type: 'view_submission',
    team,
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: team.id },
    api_app_id: 'A0APP00001',
    token: 'deprecated-verification-token',
    trigger_id: newTriggerId(),
    view: {
      id: p.viewId ?? newViewId(),
      team_id: team.id,
      type: 'modal',
      callback_id: p.callbackId ?? 'booking_modal',
      private_metadata: p.privateMetadata ?? '',
      state: { values: p.values },
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'New charter' },
      blocks: [],
      app_id: 'A0APP00001',
      bot_id: 'B0BOT00001',
    },
    response_urls: [],
  };
}

export function messageShortcutPayload(p: { userId: string; channelId: string; message: Record<string, unknown>; callbackId?: string }): Record<string, unknown> {
  return {
    type: 'message_action',
    callback_id: p.callbackId ?? 'refresh_guest_page',
    team,
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: team.id },
    channel: { id: p.channelId, name: 'charters' },
    message: { type: 'message', ts: '1800000000.000001', ...p.message },
    message_ts: String(p.message.ts ?? '1800000000.000001'),
    trigger_id: newTriggerId(),
    response_url: 'https://hooks.slack.invalid/actions/T0TEAM0001/1/abc',
    token: 'deprecated-verification-token',
  };
}

/** An Events API delivery (the event_callback envelope around `event`). */
function eventCallback(event: Record<string, unknown>, nowSec: number): Record<string, unknown> {
  return {
    token: 'deprecated-verification-token',
    team_id: team.id,
    api_app_id: 'A0APP00001',
    event,
    type: 'event_callback',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: nowSec,
    authorizations: [{ team_id: team.id, user_id: 'U0BOT00001', is_bot: true, is_enterprise_install: false }],
  };
}

/** An Events API delivery of `app_home_opened` (JSON body, signed like every other request). */
export function appHomeOpenedEvent(p: { userId: string; tab?: 'home' | 'messages' }): Record<string, unknown> {
  const nowSec = Math.floor(Date.now() / 1000);
  return eventCallback({ type: 'app_home_opened', user: p.userId, channel: 'D0HOME0001', tab: p.tab ?? 'home', event_ts: `${nowSec}.000100` }, nowSec);
}

/** An Events API delivery of `user_change`: a member's data changed (a deactivation: `deleted: true`). */
export function userChangeEvent(p: { userId: string; realName: string; email?: string; deleted?: boolean }): Record<string, unknown> {
  const nowSec = Math.floor(Date.now() / 1000);
  const profile = { real_name: p.realName, display_name: '', ...(p.email ? { email: p.email } : {}) };
  const user = { id: p.userId, team_id: team.id, name: p.realName.toLowerCase().replace(/\s+/g, '.'), deleted: p.deleted ?? false, real_name: p.realName, is_bot: false, tz: 'America/Los_Angeles', profile };
  return eventCallback({ type: 'user_change', user, cache_ts: nowSec, event_ts: `${nowSec}.000200` }, nowSec);
}

/** Sends signed requests to one app's `POST /slack/events`. */
export class SlackRequester {
  constructor(private readonly opts: { url: string; signingSecret: string; now?: () => number }) {}

  get eventsUrl(): string {
    return `${this.opts.url.replace(/\/+$/, '')}/slack/events`;
  }

  command(fields: CommandFields, send: SendOptions = {}): Promise<SlackResponse> {
    return this.post(slashCommandBody(fields), send);
  }

  interact(payload: unknown, send: SendOptions = {}): Promise<SlackResponse> {
    return this.post(interactivityBody(payload), send);
  }

  /** Events API: the body is JSON, not a form. */
  event(payload: unknown, send: SendOptions = {}): Promise<SlackResponse> {
    return this.post(JSON.stringify(payload), send, 'application/json');
  }

  headers(body: string, send: SendOptions = {}): SignedHeaders {
    const timestampSec = send.timestampSec ?? Math.floor((this.opts.now ?? Date.now)() / 1000);
    const headers: SignedHeaders = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampSec),
      'x-slack-signature': slackSignature(send.signingSecret ?? this.opts.signingSecret, timestampSec, body),
    };
    if (send.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(send.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    return headers;
  }

  async post(body: string, send: SendOptions = {}, contentType?: string): Promise<SlackResponse> {
    const res = await fetch(this.eventsUrl, { method: 'POST', headers: { ...this.headers(body, send), ...(contentType ? { 'content-type': contentType } : {}) }, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }
}
