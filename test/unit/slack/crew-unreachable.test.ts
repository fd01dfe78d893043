/** Crew Slack cannot reach: the ops line's wording, the step's failure, the form's field errors. */
import { ErrorCode } from '@slack/web-api';
import { UpstreamUnavailableError } from '../../../src/integrations/errors';
import { crewCalledText } from '../../../src/slack/blocks/crew';
import { CrewUnreachableError, firstFailure } from '../../../src/slack/crew-notice';
import { rosterErrors } from '../../../src/slack/intake/roster-check';
import { toSlackIntegrationError, unreachableUserReason } from '../../../src/slack/slack-errors';

const roster = [
  { slackUserId: 'U0SAM00001', role: 'captain' as const, name: 'Sam' },
  { slackUserId: 'U0LEE00001', role: 'crew' as const, name: 'Lee' },
  { slackUserId: 'U0ANA00001', role: 'crew' as const, name: 'Ana' },
];
const slackError = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { code: ErrorCode.PlatformError, data: { ok: false, error } });

describe('the crew-called line', () => {
  it('names everyone when everyone was reached (as before)', () => {
    expect(crewCalledText(roster, {})).toBe('Crew called: <@U0SAM00001> (captain), <@U0LEE00001>, <@U0ANA00001> — each by DM');
    expect(crewCalledText(roster, { crewChannel: 'C0CREW0001' }, [])).toBe('Crew called: <@U0SAM00001> (captain), <@U0LEE00001>, <@U0ANA00001> — in <#C0CREW0001>');
  });

  it('says who was reached and who not yet', () => {
    expect(crewCalledText(roster, {}, ['U0LEE00001'])).toBe('Crew called: <@U0SAM00001> (captain), <@U0ANA00001> — each by DM. Not reached yet: <@U0LEE00001> — see the progress message');
  });

  it('says the crew was not called when nobody was reached, or the crew channel post failed', () => {
    expect(crewCalledText(roster, {}, roster.map((m) => m.slackUserId))).toBe('Crew not called yet: <@U0SAM00001> (captain), <@U0LEE00001>, <@U0ANA00001> not reached by DM — see the progress message');
    expect(crewCalledText(roster, { crewChannel: 'C0CREW0001' }, ['channel'])).toBe('Crew not called yet: the post in <#C0CREW0001> failed — see the progress message');
  });
});

describe("Slack's answers for someone who cannot get a DM", () => {
  it.each(['user_disabled', 'user_not_found', 'user_not_visible', 'cannot_dm_bot'])('%s is not retryable', (code) => {
    const err = toSlackIntegrationError(slackError(code), 'conversations.open');
    expect(err).toMatchObject({ code: `SLACK_${code.toUpperCase()}`, retryable: false });
    expect(unreachableUserReason(err)?.slackCode).toBe(code);
  });

  it('other answers keep their classification', () => {
    expect(toSlackIntegrationError(slackError('internal_error'), 'chat.postMessage')).toMatchObject({ retryable: true });
    expect(unreachableUserReason(toSlackIntegrationError(slackError('not_in_channel'), 'chat.postMessage'))).toBeUndefined();
  });
});

describe('the crew step failure', () => {
  const unreachable = (userId: string, name: string, slackCode = 'user_disabled') => new CrewUnreachableError([{ userId, name, slackCode, reason: unreachableUserReason(toSlackIntegrationError(slackError(slackCode), 'x'))!.reason }]);
  const rejected = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason });

  it('names every member Slack will not DM, in one error that is not retryable', () => {
    const failed = firstFailure([{ status: 'fulfilled', value: 'x' }, rejected(unreachable('U0LEE00001', 'Lee')), rejected(unreachable('U0ANA00001', 'Ana', 'cannot_dm_bot'))]);
    expect(failed?.reason).toBeInstanceOf(CrewUnreachableError);
    expect(failed?.reason).toMatchObject({ retryable: false, code: 'SLACK_USER_DISABLED', operatorMessage: expect.stringMatching(/^Slack cannot DM Lee \(their account is deactivated\), Ana \(it is a bot, not a person\)\. /) });
  });

  it('a post that may have gone out comes first: the next attempt must look it up', () => {
    const maybe = new UpstreamUnavailableError('reset', { code: 'SLACK_OUTCOME_UNKNOWN', retryable: true, operatorMessage: '?', system: 'slack', maybeProcessed: true });
    expect(firstFailure([rejected(unreachable('U0LEE00001', 'Lee')), rejected(maybe)])?.reason).toBe(maybe);
  });
});

describe('the form field errors', () => {
  it('the captain on captain, each crew member once on crew', () => {
    expect(
      rosterErrors([
        { slackUserId: 'U0SAM00001', role: 'captain', name: 'Sam', why: 'deactivated' },
        { slackUserId: 'U0BOT00009', role: 'crew', name: 'Deck Bot', why: 'bot' },
      ]),
    ).toEqual({ captain: "@Sam's Slack account is deactivated — pick someone else", crew: '@Deck Bot is a bot, not a person — pick someone else' });
    expect(rosterErrors([])).toBeUndefined();
  });
});
