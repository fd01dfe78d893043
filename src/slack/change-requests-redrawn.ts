/**
 * The change requests a decision settled (Approve change / Reject, the earlier request an approval
 * replaced, the requests a cancel dropped), redrawn to show it. Left with its buttons, a request
 * asks for a decision already made; so each goes through the approval message's redraw: retried
 * with backoff and, when Slack still does not take it, marked for the approval watch
 * (approval-redraw.ts). What follows in the handler waits only for the first tries.
 */
import type { WebClient } from '@slack/web-api';
import type { BookingRecord } from '../pipeline/types';
import { approvalRedrawDeps, changeRequest, notRedrawnText, redrawUntilShown } from './approval-redraw';
import type { SlackDeps } from './context';

/** `buttonsLeft`: the request was drawn with Approve change / Reject before this decision. */
export interface SettledRequest {
  opId: string;
  buttonsLeft: boolean;
}

export interface ChangeRequestsRedrawn {
  /** Every request has had its first try. */
  firstTried: Promise<void>;
  /** Once all are done: what to tell the person who clicked, when one could not be redrawn. */
  notShown: Promise<string | undefined>;
}

export function redrawChangeRequests(deps: SlackDeps, client: WebClient, booking: BookingRecord, requests: readonly SettledRequest[]): ChangeRequestsRedrawn {
  const redraw = approvalRedrawDeps(deps, client);
  const read = () => deps.api.get(booking.id);
  const firsts: Promise<void>[] = [];
  const texts = requests.map(({ opId, buttonsLeft }) => {
    let tried: () => void = () => undefined;
    firsts.push(new Promise<void>((resolve) => (tried = resolve)));
    const message = changeRequest(opId);
    return redrawUntilShown(redraw, message, booking, { read, afterFirstTry: () => tried() }).then((shown) => (shown.drawn ? undefined : notRedrawnText(message, shown, { buttonsLeft })));
  });
  return {
    firstTried: Promise.all(firsts).then(() => undefined),
    notShown: Promise.all(texts).then((all) => {
      const told = [...new Set(all.filter((t): t is string => t !== undefined))];
      return told.length > 0 ? told.join(' ') : undefined;
    }),
  };
}
