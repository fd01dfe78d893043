/**
 * The roster of a submitted booking or change form, checked before the form is answered: a captain
 * or crew member the bot could never call (a deactivated account, a bot, Slackbot) gets an inline
 * error on their field, and the form stays open with everything typed in it. So does one whom Slack
 * did not answer for (a 429, `ok: false`): submitting again asks again, and nothing typed is lost.
 *
 * Slack closes the form with an error unless the submission is answered within 3 s, so the check
 * waits at most ROSTER_CHECK_BUDGET_MS for the users.info lookups the roster needs anyway (cached
 * by the UserDirectory: no extra calls). Slower than that, the form is accepted as before and the
 * same lookups finish after the answer; whoever cannot be called, or could not be looked up, is then
 * named as a warning on the approval — the booking is made all the same, since the form is gone.
 */
import type { RosterMember } from '../../booking/types';
import type { CheckedRoster, UncallableMember, UnresolvedMember, UserDirectory } from '../users';

/** How long a submission waits for users.info before it is answered without the check (Slack allows 3 s in all). */
export const ROSTER_CHECK_BUDGET_MS = 2000;

export interface RosterCheck {
  /** Inline errors by block id (`captain`, `crew`) when the lookups answered in time and someone cannot be called or looked up. */
  errors?: Record<string, string>;
  /** The roster, who cannot be called and whom Slack did not answer for, from the same lookups. */
  result: Promise<CheckedRoster>;
}

function problemOf(m: UncallableMember): string {
  return m.why === 'deactivated' ? `@${m.name}'s Slack account is deactivated — pick someone else` : `@${m.name} is a bot, not a person — pick someone else`;
}

/** The form's field errors carry no mentions, and the lookup that failed is the one that had the name. */
function unansweredOf(role: UnresolvedMember['role'], count: number): string {
  const who = role === 'captain' ? 'the captain' : count === 1 ? 'a crew member' : `${count} crew members`;
  return `Slack did not answer when the bot looked up ${who} — submit again`;
}

/** Field errors for the form: the captain's on `captain`, every crew member's on `crew`. */
export function rosterErrors(uncallable: readonly UncallableMember[], unresolved: readonly UnresolvedMember[] = []): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const role of ['captain', 'crew'] as const) {
    const problems = [...new Set(uncallable.filter((m) => m.role === role).map(problemOf))];
    const unanswered = new Set(unresolved.filter((m) => m.role === role).map((m) => m.slackUserId)).size;
    if (unanswered > 0) problems.push(unansweredOf(role, unanswered));
    if (problems.length > 0) errors[role] = problems.join('; ');
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** What the approver is told when the check finished only after the form was answered. */
export function uncallableWarnings(uncallable: readonly UncallableMember[]): string[] {
  return [...new Set(uncallable.map((m) => `${m.why === 'deactivated' ? `${m.name}'s Slack account is deactivated` : `${m.name} is a bot, not a person`}: the crew call cannot reach them.`))];
}

/**
 * What the approver is told when Slack did not answer for someone after the form was answered: the
 * booking holds their user id for a name and no e-mail, so SCC cannot send them their link.
 */
export function unresolvedWarnings(unresolved: readonly UnresolvedMember[]): string[] {
  if (unresolved.length === 0) return [];
  const who = [...new Set(unresolved.map((m) => `${m.slackUserId}${m.role === 'captain' ? ' (captain)' : ''}`))].join(', ');
  return [`Slack did not answer when the bot looked up ${who}: their name and e-mail are missing here, so SCC cannot e-mail them their link. Once approved, Edit the booking and submit it unchanged to fill them in.`];
}

/**
 * Members Slack did not answer for who are on the booking already (a change form keeps most of its
 * roster): their name and e-mail as the booking has them, so a hiccup changes nobody's name.
 */
function withKnownNames(checked: CheckedRoster, known: readonly RosterMember[] | undefined): CheckedRoster {
  if (!known || checked.unresolved.length === 0) return checked;
  const byId = new Map(known.map((m) => [m.slackUserId, m]));
  return {
    ...checked,
    roster: checked.roster.map((m) => {
      const k = checked.unresolved.some((u) => u.slackUserId === m.slackUserId) ? byId.get(m.slackUserId) : undefined;
      return k ? { slackUserId: m.slackUserId, role: m.role, name: k.name, ...(k.email ? { email: k.email } : {}) } : m;
    }),
    unresolved: checked.unresolved.filter((u) => !byId.has(u.slackUserId)),
  };
}

export interface RosterCheckOptions {
  budgetMs?: number;
  /** The booking's roster as stored (a change form): names to keep for anyone Slack does not answer for. */
  known?: Promise<readonly RosterMember[] | undefined>;
}

export async function checkRoster(users: UserDirectory, picks: { captain: string; crew: readonly string[] }, opts: RosterCheckOptions = {}): Promise<RosterCheck> {
  // A known roster that cannot be read names nobody; the change form reports the booking's read itself.
  const known = (opts.known ?? Promise.resolve(undefined)).catch(() => undefined);
  const result = Promise.all([users.checkedRoster(picks.captain, picks.crew), known]).then(([checked, k]) => withKnownNames(checked, k));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const inTime = await Promise.race([
    result,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), opts.budgetMs ?? ROSTER_CHECK_BUDGET_MS);
    }),
  ]);
  clearTimeout(timer);
  const errors = inTime ? rosterErrors(inTime.uncallable, inTime.unresolved) : undefined;
  return errors ? { errors, result } : { result };
}

/**
 * A form refused for its fields is also checked for whom the bot could never call, so one answer
 * names every problem: fixing the price must not uncover "@Lee's Slack account is deactivated" on
 * the next submit. A field's own error wins on its field (the captain also picked as crew). Only a
 * roster whose captain was picked is looked up; one Slack does not answer for in time adds nothing
 * (the next submit asks again).
 */
export async function withRosterErrors(users: UserDirectory, input: Record<string, unknown>, fieldErrors: Record<string, string>): Promise<Record<string, string>> {
  if (typeof input.captain !== 'string') return fieldErrors;
  const crew = Array.isArray(input.crew) ? input.crew.filter((id): id is string => typeof id === 'string') : [];
  const checked = await checkRoster(users, { captain: input.captain, crew });
  const uncallable = checked.errors ? await checked.result.then((r) => rosterErrors(r.uncallable)) : undefined;
  return { ...uncallable, ...fieldErrors };
}
