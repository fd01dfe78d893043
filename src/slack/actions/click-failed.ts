/**
 * A button whose work failed after its ack (the store did not answer, most often): Slack shows
 * nothing for a click it got an ack for, so without a word the clicker cannot tell it from a click
 * that worked and whose message has not caught up. They are told privately that it may not have
 * gone through and to click again; the log line names the booking, the clicker and the button. Every
 * write behind these buttons is conditional, so a second click after one that did land is answered
 * as such ("Already approved by you").
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { StoreUnavailableError } from '../../pipeline/errors';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export interface ClickMeaning {
  /** The button as the clicker saw it: "Approve". */
  button: string;
  /** The booking the button's value names. */
  bookingIdOf: (value: string | undefined) => string | undefined;
}

function why(err: unknown): string {
  return err instanceof StoreUnavailableError ? 'the bot could not reach its booking store' : 'the bot hit an error';
}

export function tellWhenClickFails(deps: SlackDeps, meaning: ClickMeaning, handler: (args: ButtonArgs) => Promise<void>): (args: ButtonArgs) => Promise<void> {
  return async (args) => {
    try {
      await handler(args);
    } catch (err) {
      const userId = args.body.user.id;
      const log = deps.log.child({ bookingId: meaning.bookingIdOf(args.action.value), userId, action: args.action.action_id });
      log.error({ err }, `${meaning.button} click failed; the clicker is told to click again`);
      // Whether it counted is not known here (the failure may follow a write that landed): say so.
      const text = `Your click on ${meaning.button} may not have gone through: ${why(err)}. Click ${meaning.button} again — if the first one counted, the bot says so, and nothing happens twice.`;
      await tellUser(args.client, deps.log, { channel: args.body.channel?.id, user: userId }, text);
    }
  };
}
