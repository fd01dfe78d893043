/**
 * IcalFeedClient against real local sockets: a feed that never answers and a port nobody listens
 * on. What the operator reads must say what happened and what to do — not an errno or the
 * DOMException code AbortSignal.timeout carries (23).
 */
import { createServer, type Server } from 'node:http';
import { IcalFeedError } from '../../../src/integrations/errors';
import { IcalFeedClient } from '../../../src/integrations/ical-feed';
import { listenOnLoopback, type LoopbackListener } from '../../../src/sandbox/loopback';

let silent: LoopbackListener;
const client = new IcalFeedClient({ totalTimeoutMs: 300, connectTimeoutMs: 300 });

beforeAll(async () => {
  // Accepts the connection and the request, never answers.
  const server: Server = createServer(() => undefined);
  silent = await listenOnLoopback(server);
});
afterAll(async () => {
  await client.close();
  await silent.close();
});

describe('IcalFeedClient transport failures', () => {
  it('a feed that does not answer in time says it timed out and after how long, with no bare code', async () => {
    const err = await client.fetch({ name: 'Boatsetter', url: `${silent.url}/boatsetter.ics?token=secret` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IcalFeedError);
    const e = err as IcalFeedError;
    expect(e.code).toBe('ICAL_TIMEOUT');
    expect(e.retryable).toBe(true);
    expect(e.operatorMessage).toBe(
      'The Boatsetter calendar feed did not answer within 0.3 s; trying again next poll. If it keeps timing out, open its export URL (in CHARTER_ICAL_FEEDS) in a browser to check the platform is up.',
    );
    expect(`${e.message} ${e.operatorMessage}`).not.toContain('secret');
  });

  it('a refused connection is said in words, not as an errno', async () => {
    const closed = await listenOnLoopback(createServer());
    await closed.close(); // the port is now free: connecting is refused
    const err = await client.fetch({ name: 'GetMyBoat', url: `${closed.url}/gmb.ics` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IcalFeedError);
    expect((err as IcalFeedError).code).toBe('ICAL_UNREACHABLE');
    expect((err as IcalFeedError).operatorMessage).toBe(
      'The GetMyBoat calendar feed refused the connection; trying again next poll. If it keeps failing, check its export URL in CHARTER_ICAL_FEEDS.',
    );
  });
});
