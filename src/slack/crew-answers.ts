/**
 * What happens after a crew member answers (Confirm or Can't make it), shared by the button and the
 * decline modal: who may answer, until when, and the follow-up posts. A crew member may change
 * their answer until departure; after that the answer window is closed.
 */
import type { WebClient } from '@slack/web-api';
import { charterSchedule } from '../booking/time';
import { answersCurrentCall, callsChangedBy, cancelOperation, operationsOf } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import { crewConfirmedText, crewDeclinedMessage, parseConfirmValue } from './blocks/crew';
import { withApprovalDm } from './approval-dm';
import type { SlackDeps } from './context';
import { tellUser } from './ephemeral';
import type { Config } from '../config';
import { callPostShowsCurrent } from './crew-notice';
import { refreshCrewPosts } from './crew-redraw';
import { redrawClickedPost } from './crew-post-heal';
import { callReached, callsMayBeUnsaved } from './crew-call-reached';

/** Why a roster member's own call takes no answer now (answersClosed). */
export type AnswersClosed = 'cancelled' | 'departed' | 'not_called' | 'being_changed';

/** Where an answer comes from, for answersClosed. */
export interface AnswerOrigin {
  /**
   * A crew post or reminder in Slack was clicked (or the decline modal one opened): while a crew
   * step is under way its posts are saved only once all have settled, and the post clicked is the
   * call itself. A Home tab lists only calls the record knows, so a Home click gets no such benefit.
   */
  fromMessage?: boolean;
}

/**
 * Why `userId`'s own call on this booking takes no answer at `nowMs`, or undefined when it does
 * (pure). The buttons' listeners refuse by it and the App Home offers answers by it, so the Home
 * never shows a button that can only be refused.
 */
export function answersClosed(booking: BookingRecord, userId: string, config: Config, nowMs: number, origin: AnswerOrigin = {}): AnswersClosed | undefined {
  // An old button on a cancelled charter (or one being cancelled) must not bring the crew call back.
  if (booking.state === 'cancelled' || cancelOperation(booking)) return 'cancelled';
  const departure = charterSchedule(booking.request, config.timezone, config.rates.checkInLeadMinutes).departure.toMillis();
  if (nowMs >= departure) return 'departed';
  // No call went out (the set-up failed before its crew step): an answer would confirm a charter the
  // crew was never called for, and a cancel would have no post to tell them under.
  if (!callReached(booking, userId, config) && !(origin.fromMessage === true && callsMayBeUnsaved(booking))) return 'not_called';
  if (callBeingChanged(booking, userId, config)) return 'being_changed';
  return undefined;
}

const CLOSED_REPLIES: Record<AnswersClosed, string> = {
  cancelled: 'This charter was cancelled — nobody needs to come in.',
  departed: 'This charter has already departed, so answers are closed. Call the office if something is wrong.',
  not_called: "That answer was not taken: your crew call for this charter hasn't gone out yet, so there is nothing to confirm. You'll get it by DM (or in the crew channel) once the office has it set up.",
  being_changed: 'The office is changing this charter, and your crew call with it: answer the updated call when it arrives (the post you clicked may show the old details).',
};

const STALE_CALL_REPLY = 'Your crew call was updated since this message was sent (a new date, time or role): answer on the updated call — your crew post shows it.';
/** The Home tab is no message, and it is drawn again at once: the answer is made there. */
const STALE_HOME_REPLY = "That answer was not taken: your Home tab was drawn for your crew call before it last changed (a new date, time or role). The tab now shows the call as it stands — answer there.";

/**
 * Why this person may not answer for this booking now, or undefined when they may. `callRevision`:
 * the revision of the call the clicked button was drawn for (clickedCallRevision).
 */
export function answerRefusal(deps: Pick<SlackDeps, 'config' | 'now'>, booking: BookingRecord, userId: string, forUserId: string, callRevision?: number, origin: AnswerOrigin = {}): string | undefined {
  if (!booking.roster.some((m) => m.slackUserId === userId)) {
    // A button drawn for them (a reminder, an old post) while they were on the crew: a change has since taken them off.
    if (forUserId === userId) return "You're off this charter — no need to come in. Call the office if you think that's a mistake.";
    return 'Only the captain and crew assigned to this charter can answer.';
  }
  if (forUserId !== userId) return `That button is for <@${forUserId}>; use the one with your name.`;
  const closed = answersClosed(booking, userId, deps.config, deps.now(), origin);
  if (closed !== undefined) return CLOSED_REPLIES[closed];
  // A post or reminder of a call a change has since replaced (a new date, a new role): an answer
  // to it would be counted against details it never showed.
  if (!answersCurrentCall(booking, userId, callRevision)) return STALE_CALL_REPLY;
  return undefined;
}

/**
 * A change has reset this member's answer (their call changed, or they were added) and has not
 * yet posted their new call: an answer now would be to the old post's details. A member whose
 * updated post did go out (the step failed on someone else's, or on a note after the channel
 * post) answers it.
 */
function callBeingChanged(booking: BookingRecord, userId: string, config: Config): boolean {
  const changing = operationsOf(booking).find((o) => o.kind === 'change' && ['running', 'failed', 'stopping'].includes(o.status) && o.steps?.crew_notice !== undefined && o.steps.crew_notice.status !== 'done');
  if (!changing?.previous) return false;
  const calls = callsChangedBy(changing, { request: booking.request, roster: booking.roster, costs: booking.costs });
  return [...calls.changed, ...calls.added].includes(userId) && !callPostShowsCurrent(booking, config, userId);
}

/**
 * A roster member's own button refused because the post it sits on is behind the booking: the
 * charter was cancelled, or their call replaced. A redraw that reached Slack after the one that
 * should have been last leaves such a post; the click shows it, so it is drawn as it should be.
 */
function clickedPostBehind(deps: Pick<SlackDeps, 'config' | 'now'>, booking: BookingRecord, userId: string, callRevision?: number): boolean {
  if (!booking.roster.some((m) => m.slackUserId === userId)) return false;
  const closed = answersClosed(booking, userId, deps.config, deps.now(), { fromMessage: true });
  return closed === 'cancelled' || (closed === undefined && !answersCurrentCall(booking, userId, callRevision));
}

/** A click on an answer button: where it was (a message's channel and ts, or the App Home tab) and the button's value. */
export interface AnswerClick {
  userId: string;
  channel?: string;
  ts?: string;
  value?: string;
  /** On the clicker's App Home tab (no channel, no message). */
  fromHome?: boolean;
}

/** A button on an App Home tab: Slack sends its view, and neither a channel nor a message. */
export function isHomeClick(body: { view?: { type?: string } }): boolean {
  return body.view?.type === 'home';
}

/**
 * The revision of the call a clicked button (or the decline modal it opened) was drawn for. None:
 * drawn before buttons carried one (crew posts and reminders from 2026-12-07, the Home tab until
 * this change), when no change had yet recorded a revision, so the call it showed was the first.
 * Taken as that, such an answer stands while the call is still the first, and is refused once a
 * change has replaced it: taken as "whatever the call is now", a Home tab or crew post left showing
 * the old time would confirm the new one.
 */
export function clickedCallRevision(drawnFor: number | undefined): number {
  return drawnFor ?? FIRST_CALL_REVISION;
}
/** BookingRecord.callRevisions of a member no change has called again (answersCurrentCall's default). */
const FIRST_CALL_REVISION = 1;

/**
 * The booking a crew answer button (Confirm / Can't make it) is about, and the revision of the call
 * the button showed, when the clicker may answer it; otherwise undefined, after telling them why
 * privately and putting right what they clicked on.
 */
export async function answerableBooking(deps: SlackDeps, client: WebClient, click: AnswerClick): Promise<{ booking: BookingRecord; callRevision: number } | undefined> {
  const target = parseConfirmValue(click.value);
  const booking = target ? await deps.api.get(target.bookingId) : undefined;
  if (!target || !booking) {
    await tellUser(client, deps.log, { channel: click.channel, user: click.userId }, 'This crew call no longer exists.');
    return undefined;
  }
  const callRevision = clickedCallRevision(target.callRevision);
  const refusal = answerRefusal(deps, booking, click.userId, target.userId, callRevision, { fromMessage: click.fromHome !== true });
  if (refusal) {
    await tellUser(client, deps.log, { channel: click.channel, user: click.userId }, click.fromHome && refusal === STALE_CALL_REPLY ? STALE_HOME_REPLY : refusal);
    // The Home offers only answers that can be taken (answersClosed): a refused one means the tab is behind.
    if (click.fromHome) await republishHome(deps, click.userId);
    else if (clickedPostBehind(deps, booking, click.userId, callRevision)) await redrawClickedPost(client, booking, deps.config, deps.log, click);
    return undefined;
  }
  return { booking, callRevision };
}

/** The clicker's Home tab drawn now from the booking as it stands, not after the debounce of a refresh of every tab. */
async function republishHome(deps: Pick<SlackDeps, 'home' | 'log'>, userId: string): Promise<void> {
  try {
    await deps.home?.opened(userId);
  } catch (err) {
    deps.log.warn({ err, userId }, 'could not republish the App Home tab a crew answer was clicked on');
  }
}

/** After an answer is recorded: every crew post shows it, the ops thread hears it, the progress message too. */
export async function announceAnswer(deps: SlackDeps, client: WebClient, before: BookingRecord, after: BookingRecord, userId: string): Promise<void> {
  const latest = await refreshCrewPosts(client, after, deps.config, deps.log, deps.api, deps.crewRedrawWithinMs !== undefined ? { withinMs: deps.crewRedrawWithinMs } : {});
  const threadTs = after.slack.approvalTs;
  // The redraw can take seconds while Slack is slow, and the member may answer again meanwhile: that
  // answer's line would reach the thread first and this one, posted after it, would read as the
  // answer that stands. So a line the booking no longer holds, as the redraw last read it, is not posted.
  const stands = (pick: (b: BookingRecord) => unknown) => latest === undefined || JSON.stringify(pick(latest)) === JSON.stringify(pick(after));
  const confirmed = before.confirmations[userId] === undefined && after.confirmations[userId] !== undefined;
  const declined = after.declines?.[userId] !== undefined && JSON.stringify(before.declines?.[userId]) !== JSON.stringify(after.declines[userId]);
  const confirmedNow = confirmed && stands((b) => b.confirmations[userId]);
  const declinedNow = declined && stands((b) => b.declines?.[userId]);
  if (threadTs && (confirmed || declined) && !confirmedNow && !declinedNow) {
    // Said once, so an operator missing the line can tell why (another answer, or a change resetting it).
    deps.log.info({ bookingId: after.id, userId, answer: confirmed ? 'confirmed' : 'declined' }, "crew answer no longer stands once drawn; its line is not posted to the ops thread");
  }
  if (threadTs && (confirmedNow || declinedNow)) {
    // The ops thread is for operators: the reason is shown as typed (escaped).
    const message = confirmedNow ? { text: crewConfirmedText(userId, before.declines?.[userId] !== undefined) } : crewDeclinedMessage(after.id, userId, after.declines?.[userId]?.reason);
    try {
      const { channel } = (await withApprovalDm({ client, refs: deps.api, log: deps.log }, after)).slack;
      await client.chat.postMessage({ channel, thread_ts: threadTs, ...message });
    } catch (err) {
      deps.log.warn({ err, bookingId: after.id }, 'could not tell the ops thread about a crew answer');
    }
  }
  deps.progress.notify(after.id);
  deps.home?.changed();
}
