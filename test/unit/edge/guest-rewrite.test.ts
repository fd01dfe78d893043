/** The exact CloudFront Function file, evaluated in a bare V8 context with CloudFront event shapes. */
import { statSync } from 'node:fs';
import fc from 'fast-check';
import { GUEST_REWRITE_FILE, loadCloudFrontFunction, viewerRequestEvent } from '../../../src/edge/load';
import cases from '../../fixtures/edge/guest-rewrite-cases.json';

const handler = loadCloudFrontFunction();
const rewrite = (uri: string) => handler(viewerRequestEvent(uri)).uri;

describe('guest-rewrite CloudFront Function', () => {
  // The same cases run under Debian's njs (guest-rewrite-njs.test.ts): a second JavaScript engine.
  it.each(cases.maps)('maps %s to %s', (uri, expected) => {
    expect(rewrite(uri)).toBe(expected);
  });

  it.each(cases.untouched)('leaves %s untouched', (uri) => {
    expect(rewrite(uri)).toBe(uri);
  });

  it('fits CloudFront Functions limits: one file under 10 KB, no module system', () => {
    expect(statSync(GUEST_REWRITE_FILE).size).toBeLessThan(10 * 1024);
    expect(() => loadCloudFrontFunction()).not.toThrow();
  });

  it('keeps the rest of the request (headers, querystring, method) as it was', () => {
    const event = viewerRequestEvent('/g/0123456789AB', { host: 'queenofsandiego.com', querystring: 'utm=x' });
    const out = handler(event);
    expect(out.headers).toEqual({ host: { value: 'queenofsandiego.com' } });
    expect(out.querystring).toEqual({ utm: { value: 'x' } });
    expect(out.method).toBe('GET');
  });

  it('never produces a key outside jada-guest-*.html/.ics for any /g/ path', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        const uri = `/g/${tail}`;
        const out = rewrite(uri);
        expect(out === uri || /^\/jada-guest-[0-9a-hjkmnp-tv-z]{10,26}\.(html|ics)$/.test(out)).toBe(true);
      }),
    );
  });
});
