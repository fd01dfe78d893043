/** The exact CloudFront Function file, evaluated in a bare V8 context with CloudFront event shapes. */
import { statSync } from 'node:fs';
import fc from 'fast-check';
import { GUEST_REWRITE_FILE, loadCloudFrontFunction, viewerRequestEvent } from '../../../src/edge/load';

const handler = loadCloudFrontFunction();
const rewrite = (uri: string) => handler(viewerRequestEvent(uri)).uri;

describe('guest-rewrite CloudFront Function', () => {
  it.each([
    ['/g/0123456789AB', '/jada-guest-0123456789ab.html'],
    ['/g/0123456789ab/', '/jada-guest-0123456789ab.html'],
    ['/g/7K3MZQ9XW2TR', '/jada-guest-7k3mzq9xw2tr.html'],
    ['/g/7K3MZQ9XW2TR.ics', '/jada-guest-7k3mzq9xw2tr.ics'],
    ['/g/7k3mzq9xw2tr.ICS', '/jada-guest-7k3mzq9xw2tr.ics'],
    // Crockford look-alikes decode: I/L → 1, O → 0.
    ['/g/ILO3456789AB', '/jada-guest-1103456789ab.html'],
  ])('maps %s to %s', (uri, expected) => {
    expect(rewrite(uri)).toBe(expected);
  });

  it.each([
    '/',
    '/index.html',
    '/g/',
    '/g/SHORT',
    '/g/0123456789ABU', // U is not Crockford
    '/g/0123456789AB/extra',
    '/g/0123456789AB.html',
    '/g/0123456789AB//',
    '/G/0123456789AB',
    '/g/0123-456789AB',
    '/g/' + 'A'.repeat(27),
    '/jada-guest-0123456789ab.html',
  ])('leaves %s untouched', (uri) => {
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
