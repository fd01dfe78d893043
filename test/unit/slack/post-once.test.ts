/** The pure parts of src/slack/post-once.ts: Slack timestamps, and which failures leave a post's outcome unknown. */
import { ErrorCode } from '@slack/web-api';
import { crewPostMetadata } from '../../../src/slack/booking-ref';
import { postOutcomeUnknown, slackTs } from '../../../src/slack/post-once';

describe('slackTs', () => {
  it('writes a moment as Slack does: seconds, a dot, six digits of microseconds', () => {
    expect(slackTs(1_796_449_155_978)).toBe('1796449155.978000');
    expect(slackTs(1_796_449_155_000)).toBe('1796449155.000000');
    expect(slackTs(5)).toBe('0.005000');
  });

  it('orders as the moments do when Slack compares them as numbers', () => {
    expect(Number(slackTs(1_796_449_155_001))).toBeGreaterThan(Number(slackTs(1_796_449_155_000)));
  });
});

describe('postOutcomeUnknown', () => {
  it('a request error (timeout, reset, refused) or a 5xx may have posted', () => {
    expect(postOutcomeUnknown({ code: ErrorCode.RequestError })).toBe(true);
    expect(postOutcomeUnknown({ code: ErrorCode.HTTPError, statusCode: 503 })).toBe(true);
    expect(postOutcomeUnknown({ code: ErrorCode.HTTPError, statusCode: 500 })).toBe(true);
  });

  it('an answer from Slack (ok:false, 429, another 4xx) says nothing was posted', () => {
    expect(postOutcomeUnknown({ code: ErrorCode.PlatformError, data: { error: 'channel_not_found' } })).toBe(false);
    expect(postOutcomeUnknown({ code: ErrorCode.RateLimitedError, retryAfter: 1 })).toBe(false);
    expect(postOutcomeUnknown({ code: ErrorCode.HTTPError, statusCode: 404 })).toBe(false);
    expect(postOutcomeUnknown(new Error('bug'))).toBe(false);
  });
});

describe('crewPostMetadata', () => {
  it('names booking, kind, revision and recipient or reminder — ids only, no money field', () => {
    expect(crewPostMetadata('K7M2Q9TX4B1P', 'crew_call', { rev: 2, to: 'U0CREW0001' })).toEqual({ event_type: 'charter_booking', event_payload: { booking_id: 'K7M2Q9TX4B1P', post: 'crew_call', rev: 2, to: 'U0CREW0001' } });
    expect(crewPostMetadata('K7M2Q9TX4B1P', 'crew_reminder', { rev: 1, ordinal: 'dm48:U0CREW0001' }).event_payload).toEqual({ booking_id: 'K7M2Q9TX4B1P', post: 'crew_reminder', rev: 1, ordinal: 'dm48:U0CREW0001' });
  });
});
