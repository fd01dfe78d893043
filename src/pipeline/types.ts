/**
 * The booking record and the step contract shared by the runner, the stores and the Slack layer.
 * Time fields name their unit (…AtMs): seconds-vs-milliseconds is the classic lease bug.
 */
import type { CostBreakdown } from '../booking/costs';
import type { BookingRequest, RosterMember } from '../booking/types';
import type { Logger } from '../log';

export const STEP_NAMES = ['calendar', 'scc_event', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** DESIGN's DAG: each step runs once every step it lists is done. */
export const STEP_DEPENDENCIES: Readonly<Record<StepName, readonly StepName[]>> = {
  calendar: [],
  scc_event: [],
  revenue_guard: ['scc_event'],
  guest_page: [],
  guest_cache: ['guest_page'],
  crew_notice: ['revenue_guard', 'guest_cache'],
};

/**
 * Steps only follow-up operations have (DESIGN "Operations: create, change, cancel"). revenue_guard,
 * guest_page, guest_cache and crew_notice are shared: the same implementation serves every operation
 * and reads `ctx.operation.kind` to know whether it re-renders, announces a change or a cancellation.
 */
export const LIFECYCLE_STEP_NAMES = ['calendar_update', 'calendar_delete', 'scc_update', 'scc_cancel'] as const;
export type LifecycleStepName = (typeof LIFECYCLE_STEP_NAMES)[number];
export type AnyStepName = StepName | LifecycleStepName;

/** refresh: an operator's guest page refresh (re-render, re-upload, invalidate) of a done booking. */
export type OperationKind = 'create' | 'change' | 'cancel' | 'refresh';

/** Each operation's DAG, in the order steps are listed; an operation runs the subset it planned. */
export const OPERATION_DAGS: Readonly<Record<OperationKind, { steps: readonly AnyStepName[]; deps: Readonly<Partial<Record<AnyStepName, readonly AnyStepName[]>>> }>> = {
  create: { steps: STEP_NAMES, deps: STEP_DEPENDENCIES },
  change: {
    steps: ['calendar_update', 'scc_update', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice'],
    deps: { revenue_guard: ['scc_update'], guest_cache: ['guest_page'], crew_notice: ['revenue_guard', 'guest_cache'] },
  },
  cancel: {
    steps: ['calendar_delete', 'scc_cancel', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice'],
    deps: { revenue_guard: ['scc_cancel'], guest_cache: ['guest_page'], crew_notice: ['revenue_guard', 'guest_cache'] },
  },
  refresh: { steps: ['guest_page', 'guest_cache'], deps: { guest_cache: ['guest_page'] } },
};

/**
 * proposed → (approved) queued → running → done | failed; a change nobody approved ends rejected, a
 * queued or failed change a newer one replaces ends superseded, and an operation a cancel interrupts
 * goes stopping (no new step is claimed) → stopped (its in-flight steps have ended).
 */
export type OperationStatus = 'proposed' | 'rejected' | 'queued' | 'running' | 'stopping' | 'stopped' | 'superseded' | 'done' | 'failed';

/** The details the artifacts show: what a change replaces as a whole. */
export interface BookingDetails {
  request: BookingRequest;
  roster: RosterMember[];
  costs: CostBreakdown;
}

export interface Operation {
  /** "create" for the first; "op2", "op3", … after it. */
  id: string;
  kind: OperationKind;
  status: OperationStatus;
  requestedBy: string;
  requestedAtMs: number;
  approvedBy?: string;
  approvedAtMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** The booking revision this operation brings the artifacts to (set when it starts). */
  revision?: number;
  /** change: what it asks for ("reschedule", "edit", "crew swap") — for people, not for logic. */
  label?: string;
  /** change: the new details. */
  details?: BookingDetails;
  /** change: the details it replaced (captured when it started): who lost or changed a call. */
  previous?: BookingDetails;
  /** change: the booking revision its form was filled from (set when proposed); approving it after another change was applied would undo that one. */
  baseRevision?: number;
  /** Follow-up operations' steps, only those it planned. The create operation's live in `record.steps`. */
  steps?: Partial<Record<AnyStepName, StepState>>;
  /** Slack message of a change request (its Approve change / Reject buttons). */
  requestTs?: string;
  /** Why it stopped, failed or was rejected/superseded, in words. */
  note?: string;
  /** change: double bookings found when it was proposed (approvers may still approve). */
  warnings?: string[];
  /** An old settled change whose details and previous were dropped to keep the record small (compactHistory). */
  compacted?: boolean;
  /**
   * A compacted change that moved the departure: the schedule it moved from, the one fact of its
   * previous the guest page still needs ("Your charter has moved … (was …)"). A few dozen bytes.
   */
  movedFrom?: Pick<BookingRequest, 'date' | 'departureTime' | 'durationHours'>;
  /** change: BookingRecord.callRevisions as they were when it started, for a change that replaces it before its crew call went out. */
  callRevisionsBefore?: Record<string, number>;
  /**
   * change: the call revision its start gave each member (BookingRecord.callRevisions as it left
   * them), so a cancel knows which revision each post it drew carries, and a later change keeps a
   * member at the highest revision a failed change drew for them. Unlike `details` it survives
   * compactHistory: a roster's worth of numbers. Absent on records written before 2026-12-07.
   */
  callRevisionsGiven?: Record<string, number>;
  /**
   * change: reminder DMs its start dropped (their member is called afresh or taken off) that the
   * run before it had sent, kept only here: `answersBefore` holds those from before the run. Its
   * crew step redraws them without buttons, as it does those of answersBefore.
   */
  remindersReplaced?: Record<string, ReminderState>;
  /**
   * change: the crew's answers before the run of changes it starts (set when its start reset some),
   * and the reminders already sent for that call. A change replacing it puts back those of every
   * member it does not ask again: the call they answered stands, and was reminded of.
   */
  answersBefore?: { confirmations: Record<string, number>; declines?: Record<string, CrewDecline>; reminders?: Record<string, ReminderState> };
  /**
   * change: the details a change it replaced may have put before the crew (that change's crew step
   * ran, then it failed), when this one plans from what that change replaced (`previous`). Crew it
   * reached hold its call, not `previous`: they are told and asked again from here too.
   */
  crewMayHaveSeen?: BookingDetails;
  /**
   * change: members who answered the call of the change it replaced (an answer counts only to the
   * call revision their post was drawn at, so their post shows that call). Their call changed only
   * if it differs from crewMayHaveSeen: `previous` is a call they no longer hold.
   */
  crewHoldsSeen?: string[];
  /**
   * change: members a change it replaced took off and never told (crewToldOff): they hold the call
   * of `previous`, so their call changed only if it differs from that.
   */
  crewHoldsPrevious?: string[];
  /**
   * change: members whose last word from the failed changes it replaces was "you're off" (one of
   * them told them, and no later one may have shown them a call again). A change keeping them off
   * sends no second "you're off": they already read one. Whose DM only may have gone
   * (SlackRefs.crewMaybeToldOff) is not named: the change tells them itself.
   */
  crewToldOffBefore?: string[];
  /**
   * change: members a change it replaces called and a later one took off without knowing whether
   * their "you're off" went (SlackRefs.crewMaybeToldOff), kept off by this change. Their post may
   * still show that call, so this change counts them as taken off: it redraws their post and tells
   * them. (Those on `previous` are taken off by it anyway.)
   */
  crewMaybeToldOffBefore?: string[];
  /**
   * cancel: members off the roster whose post may still show a live call with Confirm (a failed
   * change took them off and never told them or only may have, or a change it replaced called them). The cancel
   * redraws their post and tells them too: nobody should come in for a cancelled charter.
   */
  crewMayHoldCall?: string[];
  /**
   * refresh asked while a change ran: that change's id, when its guest page upload and cache clear
   * were still to finish at the ask. Once that change has cleared the cache, the page is as fresh as
   * this refresh would make it, and the refresh ends without a second upload or invalidation.
   */
  coveredBy?: string;
}

export type BookingState = 'pending_approval' | 'approved' | 'running' | 'done' | 'failed' | 'cancelled';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

/** Ids and facts a step produced (never money): what later steps, retries and cancellation need. */
export type StepResult = Record<string, string | number | boolean>;

export interface StepError {
  message: string;
  /** Stable machine code, e.g. SCC_UNAUTHORIZED. */
  code: string;
  /** Whether pressing Retry (without changing anything) can help. */
  retryable: boolean;
  /**
   * Whether the failing call may have been processed: false only when it was refused before it could
   * do anything (refusedUnprocessed: never sent, a 401, a 400). Absent in records written before it
   * was kept, and on errors no call made (a cancel's stop): read as "may have". It speaks of the
   * failing call only, not of calls before it that succeeded (the crew step's earlier posts).
   */
  maybeProcessed?: boolean;
}

export interface StepLease {
  owner: string;
  leaseExpiresAtMs: number;
}

export interface StepState {
  status: StepStatus;
  /** Attempts since the last Retry: the runner's retry budget counts these, so a Retry restarts them. */
  attempts: number;
  /**
   * Attempts of the runs before the last Retry, across every Retry: for people only (the status
   * counts what ran in all), never for the retry budget. Absent when there were none.
   */
  attemptsBeforeRetry?: number;
  /** When the first attempt since the last reset was claimed: the retry budget counts from here. */
  firstAttemptAtMs?: number;
  /**
   * An earlier attempt may have had its side effect without us knowing (crash, timeout, ambiguous
   * failure): the next attempt looks up before it creates. Survives Retry.
   */
  outcomeUnknown?: boolean;
  /** A create sent by an earlier attempt may still land upstream until then: look up, do not create. */
  quietUntilMs?: number;
  /**
   * `outcomeUnknown` is set only because Retry re-ran this step after a run that ended refused before
   * anything was processed (its error's maybeProcessed false) with nothing else making the outcome
   * unknown. The Retry still looks up first, but for a create step (its POST is its only side effect)
   * nothing can have been created, so a lookup that fails does not say it may have been. Dropped
   * whenever the outcome becomes unknown for a real reason: an unclear failure, a takeover, a stop.
   */
  retriedAfterRefusal?: boolean;
  /**
   * When this step was last taken over from another process, or stopped by a cancel once that
   * process's lease ran out. The holder fences itself before its lease ends, so it started no call
   * after this: a Slack post it sent may still land until one call's deadline later (see
   * takenOverAtMs in StepContext).
   */
  takenOverAtMs?: number;
  /**
   * Attempts an upstream refused with 429 before doing anything (Slack's rate limits): they wait out
   * its Retry-After and do not count against the attempt limit; the step's time budget still bounds them.
   */
  throttled?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  result?: StepResult;
  error?: StepError;
  lease?: StepLease;
}

export type AuditAction = 'created' | 'approved' | 'cancelled' | 'retried' | 'refreshed' | 'confirmed' | 'declined' | 'reminded';

export interface AuditEntry {
  action: AuditAction;
  userId: string;
  atMs: number;
  detail?: string;
}

export interface SlackRefs {
  /** Channel of the approval message and its thread. */
  channel: string;
  approvalTs?: string;
  progressTs?: string;
  /**
   * Who may post the progress message while `progressTs` is unknown (src/slack/progress/post-claim.ts):
   * taken with a compare-and-set, so two processes never both post it. Cleared when progressTs is stored.
   */
  progressClaim?: { owner: string; atMs: number };
  /**
   * On Lambda only: the record version the progress message was last drawn from, written alone
   * right after that draw, so it holds as "nothing it shows has changed since" exactly while it is the version before the record's own. The one-minute tick
   * redraws a finished booking whose mark is behind (src/slack/progress/drawn-mark.ts).
   */
  progressDrawn?: number;
  /**
   * On Lambda only: the last draw of this finished booking's message failed and was not marked —
   * Slack refused it until someone acts (`refused`), or the minute tick's redraw failed `ticks`
   * times. The tick then asks again only once an hour (src/slack/progress/drawn-mark.ts); a draw
   * that lands clears it with its mark. Written like the mark: alone, updatedAtMs left alone.
   */
  progressUndrawn?: { atMs: number; code: string; refused: boolean; ticks: number };
  crewChannel?: string;
  crewTs?: string;
  /**
   * Every crew-facing post, by recipient: a crew member's Slack user id for their DM, or
   * CREW_CHANNEL_POST_KEY for the one post in CHARTER_CREW_CHANNEL. Saved as each is posted, so a
   * re-run of crew_notice updates these instead of posting again. `shown` is a digest of what the
   * post shows: a re-run leaves a post that would show the same alone (crew-notice.ts).
   */
  crewPosts?: Record<string, CrewPostSaved>;
  /**
   * Who a change's crew step that failed told "you're off" (or found nobody to tell), with that
   * change's revision; saved in one write when the step fails. A crew step that finishes names them
   * in its result instead (CREW_OFF_RESULT_PREFIX). A change replacing a failed one greets as newly on
   * only those told: a member it took off and never told still holds their call. Only entries of the
   * failed run a change replaces matter: the others are dropped when a change or cancel starts.
   * Records saved before crewMaybeToldOff existed hold the maybe-told here too (read as told).
   */
  crewToldOff?: Record<string, number>;
  /**
   * Whose "you're off" a failed crew step may have sent and nobody knows (a DM in flight when it
   * failed, one an earlier attempt sent that it could not look up), with that change's revision;
   * saved in the same write as crewToldOff. Kept apart because the two readers want opposite
   * defaults: a change putting them back greets them as newly on (an extra "You're now on" is
   * harmless), but a cancel reaches them and a change keeping them off tells them (their post may
   * still show a live call; a live call for a cancelled charter is not harmless).
   */
  crewMaybeToldOff?: Record<string, number>;
  /**
   * The approval message still shows an earlier state than the booking's (Approve / Cancel on a
   * charter approved, say): its redraw after a decision failed, retries spent, or Slack refused it
   * until someone acts (`refused`). Written only then, so a redraw that lands writes nothing; the
   * approval watch, which finds it listed in a meta entry (src/slack/approvals-behind.ts), redraws
   * it (each tick; once an hour when refused) and a redraw that lands clears it
   * (src/slack/approval-redraw.ts).
   */
  approvalUndrawn?: UndrawnMark;
  /**
   * The same for change requests' messages, by operation id: a decision's redraw of one (Approve
   * change / Reject, a replacement, a cancel dropping it) failed and left it with its buttons or an
   * earlier verdict. Listed and redrawn by the approval watch like approvalUndrawn.
   */
  changeRequestsUndrawn?: Record<string, UndrawnMark>;
  /** The approval watch's "Still waiting for approval" reminder, redrawn once the request is decided. */
  resurfaced?: { channel: string; ts: string };
  /**
   * The iCal "New … booking" notice whose [Create charter] made this request (headline and summary
   * as posted, escaped mrkdwn). Its submission redraws it as created; a cancel before approval
   * redraws it offering [Create charter] again, since the trip is then in no charter.
   */
  intakeNotice?: { channel: string; ts: string; headline: string; summary?: string; offered?: OfferedTrip };
  /**
   * Requests cancelled before approval whose iCal notice, redrawn after that cancel, names this
   * booking as holding the trip (no [Create charter] on it). This booking's own cancel judges those
   * notices again, so one whose trip is then free offers it again instead of naming a cancelled holder.
   * The latest few only (notice-after-cancel.ts).
   */
  namedOnNotices?: string[];
  /** The "Crew called: …" line in the ops thread. */
  crewCalledTs?: string;
  /** A digest of what that line shows. */
  crewCalledShown?: string;
}

/**
 * The trip an iCal notice's [Create charter] offered when the form was opened: the feed's event and
 * what the form was prefilled with from it. The request made may say otherwise (the operator edited
 * its time or reference before submitting); after that request's cancel, the notice is judged by the
 * trip it offered, not by what was edited.
 */
export interface OfferedTrip {
  feed: string;
  uid: string;
  date?: string;
  departureTime?: string;
  durationHours?: number;
  platformRef?: string;
}

/** When a message's redraw last failed, with what Slack answered; `refused`: only someone acting can fix it. */
export interface UndrawnMark {
  atMs: number;
  code: string;
  refused: boolean;
}

export interface CrewPostSaved {
  channel: string;
  ts: string;
  shown?: string;
  /**
   * Digest of the call the post shows, answers left out (callDigest in crew-notice.ts): whether a
   * member's updated call went out. `shown` also moves with every other member's answer, so it
   * cannot tell. Unknown for posts saved before it was kept.
   */
  call?: string;
  /**
   * The call it showed before the crew step of the change at revision `rev` first redrew it: a later
   * attempt of that step (its note refused after the redraw landed) still tells its member what
   * changed from there, not from the call it drew itself. Set only by a change's crew step.
   */
  callBefore?: { rev: number; call: string };
  /**
   * The Slack error that refused the last redraw of this very post (it was deleted, its channel
   * archived or gone): Lambda's minute tick stops trying it. Any later draw that lands clears it.
   */
  refused?: string;
}

export const CREW_CHANNEL_POST_KEY = '#crew-channel';

/** A change's crew step result names each member it took off and told: `off:{userId}` = the change's revision. */
export const CREW_OFF_RESULT_PREFIX = 'off:';

/**
 * A change's crew step result names each member whose post it drew "you're off" over, with the
 * digest (CrewPostSaved.shown) of the draw saved on that post when it read the booking:
 * `offDrawnOver:{userId}` = that digest. A post saved since with a call is one a crew answer's
 * redraw drew, maybe after that "you're off" (src/slack/crew-redraw.ts, offPostsHoldingCall).
 * Carried by the result, written with the step's completion: a crew swap writes nothing more.
 */
export const CREW_OFF_DRAWN_OVER_PREFIX = 'offDrawnOver:';

export interface CrewDecline {
  atMs: number;
  /** What the crew member wrote in the Decline modal (optional). */
  reason?: string;
}

/** One reminder (e.g. `dm48:U123`, `ops24`): claimed with a compare-and-set before sending, marked sent after. */
export interface ReminderState {
  claimedBy?: string;
  claimExpiresAtMs?: number;
  sentAtMs?: number;
  /** Settled without reaching its member: Slack's answer (user_disabled, cannot_dm_bot…); the office was told. */
  undelivered?: string;
  /**
   * A DM reminder's message, saved with its mark: a change that calls the member afresh, or a
   * cancel, redraws it without its buttons (its details are the old call's).
   */
  post?: { channel: string; ts: string };
}

export interface BookingRecord {
  /** The guest session id (Crockford base32, upper-case); also the externalId everywhere. */
  id: string;
  /** Compare-and-set version: every write names the version it read. */
  version: number;
  /**
   * The details' revision the artifacts must show (1 at creation, +1 each time a change or cancel
   * starts); part of every Idempotency-Key. Absent on older records (read as 1).
   */
  revision?: number;
  state: BookingState;
  request: BookingRequest;
  roster: RosterMember[];
  costs: CostBreakdown;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  audit: AuditEntry[];
  /** Routine audit entries (guest page refreshes, crew answers, reminders) dropped to keep the record bounded. */
  auditDropped?: number;
  /** Settled guest page refresh operations folded away (operations.ts foldRefreshes): only the last two are kept whole. */
  refreshesFolded?: number;
  slack: SlackRefs;
  /** Warnings found before approval (duplicate platform reference, double bookings); absent on older records. */
  warnings?: string[];
  /** Slack user id → when they confirmed. */
  confirmations: Record<string, number>;
  /**
   * Slack user id → the booking revision at which their call last changed (a change that moved,
   * re-roled or added them); absent: their call is the create's. An answer given on a post or
   * reminder of an older call is refused, since it answers details that no longer hold.
   */
  callRevisions?: Record<string, number>;
  /** Slack user id → when (and why) they said they can't make it. A later Confirm removes it. */
  declines?: Record<string, CrewDecline>;
  /** Crew reminders by key (see src/pipeline/reminders.ts). */
  reminders?: Record<string, ReminderState>;
  steps: Record<StepName, StepState>;
  /**
   * Clock-driven approval notices, each claimed once with a compare-and-set before it is sent, so
   * several processes send it once (src/slack/approval-watch.ts). Absent on older records.
   */
  approvalNotices?: ApprovalNotices;
  /**
   * Every operation in order, the create one first. Absent on older records and on bookings that
   * never had a change or cancel after approval: operationsOf() then derives the create operation.
   */
  operations?: Operation[];
  /**
   * Unique to the write that stored this version (src/pipeline/store.ts `updateWithRetry`): how a
   * writer whose answer was lost tells its own landed write from another process's identical one.
   */
  writeToken?: string;
}

export interface ApprovalNotices {
  /** When the still-pending approval was posted again in the ops channel (24 h before check-in). */
  resurfacedAtMs?: number;
  /** When the approval message was marked expired (departure passed while pending). */
  expiredAtMs?: number;
  /** When the progress message of a failed booking was redrawn without Retry (departure passed while failed). */
  retryClosedAtMs?: number;
}

/** What a step knows of the operation it belongs to. */
export interface StepOperation {
  id: string;
  kind: OperationKind;
  revision: number;
  /** change: the details before it (for crew whose call changed). */
  previous?: BookingDetails;
  /** change: what a replaced change may have told the crew (Operation.crewMayHaveSeen). */
  crewMayHaveSeen?: BookingDetails;
  /** change: who answered that change's call (Operation.crewHoldsSeen). */
  crewHoldsSeen?: string[];
  /** change: who a replaced change took off and never told (Operation.crewHoldsPrevious). */
  crewHoldsPrevious?: string[];
  /** change: who the replaced changes already told "you're off" (Operation.crewToldOffBefore). */
  crewToldOffBefore?: string[];
  /** change: who a replaced change called and a later one maybe told "you're off" (Operation.crewMaybeToldOffBefore). */
  crewMaybeToldOffBefore?: string[];
  /** cancel: who off the roster may still hold a live call (Operation.crewMayHoldCall). */
  crewMayHoldCall?: string[];
}

/** What a step implementation receives. It must be idempotent: see DESIGN "The pipeline". */
export interface StepContext {
  booking: BookingRecord;
  /** Results of this operation's steps already done (dependencies are guaranteed present). */
  results: Partial<Record<AnyStepName, StepResult>>;
  /** The operation this step runs in (create when absent, as before operations existed). */
  operation?: StepOperation;
  /** Results of the create operation's steps: the ids the artifacts got (follow-up operations read them). */
  created?: Partial<Record<StepName, StepResult>>;
  /** This step's own previous result, when a refresh or retry re-runs a done step. */
  previous?: StepResult;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * An earlier attempt may already have had this step's side effect (the stored flag: an ambiguous
   * failure, a takeover, a Retry): look up before creating. Steps also look up on every attempt
   * after the first, so an attempt whose end was never written is covered.
   */
  outcomeUnknown?: boolean;
  /**
   * That stored flag comes only from a Retry after a run refused before anything was processed
   * (StepState.retriedAfterRefusal): look up all the same, but nothing may have been created.
   */
  retriedAfterRefusal?: boolean;
  /** A create sent by an earlier attempt may still land until then (ms since epoch): only look up before. */
  quietUntilMs?: number;
  /**
   * The step was taken over from another holder at this moment (ms since epoch); that holder started
   * no call after it. Slack has no create deadline like API Gateway's, so a post is looked for only
   * until one call's deadline after this, not for the whole quiet time.
   */
  takenOverAtMs?: number;
  /** When the runner ends this attempt (ms since epoch): a step that would wait past it ends it first. */
  attemptEndsAtMs?: number;
  /** `{bookingId}:{step}:{revision}`: sent with every create so an upstream that honours it deduplicates. */
  idempotencyKey?: string;
  /**
   * Fires at the attempt's deadline: stop, start nothing new. It also carries the attempt's log
   * fields and hears of each failed call the step goes on past (log-context.ts): pass it to every
   * outside call.
   */
  signal?: AbortSignal;
  log: Logger;
}

export type StepImplementation = (ctx: StepContext) => Promise<StepResult>;
/** The create steps are required; a follow-up step without an implementation fails its operation. */
export type StepImplementations = Record<StepName, StepImplementation> & Partial<Record<LifecycleStepName, StepImplementation>>;
