/** What every Slack listener needs, built once by the composition root (src/app.ts). */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { BookingApi } from '../pipeline/api';
import type { ApprovalsBehind } from './approvals-behind';
import type { ChangeRequestDraws } from './change-request-draws';
import type { ApprovalChecks } from './intake/approval-checks';
import type { NoticeJudge } from './intake/notice-judge';
import type { ProgressPublisher } from './progress/publisher';
import type { UserDirectory } from './users';

export interface SlackDeps {
  api: BookingApi;
  config: Config;
  log: Logger;
  now: () => number;
  users: UserDirectory;
  progress: ProgressPublisher;
  /** A client that rejects 429s instead of sleeping inside the call (the publisher handles Retry-After). */
  client: WebClient;
  /** Runs the preflight checks (`/charter doctor`) and returns the formatted table; wired by src/app.ts. */
  doctor?: () => Promise<string>;
  /** Duplicate-reference and double-booking warnings for a new booking's approval; wired by src/app.ts. */
  approvalChecks?: ApprovalChecks;
  /** Whether an iCal notice whose request was cancelled before approval may offer [Create charter] again (src/slack/intake/notice-judge.ts); wired by src/app.ts. */
  noticeJudge?: NoticeJudge;
  /** A member was deactivated in Slack: the office of each charter ahead they are on is told (src/slack/member-deactivated.ts). */
  memberDeactivated?: (userId: string) => Promise<number>;
  /** A member's data changed and they are not deactivated: if they were flagged as deactivated, the flags go. */
  memberActive?: (userId: string) => Promise<number>;
  /** App Home: told when a booking changed so open Home tabs are republished (debounced per user). */
  home?: { changed(): void; opened(userId: string): Promise<void> };
  /** Where a failed redraw of an approval or change request message is listed for the approval watch (src/slack/approvals-behind.ts); wired by src/app.ts. */
  approvalsBehind?: ApprovalsBehind;
  /** This process's decision redraws of change request messages, which a losing click need not repeat (src/slack/change-request-draws.ts); wired by src/app.ts. */
  changeRequestDraws?: ChangeRequestDraws;
  /** Tries of an approval or change request message's redraw inside a click's handler (src/slack/approval-redraw.ts; 1 on Lambda). */
  approvalRedrawTries?: number;
  /** How long a crew answer's redraw may go on starting rounds of redraws (src/slack/crew-redraw.ts). */
  crewRedrawWithinMs?: number;
}

export function isApprover(config: Config, userId: string): boolean {
  return config.slack.approvers.includes(userId);
}

export function guestUrl(config: Config, bookingId: string): string {
  return `${config.guest.siteUrl}/g/${bookingId}`;
}
