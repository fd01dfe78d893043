/** Slack's back-pressure, in whichever form it comes, reads as a "not yet" with a wait. */
import { ErrorCode } from '@slack/web-api';
import { slackRetryAfterMs, toSlackIntegrationError } from '../../../src/slack/slack-errors';

const platformError = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { code: ErrorCode.PlatformError, data: { ok: false, error } });
const http429 = (retryAfter: number) => Object.assign(new Error('A rate limit was exceeded'), { code: ErrorCode.RateLimitedError, retryAfter });

it.each(['ratelimited', 'rate_limited'])("the platform error %s (HTTP 200, no Retry-After) is back-pressure of a second, as a 429 is", (error) => {
  expect(slackRetryAfterMs(platformError(error))).toBe(1000);
  expect(toSlackIntegrationError(platformError(error), 'chat.postMessage')).toMatchObject({ code: 'SLACK_RATE_LIMITED', retryable: true, status: 429, retryAfterMs: 1000 });
});

it("a 429 waits its Retry-After, also once made an IntegrationError; other failures are not back-pressure", () => {
  expect(slackRetryAfterMs(http429(3))).toBe(3000);
  expect(slackRetryAfterMs(toSlackIntegrationError(http429(3), 'chat.update'))).toBe(3000);
  expect(slackRetryAfterMs(platformError('internal_error'))).toBeUndefined();
  expect(slackRetryAfterMs(toSlackIntegrationError(platformError('internal_error'), 'chat.update'))).toBeUndefined();
  expect(slackRetryAfterMs(new Error('socket hang up'))).toBeUndefined();
});
