/**
 * The roster of a submitted booking or change form, checked before the form is answered: a captain
 * or crew member the bot could never call (a deactivated account, a bot, Slackbot) gets an inline
 * error on their field, and the form stays open with everything typed in it.
 *
 * Slack closes the form with an error unless the submission is answered within 3 s, so the check
 * waits at most ROSTER_CHECK_BUDGET_MS for the users.info lookups the roster needs anyway (cached
 * by the UserDirectory: no extra calls). Slower than that, the form is accepted as before and the
 * same lookups finish after the answer; whoever cannot be called is then named as a warning.
 */
import type { RosterMember } from '../../booking/types';
import type { UncallableMember, UserDirectory } from '../users';

/** How long a submission waits for users.info before it is answered without the check (Slack allows 3 s in all). */
export const ROSTER_CHECK_BUDGET_MS = 2000;

export interface RosterCheck {
  /** Inline errors by block id (`captain`, `crew`) when the lookups answered in time and someone cannot be called. */
  errors?: Record<string, string>;
  /** The roster and who cannot be called, from the same lookups (rejects as users.info does). */
  result: Promise<{ roster: RosterMember[]; uncallable: UncallableMember[] }>;
}

function problemOf(m: UncallableMember): string {
  return m.why === 'deactivated' ? `@${m.name}'s Slack account is deactivated — pick someone else` : `@${m.name} is a bot, not a person — pick someone else`;
}

/** Field errors for the form: the captain's on `captain`, every crew member's on `crew`. */
export function rosterErrors(uncallable: readonly UncallableMember[]): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const role of ['captain', 'crew'] as const) {
    const problems = [...new Set(uncallable.filter((m) => m.role === role).map(problemOf))];
    if (problems.length > 0) errors[role] = problems.join('; ');
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** What the approver is told when the check finished only after the form was answered. */
export function uncallableWarnings(uncallable: readonly UncallableMember[]): string[] {
  return [...new Set(uncallable.map((m) => `${m.why === 'deactivated' ? `${m.name}'s Slack account is deactivated` : `${m.name} is a bot, not a person`}: the crew call cannot reach them.`))];
}

export async function checkRoster(users: UserDirectory, picks: { captain: string; crew: readonly string[] }, budgetMs = ROSTER_CHECK_BUDGET_MS): Promise<RosterCheck> {
  const result = users.checkedRoster(picks.captain, picks.crew);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const inTime = await Promise.race([
    result.then(
      (r) => r,
      () => undefined, // told after the answer, as before
    ),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), budgetMs);
    }),
  ]);
  clearTimeout(timer);
  const errors = inTime ? rosterErrors(inTime.uncallable) : undefined;
  return errors ? { errors, result } : { result };
}
