/**
 * Interactivity payloads Slack never sends. The signature proves who sent a request, not that its
 * JSON has the shape Slack documents; a hand-made one (someone holding the signing secret, a proxy
 * that rewrote it) used to throw inside a listener: before its ack, so Slack showed a timeout,
 * or after it, so the person who clicked heard nothing. Such a request is answered here instead —
 * acknowledged, the person told privately where there is one, a warning logged that names what was
 * missing and never the payload (it carries guests' details and form values).
 */
import type { AnyMiddlewareArgs, BlockAction, ButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log';
import { tellUser } from './ephemeral';

export const MALFORMED_REPLY = 'Slack sent charter-bot an incomplete request for that, so nothing was done. Try again; if it keeps happening, tell whoever runs charter-bot.';
export const NO_BOOKING_IN_BUTTON_REPLY = 'That button does not name a booking of charter-bot, so nothing was done.';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** An input's state as Slack reports it: strings (or null) where listeners read strings. */
function malformedInputState(state: unknown): boolean {
  if (!isObject(state)) return true;
  for (const key of ['value', 'selected_date', 'selected_time', 'selected_user'] as const) {
    if (state[key] !== undefined && state[key] !== null && typeof state[key] !== 'string') return true;
  }
  const users = state.selected_users;
  return users !== undefined && users !== null && !(Array.isArray(users) && users.every((u) => typeof u === 'string'));
}

/**
 * What a block_actions or view_submission body lacks of the fields the listeners read without a
 * fallback, or undefined when it has them all (or is another kind of request).
 */
export function whatIsMissing(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (body.type !== 'block_actions' && body.type !== 'view_submission') return undefined;
  if (!isObject(body.user) || !isText(body.user.id)) return 'user.id';
  if (body.type === 'block_actions') {
    const first = Array.isArray(body.actions) ? body.actions[0] : undefined;
    if (!isObject(first) || !isText(first.action_id)) return 'actions[0].action_id';
    if (first.value !== undefined && typeof first.value !== 'string') return 'actions[0].value as text';
    return undefined;
  }
  const view = body.view;
  if (!isObject(view) || !isText(view.id) || !isText(view.callback_id)) return 'view.id and view.callback_id';
  if (view.private_metadata !== undefined && typeof view.private_metadata !== 'string') return 'view.private_metadata as text';
  const values = isObject(view.state) ? view.state.values : undefined;
  if (!isObject(values)) return 'view.state.values';
  for (const block of Object.values(values)) {
    if (!isObject(block) || Object.values(block).some(malformedInputState)) return 'view.state.values as inputs';
  }
  return undefined;
}

const userIdOf = (body: Record<string, unknown>): string | undefined => (isObject(body.user) && isText(body.user.id) ? body.user.id : undefined);
const channelIdOf = (body: Record<string, unknown>): string | undefined => (isObject(body.channel) && isText(body.channel.id) ? body.channel.id : undefined);

/** Refuses (and acknowledges) a malformed block_actions or view_submission before any listener reads it. */
export function refuseMalformedInteractions(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const missing = whatIsMissing(args.body);
    if (!missing) return args.next();
    const body = args.body as unknown as Record<string, unknown>;
    const user = userIdOf(body);
    log.warn({ type: body.type, missing, userId: user }, 'refused a Slack request Slack would not send');
    // Closes a modal as well (no response_action: a malformed view has no field to put an error next to).
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
    if (user) await tellUser(args.client as WebClient, log, { channel: channelIdOf(body), user }, MALFORMED_REPLY);
  };
}

/**
 * Every button this bot listens to carries what it acts on in its value, in a form its own parser
 * reads (`names`): a click without one, or with one no button of ours carries, is answered here, so
 * no listener acts on an empty or made-up id.
 */
export function needsButtonValue(log: Logger, names: (value: string) => boolean): Middleware<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>> {
  return async ({ action, body, ack, client, next }) => {
    if (isText(action.value) && names(action.value)) return next();
    await ack();
    log.warn({ actionId: action.action_id, userId: body.user.id, hasValue: isText(action.value) }, 'refused a button click whose value names nothing of ours');
    await tellUser(client, log, { channel: body.channel?.id, user: body.user.id }, NO_BOOKING_IN_BUTTON_REPLY);
  };
}
