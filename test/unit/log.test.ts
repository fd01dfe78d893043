import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { createLogger, REDACTED } from '../../src/log';
import { boltLogger } from '../../src/slack/bolt-logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('redacts credential keys at any depth and known secret values in free text', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, secretValues: ['dash-token-secret-value', 'xoxb-bot-secret'] });
    log.info(
      {
        headers: { 'X-Dashboard-Token': 'dash-token-secret-value', Authorization: 'Bearer abc', accept: 'json' },
        config: { slack: { botToken: 'xoxb-bot-secret', signingSecret: 'sss' } },
        err: new Error('upstream said: bad token dash-token-secret-value'),
      },
      'calling with xoxb-bot-secret',
    );
    const out = lines.join('');
    expect(out).not.toContain('dash-token-secret-value');
    expect(out).not.toContain('xoxb-bot-secret');
    expect(out).not.toContain('Bearer abc');
    expect(out).not.toContain('sss');
    expect(out).toContain(REDACTED);
    expect(out).toContain('"accept":"json"');
    expect(out).toContain('upstream said: bad token');
  });

  it('keeps child bindings and does not choke on cycles', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination }).child({ bookingId: 'ABCDEFGHJK12', step: 'calendar' });
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    log.warn({ a }, 'cycle');
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry.bookingId).toBe('ABCDEFGHJK12');
    expect(entry.step).toBe('calendar');
    expect(JSON.stringify(entry.a)).toContain('[Circular]');
  });

  it('scrubs a secret out of an Error logged on its own and out of printf arguments', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, secretValues: ['xoxb-bot-secret'] });
    log.error(new Error('Slack refused xoxb-bot-secret'));
    log.warn('token was %s', 'xoxb-bot-secret');
    const out = lines.join('');
    expect(lines).toHaveLength(2);
    expect(out).not.toContain('xoxb-bot-secret');
    expect(out).toContain(`Slack refused ${REDACTED}`);
    expect(out).toContain(`token was ${REDACTED}`);
  });

  it('logs an error as pino would (its class as type, the cause in the message, its code), with secrets scrubbed', () => {
    class UpstreamError extends Error {
      code = 'S3_UNAVAILABLE';
    }
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9 xoxb-bot-secret'), { code: 'ECONNREFUSED' });
    const { lines, destination } = capture();
    const log = createLogger({ destination, secretValues: ['xoxb-bot-secret'] });
    log.warn({ err: new UpstreamError('S3 Error on guest-site-local', { cause }) }, 'step failed');
    log.error(new UpstreamError('on its own', { cause }));
    const [withMerge, alone] = lines.map((l) => JSON.parse(l) as { msg: string; err: Record<string, unknown> });
    expect(withMerge?.err).toMatchObject({ type: 'UpstreamError', code: 'S3_UNAVAILABLE', message: `S3 Error on guest-site-local: connect ECONNREFUSED 127.0.0.1:9 ${REDACTED}` });
    expect(String(withMerge?.err.stack)).toContain('caused by: Error: connect ECONNREFUSED');
    expect(alone).toMatchObject({ msg: 'on its own', err: { type: 'UpstreamError', message: expect.stringContaining('ECONNREFUSED') } });
    expect(lines.join('')).not.toContain('xoxb-bot-secret');
  });

  it('keeps a cause the message only seems to hold, and a field whose value is a string cause', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.warn({ err: Object.assign(new Error('socket hang up', { cause: 'ECONNRESET' }), { code: 'ECONNRESET' }) }, 'reset');
    log.warn({ err: new Error('request unauthorized', { cause: new Error('authorized') }) }, 'refused');
    const [reset, refused] = lines.map((l) => JSON.parse(l) as { err: Record<string, unknown> });
    expect(reset?.err.code).toBe('ECONNRESET');
    expect(refused?.err.message).toBe('request unauthorized: authorized');
  });

  it("never logs AWS's account of a signature mismatch: it lists every signed header, the session token among them", () => {
    const token = 'IQoJb3JpZ2luX2VjSESSIONTOKENSECRET0123456789';
    const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:dynamodb.us-west-2.amazonaws.com\nx-amz-security-token:${token}\n\nhost;x-amz-security-token\nabc`;
    // DynamoDB puts it in the message; S3 in fields of its own, which the SDK copies onto the error.
    const dynamo = Object.assign(new Error(`The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n...'\n`), { name: 'InvalidSignatureException' });
    const s3 = Object.assign(new Error('The request signature we calculated does not match the signature you provided.'), { name: 'SignatureDoesNotMatch', CanonicalRequest: canonical, StringToSign: 'AWS4-HMAC-SHA256\n…', CanonicalRequestBytes: '50 4f 53 54' });
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.warn({ err: new Error('DynamoDB table bookings: InvalidSignatureException', { cause: dynamo }) }, 'state store unavailable; retrying');
    log.warn({ err: s3 }, 'step failed');
    expect(lines.join('')).not.toContain(token);
    expect(lines.join('')).not.toContain('x-amz-security-token');
    const [first] = lines.map((l) => JSON.parse(l) as { err: { message: string } });
    // What helps on call stays: the class and AWS's own first sentence.
    expect(first?.err.message).toContain('InvalidSignatureException');
    expect(first?.err.message).toContain('does not match the signature you provided');
  });

  it("says a Slack client error's cause once: the client repeats it in its own message and again as `original`", async () => {
    // A Slack that takes the connection and drops it: the Web API client's request error.
    const slack = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
    try {
      const { lines, destination } = capture();
      const log = createLogger({ destination, secretValues: ['xoxb-bot-secret'] });
      const client = new WebClient('xoxb-bot-secret', { slackApiUrl: `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`, retryConfig: { retries: 0 }, logger: boltLogger(log) });
      const err = await client.chat.postMessage({ channel: 'C0OPS', text: 'hi' }).then(() => undefined, (e: unknown) => e);
      log.warn({ err, bookingId: 'ABCDEFGHJK12' }, 'progress message not posted');
      const entry = JSON.parse(lines.at(-1) ?? '{}') as { err: Record<string, unknown> };
      expect(entry.err).toMatchObject({ type: 'WebAPIRequestError', code: 'slack_webapi_request_error' });
      const message = String(entry.err.message);
      expect(message).toMatch(/^A request error occurred: .*fetch failed/);
      expect(message.split('fetch failed')).toHaveLength(2);
      expect(entry.err).not.toHaveProperty('original');
      expect(lines.join('')).not.toContain('xoxb-bot-secret');
    } finally {
      await new Promise((r) => slack.close(r));
    }
  });
});
