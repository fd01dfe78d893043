/**
 * The change requests a decision settled (Approve change / Reject, the earlier request an approval
 * replaced, the requests a cancel dropped), redrawn to show it. Left with its buttons, a request
 * asks for a decision already made; so each goes through the approval message's redraw: retried
 * with backoff and, when Slack still does not take it, marked for the approval watch
 * (approval-redraw.ts). What follows in the handler waits only for the first tries.
 */
import type { WebClient } from '@slack/web-api';
import { operationsOf } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import { approvalRedrawDeps, changeRequest, notRedrawnText, redrawUntilShown, type ApprovalRedrawOutcome } from './approval-redraw';
import type { SlackDeps } from './context';

/**
 * `buttonsLeft`: the request was drawn with Approve change / Reject before this decision.
 * `replaced`: the earlier change an approval replaced, named so beside the request clicked.
 */
export interface SettledRequest {
  opId: string;
  buttonsLeft: boolean;
  replaced?: boolean;
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
  const outcomes = requests.map(({ opId }) => {
    let tried: () => void = () => undefined;
    firsts.push(new Promise<void>((resolve) => (tried = resolve)));
    const outcome = redrawUntilShown(redraw, changeRequest(opId), booking, { read, afterFirstTry: () => tried() });
    // Only a redraw of a message already posted can stand for it: one begun before the post lands
    // "draws" nothing (there is no message yet) and still reads as drawn, while the posting process
    // draws it, may fail, and leaves the buttons for a later click to heal.
    if (operationsOf(booking).find((o) => o.id === opId)?.requestTs) deps.changeRequestDraws?.started(booking.id, opId, outcome);
    return outcome;
  });
  return {
    firstTried: Promise.all(firsts).then(() => undefined),
    notShown: Promise.all(outcomes).then((all) => notShownText(booking, requests, all)),
  };
}

type NotDrawn = Extract<ApprovalRedrawOutcome, { drawn: false }>;

/**
 * One sentence per kind of failure, naming the requests by their label: a cancel dropping two
 * requests that both failed alike used to read as one message, and an approval whose replaced
 * request failed too read as two sentences about "the change request message", not which was which.
 */
function notShownText(booking: BookingRecord, requests: readonly SettledRequest[], outcomes: readonly ApprovalRedrawOutcome[]): string | undefined {
  const groups = new Map<string, { request: SettledRequest; failure: NotDrawn; labels: string[] }>();
  requests.forEach((request, i) => {
    const outcome = outcomes[i]!;
    if (outcome.drawn) return;
    const label = operationsOf(booking).find((o) => o.id === request.opId)?.label ?? 'change';
    const key = JSON.stringify([request.replaced ?? false, request.buttonsLeft, outcome.code, outcome.fix, outcome.final, outcome.watched]);
    const group = groups.get(key);
    if (group) group.labels.push(label);
    else groups.set(key, { request, failure: outcome, labels: [label] });
  });
  if (groups.size === 0) return undefined;
  return [...groups.values()]
    .map(({ request, failure, labels }) => {
      const many = labels.length > 1;
      const what = `(${labels.join(', ')})`;
      const name = request.replaced
        ? many ? `messages of the ${labels.length} earlier changes it replaces ${what}` : `message of the earlier change it replaces ${what}`
        : many ? `${labels.length} change request messages ${what}` : `change request message ${what}`;
      return notRedrawnText({ ...changeRequest(request.opId), name }, failure, { buttonsLeft: request.buttonsLeft, many });
    })
    .join(' ');
}
