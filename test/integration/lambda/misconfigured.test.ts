/**
 * A stack whose configuration the template admits and the configuration refuses (here the second
 * approver rule with one approver) fails every cold start. Slack used to show only
 * "dispatch_failed"; a signed /charter now gets the problems privately, events are acknowledged,
 * and anything unsigned or wrongly signed learns nothing.
 */
import { slackLambdaHandler } from '../../../src/lambda';
import { LambdaConfigError } from '../../../src/lambda-app';
import { validEnv } from '../../support/env';
import { appHomeOpenedEvent, blockActionPayload, interactivityBody, SlackRequester, slashCommandBody } from '../../support/slack-requests';
import { functionUrlEvent } from './support';

const SIGNING_SECRET = 'misconfigured-signing-secret-0123';
const env = validEnv({
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  CHARTER_APPROVERS: 'U0APPROVE1',
  CHARTER_REQUIRE_SECOND_APPROVER: 'true',
  CHARTER_STORE: 'dynamodb:charter-misconfigured',
  AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack',
  CHARTER_ICAL_FEEDS: 'Boatsetter=https://www.boatsetter.com/calendar/export/secret-feed-token-9876.ics',
});
const signed = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });
const handler = slackLambdaHandler({ env });
const request = (body: string, headers = signed.headers(body)) => handler(functionUrlEvent(body, headers), {});

it('answers a signed /charter with the problems and what to do, privately, with no secret in it', async () => {
  for (const text of ['doctor', '']) {
    const res = await request(slashCommandBody({ user_id: 'U0APPROVE1', channel_id: 'C0OPS00001', text }));
    expect(res.statusCode).toBe(200);
    const answer = JSON.parse(String(res.body)) as { response_type: string; text: string };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('charter-bot cannot start: 2 configuration problems');
    expect(answer.text).toContain('CHARTER_REQUIRE_SECOND_APPROVER=true needs at least two CHARTER_APPROVERS');
    // iCal feeds without an ops channel: the second problem, named without its URL.
    expect(answer.text).toContain('CHARTER_OPS_CHANNEL is required with CHARTER_ICAL_FEEDS');
    expect(answer.text).toContain('Nothing was done');
    for (const secret of [SIGNING_SECRET, env.SLACK_BOT_TOKEN!, env.DASHBOARD_TOKEN!, env.SCC_SERVICE_KEY!, 'secret-feed-token-9876']) expect(answer.text).not.toContain(secret);
  }
});

it('acknowledges events, so Slack does not turn off the subscriptions while the stack is fixed', async () => {
  const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev0MISCONF1', event: appHomeOpenedEvent({ userId: 'U0APPROVE1' }) });
  const res = await request(body, { ...signed.headers(body), 'content-type': 'application/json' });
  expect(res).toMatchObject({ statusCode: 200, body: '' });
});

it('still fails a click (Slack marks it failed; there is nowhere to answer) and tells no unsigned request anything', async () => {
  const click = interactivityBody(blockActionPayload({ userId: 'U0APPROVE1', actionId: 'approve_booking', value: 'X', channelId: 'C0OPS00001' }));
  await expect(request(click)).rejects.toBeInstanceOf(LambdaConfigError);
  const command = slashCommandBody({ user_id: 'U0SOMEONE1', channel_id: 'C0OPS00001', text: 'doctor' });
  const forged = new SlackRequester({ url: 'http://unused.invalid', signingSecret: 'another-secret-entirely-000' });
  expect(await request(command, forged.headers(command))).toMatchObject({ statusCode: 401, body: '' });
});
