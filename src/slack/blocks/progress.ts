/** The progress message in the approval thread: one line per step, the guest URL, the crew section. */
import type { KnownBlock } from '@slack/types';
import { humanInstant } from '../../booking/time';
import { dependenciesOf, stepNamesOf } from '../../pipeline/op-steps';
import { activeOperation, APPROVED_TO_RUN, cancelledBeforeApproval, cancelOperation, deferredCall, LIFECYCLE_STATES, operationsOf } from '../../pipeline/operations';
import { toldDeactivated } from '../../pipeline/reminders';
import { STEP_DEPENDENCIES, STEP_NAMES, type AnyStepName, type BookingRecord, type Operation, type StepName, type StepResult, type StepState } from '../../pipeline/types';
import { bookingBlockId } from '../booking-ref';
import { CANCEL_ACTION_ID, type SlackMessage } from './approval';
import { confirmedAtText, DEACTIVATED_MARK, DECLINE_REASON_MAX, DECLINED_MARK } from './crew';
import { escapeAndFit, escapeMrkdwn, fitLines, fitText, mention } from './format';
import { lifecycleButtons, OPERATION_TITLES, shownApprover } from './lifecycle';
import { LIMITS } from './limits';

/** An upstream's error message can be long (a whole HTML error page): each step line stays short. */
const ERROR_TEXT_MAX = 300;

export const RETRY_ACTION_ID = 'booking_retry';
/** The Retry button's words, on the progress message and App Home alike. */
export const RETRY_BUTTON_TEXT = 'Retry failed steps';
/** Details: the full trail (`/charter status ID`) as an ephemeral reply; money only for approvers. */
export const DETAILS_ACTION_ID = 'booking_details';

export function detailsButton(bookingId: string) {
  return { type: 'button' as const, action_id: DETAILS_ACTION_ID, text: { type: 'plain_text' as const, text: 'Details' }, value: bookingId };
}

export const STEP_LABELS: Record<AnyStepName, string> = {
  calendar_update: 'Calendar entry updated',
  calendar_delete: 'Calendar entry deleted',
  scc_update: 'SCC event updated',
  scc_cancel: 'SCC event cancelled',
  calendar: 'Calendar entry',
  scc_event: 'SCC event',
  revenue_guard: 'Money removed from SCC',
  guest_page: 'Guest page uploaded',
  guest_cache: 'Guest page cache cleared',
  crew_notice: 'Crew notified',
};

/** Result keys worth showing: the ids a person would search for in the other system. */
function resultText(result: StepResult | undefined): string {
  if (!result) return '';
  const shown = Object.entries(result)
    .filter(([k, v]) => /id$|Id$|^ts$|^key$/.test(k) && (typeof v === 'string' || typeof v === 'number'))
    .slice(0, 2)
    .map(([k, v]) => `${k} \`${escapeAndFit(String(v), 100)}\``);
  return shown.length > 0 ? ` — ${shown.join(', ')}` : '';
}

/** The code of a step a cancel stopped mid-run (operations.ts settleStopping). */
const STOPPED_CODE = 'PIPELINE_STOPPED';

/** Cancelled, or being cancelled: what the create left undone will never run. */
export function cancelling(booking: BookingRecord): boolean {
  return booking.state === 'cancelled' || cancelOperation(booking) !== undefined;
}

export function stepLine(booking: BookingRecord, step: StepName): string {
  const s = booking.steps[step];
  const label = STEP_LABELS[step];
  switch (s.status) {
    case 'done':
      // The create's call was left to the change waiting behind it: say where the call is, and
      // that nobody was called when no change made it (the charter was cancelled first).
      if (step === 'crew_notice' && s.result?.callDeferredTo !== undefined) {
        return deferredCall(booking) === 'dropped' ? `:white_circle: ${label} — not called: left to a change that did not run` : `:white_check_mark: ${label} — by the change below, with its details`;
      }
      return `:white_check_mark: ${label}${resultText(s.result)}`;
    case 'running':
      return `:hourglass_flowing_sand: ${label} — running${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}${s.error ? `; last try: ${escapeAndFit(s.error.message, ERROR_TEXT_MAX)}` : ''}`;
    case 'failed': {
      const code = s.error?.code ? ` (\`${escapeAndFit(s.error.code, 60)}\`)` : '';
      // Once cancelled, the error's fix ("check SCC_SERVICE_KEY") is nothing to do any more: the
      // cancel undoes what the step may have made. The code stays for whoever looks into it.
      if (cancelling(booking)) return `:x: ${label} — ${s.error?.code === STOPPED_CODE ? 'stopped by the cancel' : 'failed before the cancel'}${s.error?.code === STOPPED_CODE ? '' : code}`;
      return `:x: ${label} — failed: ${escapeAndFit(s.error?.message ?? 'unknown error', ERROR_TEXT_MAX)}${code}`;
    }
    case 'pending': {
      // A cancelled booking never runs what is left of its create: "waiting" or "not run" would
      // read as work still to do.
      if (cancelling(booking)) return `:white_circle: ${label} — not needed, cancelled`;
      const waitingFor = STEP_DEPENDENCIES[step].filter((d) => booking.steps[d].status !== 'done').map((d) => STEP_LABELS[d]);
      if (booking.state === 'pending_approval' || waitingFor.length === 0) return `:white_circle: ${label} — waiting`;
      // In a failed booking nothing more will start until Retry: say what the step needs.
      if (booking.state === 'failed') return `:white_circle: ${label} — not started: needs ${waitingFor.join(' and ')}`;
      return `:white_circle: ${label} — waiting for ${waitingFor.join(' and ')}`;
    }
  }
}

/** A step line of a change or cancel operation (same marks as the create's). */
export function operationStepLine(booking: BookingRecord, op: Operation, step: AnyStepName): string {
  const s: StepState | undefined = op.steps?.[step];
  const label = STEP_LABELS[step];
  if (!s) return `:white_circle: ${label}`;
  switch (s.status) {
    case 'done':
      return `:white_check_mark: ${label}${resultText(s.result)}`;
    case 'running':
      return `:hourglass_flowing_sand: ${label} — running${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`;
    case 'failed':
      return `:x: ${label} — failed: ${escapeAndFit(s.error?.message ?? 'unknown error', ERROR_TEXT_MAX)}${s.error?.code ? ` (\`${escapeAndFit(s.error.code, 60)}\`)` : ''}`;
    case 'pending': {
      // A change a cancel stops, or one left unfinished when the charter was cancelled, never runs
      // the rest: as with the create's, "waiting" or "not run" would read as work still to do.
      if (op.kind !== 'cancel' && (op.status === 'stopping' || cancelling(booking))) return `:white_circle: ${label} — not needed, cancelled`;
      const waitingFor = dependenciesOf(booking, op.id, step).filter((d) => op.steps?.[d]?.status !== 'done').map((d) => STEP_LABELS[d]);
      return `:white_circle: ${label} — ${waitingFor.length > 0 ? `waiting for ${waitingFor.join(' and ')}` : 'waiting'}`;
    }
  }
}

/** The line of an operation that ended done without a step: a change the artifacts do not show, or a refresh a change made moot. */
function nothingRun(op: Operation): string {
  return op.kind === 'refresh' && op.note ? `:white_check_mark: Nothing left to run: ${escapeAndFit(op.note, ERROR_TEXT_MAX)}.` : 'Nothing outside needed changing.';
}

/** The follow-up operations that ran or will run (the last few), each with its step lines. */
export function operationsSection(booking: BookingRecord): string | undefined {
  const listed = operationsOf(booking).filter((o) => o.kind !== 'create' && APPROVED_TO_RUN.includes(o.status));
  // Only the latest refresh: four refreshes in a row would push a reschedule out of the thread.
  const lastRefresh = listed.filter((o) => o.kind === 'refresh').at(-1);
  const shown = listed.filter((o) => o.kind !== 'refresh' || o === lastRefresh).slice(-4);
  if (shown.length === 0) return undefined;
  const entries = shown.map((op) => {
    const approver = shownApprover(op);
    const head = `*${OPERATION_TITLES[op.kind]}${op.label ? ` (${escapeMrkdwn(op.label)})` : ''}* — ${op.status}, asked by ${mention(op.requestedBy)}${approver ? `, approved by ${mention(approver)}` : ''}`;
    const steps = op.steps ? stepNamesOf(booking, op.id).map((s) => operationStepLine(booking, op, s)) : [];
    // A change that failed before it started (its charter had departed) has no steps to say why.
    const why = op.status === 'failed' && steps.length === 0 && op.note ? [`:x: ${escapeAndFit(op.note, ERROR_TEXT_MAX)}`] : [];
    return [head, ...(op.status === 'done' && steps.length === 0 ? [nothingRun(op)] : [...why, ...steps])].join('\n');
  });
  // Over a section's length, the oldest go first: the newest (running or queued) are what ops act on.
  let dropped = 0;
  const text = () => [...(dropped > 0 ? [`_…${dropped} earlier not shown_`] : []), ...entries.slice(dropped)].join('\n\n');
  while (dropped < entries.length - 1 && text().length > LIMITS.sectionText) dropped += 1;
  return text();
}

const STATE_TITLE: Record<BookingRecord['state'], string> = {
  pending_approval: 'Waiting for approval',
  approved: 'Approved — starting',
  running: 'Setting up',
  done: 'All set',
  failed: 'Needs attention',
  cancelled: 'Cancelled',
};

/** What a running booking is doing, by its active operation. */
const RUNNING_TITLE: Partial<Record<Operation['kind'], string>> = { cancel: 'Cancelling', change: 'Applying a change', refresh: 'Refreshing the guest page' };

/**
 * Once a cancel is asked, crew answers are closed (crew-answers.ts) and nobody is expected: the
 * lines say what each member had answered and whether they were told, never "not confirmed yet",
 * and a deactivated member is not sent to Edit, which a cancelled charter no longer offers.
 */
export function crewSection(booking: BookingRecord, timezone: string): string {
  const cancel = cancelOperation(booking);
  const closed = booking.state === 'cancelled' || cancel !== undefined;
  const lines = booking.roster.map((m) => {
    const at = booking.confirmations[m.slackUserId];
    const role = m.role === 'captain' ? ' (captain)' : '';
    const declined = booking.declines?.[m.slackUserId];
    if (toldDeactivated(booking, m.slackUserId)) return `• ${mention(m.slackUserId)}${role} — ${DEACTIVATED_MARK} Slack account deactivated${closed ? '' : ': change the crew (Edit)'}`;
    if (at === undefined && declined) return `• ${mention(m.slackUserId)}${role} — ${DECLINED_MARK} can't make it${declined.reason ? ` — ${escapeAndFit(declined.reason, DECLINE_REASON_MAX)}` : ''}`;
    if (at === undefined) return `• ${mention(m.slackUserId)}${role} — ${closed ? 'had not answered' : 'not confirmed yet'}`;
    return `• ${mention(m.slackUserId)}${role} — :white_check_mark: confirmed ${confirmedAtText(at, timezone)}`;
  });
  const closedWords = crewClosedWords(booking);
  const head = closedWords ? `*Crew* — ${closedWords}` : '*Crew*';
  return fitLines([head, ...lines], LIMITS.sectionText);
}

/**
 * What the crew were told once a cancel is asked (its crew step done or not), for every surface
 * that lists them (this message, the approver's Home); undefined while answers are open.
 */
export function crewClosedWords(booking: BookingRecord): string | undefined {
  const cancel = cancelOperation(booking);
  if (booking.state !== 'cancelled' && cancel === undefined) return undefined;
  if (crewNeverCalled(booking)) return 'never called';
  const told = cancel?.steps?.crew_notice;
  // No call had gone out, yet someone answered (an old record): only they were told, by DM.
  const toldAnsweredOnly = told?.status === 'done' && told.result?.posts === 0 && told.result.answeredWithoutPost !== undefined;
  return toldAnsweredOnly ? 'never called; who had answered was told the charter is cancelled' : told?.status === 'done' ? 'told the charter is cancelled' : 'no longer asked: the charter is being cancelled';
}

/**
 * No crew step (the create's or a change's) ever tried to post, no post is known and nobody
 * answered: "had not answered" would read as a call the crew ignored.
 */
export function crewNeverCalled(booking: BookingRecord): boolean {
  const tried = (s: StepState | undefined) => s !== undefined && (s.attempts > 0 || (s.attemptsBeforeRetry ?? 0) > 0 || s.status !== 'pending' || s.result !== undefined);
  const changeTried = operationsOf(booking).some((o) => o.kind === 'change' && tried(o.steps?.crew_notice));
  const posts = Object.keys(booking.slack.crewPosts ?? {}).length > 0;
  const answered = Object.keys(booking.confirmations).length > 0 || Object.keys(booking.declines ?? {}).length > 0;
  return !tried(booking.steps.crew_notice) && !changeTried && !posts && !answered;
}

/** `retryClosedAtMs`: the departure that closed Retry of a failed booking (it then offers Details only). */
export function progressMessage(booking: BookingRecord, opts: { guestUrl: string; timezone: string; retryClosedAtMs?: number }): SlackMessage {
  const id = booking.id;
  const active = activeOperation(booking);
  // A change the cancel is stopping is still the active operation, but it is not being applied.
  const running = cancelOperation(booking) ?? active;
  const title = booking.state === 'running' && running ? (RUNNING_TITLE[running.kind] ?? STATE_TITLE.running) : STATE_TITLE[booking.state];
  if (cancelledBeforeApproval(booking)) {
    // Nothing ran and nothing will: six "not run" rows would read as work left undone.
    const why = 'Cancelled before approval: nothing was booked, so there is nothing to undo.';
    return {
      text: 'Cancelled before approval: nothing was booked',
      blocks: [
        { type: 'section', block_id: bookingBlockId(id, 'progress'), text: { type: 'mrkdwn', text: `*${title}* · booking \`${id}\`\n${why}` } },
        { type: 'actions', block_id: bookingBlockId(id, 'details'), elements: [detailsButton(id)] },
      ],
    };
  }
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: bookingBlockId(id, 'progress'), text: { type: 'mrkdwn', text: fitText(`*${title}* · booking \`${id}\`\n${STEP_NAMES.map((s) => stepLine(booking, s)).join('\n')}`, LIMITS.sectionText) } },
  ];
  const operations = operationsSection(booking);
  if (operations) blocks.push({ type: 'section', block_id: bookingBlockId(id, 'operations'), text: { type: 'mrkdwn', text: fitText(operations, LIMITS.sectionText) } });
  const guestReady = booking.steps.guest_cache.status === 'done';
  if (guestReady) blocks.push({ type: 'section', block_id: bookingBlockId(id, 'guest-url'), text: { type: 'mrkdwn', text: `*Guest page*  ${opts.guestUrl}` } });
  // A cancel that told crew (those who answered, when no call had gone out) says whom; one that
  // found no post and no answer (or none to ping after the departure) told nobody.
  const cancelTold = cancelOperation(booking)?.steps?.crew_notice;
  const cancelToldCrew = cancelTold?.status === 'done' && (Number(cancelTold.result?.posts ?? 0) > 0 || cancelTold.result?.answeredWithoutPost !== undefined);
  if (booking.state === 'done' || booking.steps.crew_notice.status === 'done' || cancelToldCrew) {
    blocks.push({ type: 'section', block_id: bookingBlockId(id, 'crew'), text: { type: 'mrkdwn', text: crewSection(booking, opts.timezone) } });
  }
  if (LIFECYCLE_STATES.includes(booking.state) && !cancelOperation(booking)) blocks.push(lifecycleButtons(booking, CANCEL_ACTION_ID));
  if (booking.state === 'failed' && opts.retryClosedAtMs !== undefined) {
    const departed = humanInstant(opts.retryClosedAtMs, opts.timezone);
    blocks.push({ type: 'context', block_id: bookingBlockId(id, 'retry-closed'), elements: [{ type: 'mrkdwn', text: `Departed ${departed}: Retry is closed. *Cancel charter* closes the booking and undoes what was made.` }] });
    blocks.push({ type: 'actions', block_id: bookingBlockId(id, 'details'), elements: [detailsButton(id)] });
  } else if (booking.state === 'failed') {
    blocks.push({
      type: 'actions',
      block_id: bookingBlockId(id, 'retry'),
      elements: [
        { type: 'button', action_id: RETRY_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: RETRY_BUTTON_TEXT }, value: id },
        detailsButton(id),
      ],
    });
  } else if (booking.state !== 'pending_approval') {
    blocks.push({ type: 'actions', block_id: bookingBlockId(id, 'details'), elements: [detailsButton(id)] });
  }
  const done = STEP_NAMES.filter((s) => booking.steps[s].status === 'done').length;
  const text = `${title}: ${done}/${STEP_NAMES.length} steps done${guestReady ? ` — guest page ${opts.guestUrl}` : ''}`;
  return { text, blocks };
}
