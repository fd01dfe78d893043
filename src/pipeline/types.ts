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
}

export interface StepLease {
  owner: string;
  leaseExpiresAtMs: number;
}

export interface StepState {
  status: StepStatus;
  attempts: number;
  /** When the first attempt since the last reset was claimed: the retry budget counts from here. */
  firstAttemptAtMs?: number;
  /**
   * An earlier attempt may have had its side effect without us knowing (crash, timeout, ambiguous
   * failure): the next attempt looks up before it creates. Survives Retry.
   */
  outcomeUnknown?: boolean;
  /** A create sent by an earlier attempt may still land upstream until then: look up, do not create. */
  quietUntilMs?: number;
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
  crewChannel?: string;
  crewTs?: string;
  /**
   * Every crew-facing post, by recipient: a crew member's Slack user id for their DM, or
   * CREW_CHANNEL_POST_KEY for the one post in CHARTER_CREW_CHANNEL. Saved as each is posted, so a
   * re-run of crew_notice updates these instead of posting again.
   */
  crewPosts?: Record<string, { channel: string; ts: string }>;
  /** The "Crew called: …" line in the ops thread. */
  crewCalledTs?: string;
}

export const CREW_CHANNEL_POST_KEY = '#crew-channel';

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
}

export interface BookingRecord {
  /** The guest session id (Crockford base32, upper-case); also the externalId everywhere. */
  id: string;
  /** Compare-and-set version: every write names the version it read. */
  version: number;
  /** The details' revision the artifacts must show (1 at creation); part of every Idempotency-Key. */
  revision?: number;
  state: BookingState;
  request: BookingRequest;
  roster: RosterMember[];
  costs: CostBreakdown;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  audit: AuditEntry[];
  slack: SlackRefs;
  /** Warnings found before approval (duplicate platform reference, double bookings); absent on older records. */
  warnings?: string[];
  /** Slack user id → when they confirmed. */
  confirmations: Record<string, number>;
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
}

export interface ApprovalNotices {
  /** When the still-pending approval was posted again in the ops channel (24 h before check-in). */
  resurfacedAtMs?: number;
  /** When the approval message was marked expired (departure passed while pending). */
  expiredAtMs?: number;
}

/** What a step implementation receives. It must be idempotent: see DESIGN "The pipeline". */
export interface StepContext {
  booking: BookingRecord;
  /** Results of steps already done (dependencies are guaranteed present). */
  results: Partial<Record<StepName, StepResult>>;
  /** This step's own previous result, when a refresh or retry re-runs a done step. */
  previous?: StepResult;
  /** 1 for the first attempt. */
  attempt: number;
  /** An earlier attempt may already have had this step's side effect: look up before creating. */
  outcomeUnknown?: boolean;
  /** A create sent by an earlier attempt may still land until then (ms since epoch): only look up before. */
  quietUntilMs?: number;
  /** `{bookingId}:{step}:{revision}`: sent with every create so an upstream that honours it deduplicates. */
  idempotencyKey?: string;
  /** Fires at the attempt's deadline: stop, start nothing new. */
  signal?: AbortSignal;
  log: Logger;
}

export type StepImplementation = (ctx: StepContext) => Promise<StepResult>;
export type StepImplementations = Record<StepName, StepImplementation>;
