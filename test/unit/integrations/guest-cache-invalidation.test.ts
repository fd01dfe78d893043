/**
 * A guest page refresh must clear every copy CloudFront can hold of the page, whatever URL a guest
 * followed: the link as sent, with a trailing slash, its .ics, and any query string a messenger or
 * a person adds (`?v=2`, `?fbclid=…`). The cache key is taken after the viewer-request rewrite
 * (the deployed guest-rewrite.js, run here as CloudFront runs it) and, under a cache policy that
 * includes query strings, carries the query string. CloudFront's path matching (exact, or prefix
 * with a trailing `*`) is the stand-in's invalidationCovers; see AWS's "What you need to know when
 * invalidating paths" (forwarding query strings; changing the URI in a viewer-request function).
 */
import { loadCloudFrontFunction, viewerRequestEvent } from '../../../src/edge/load';
import { guestInvalidationPaths, guestUrlFor } from '../../../src/integrations/guest-site';
import { invalidationCovers } from '../../../src/sandbox/cloudfront-standin';

const handler = loadCloudFrontFunction();
const ID = '7K3MZQ9XW2TR';
const OTHER = '9Q8W7E6R5T4Y';

/** The cache keys (path + query string) a viewer URL can leave: as rewritten, and as the viewer sent it. */
function cacheKeys(url: string): { rewritten: string; viewer: string } {
  const u = new URL(url);
  const request = handler(viewerRequestEvent(u.pathname, { querystring: u.search.slice(1) }));
  return { rewritten: `${request.uri}${u.search}`, viewer: `${u.pathname}${u.search}` };
}

const covered = (key: string, id = ID) => guestInvalidationPaths(id).some((p) => invalidationCovers(p, key));

describe('guest page invalidation', () => {
  const link = guestUrlFor('https://queenofsandiego.com', ID);
  it.each([link, `${link}?v=2`, `${link}?fbclid=IwAR0abc123`, `${link}/`, `${link}/?utm_source=whatsapp`, `${link}.ics`, `${link}.ics?x=1`, link.toLowerCase(), `${link.toLowerCase()}?v=3`])(
    'clears what %s can be cached as',
    (url) => {
      const { rewritten, viewer } = cacheKeys(url);
      expect(covered(rewritten)).toBe(true);
      // The viewer URI as handed out (upper-case id) too, as AWS advises for rewritten URIs.
      if (viewer.startsWith(`/g/${ID}`)) expect(covered(viewer)).toBe(true);
    },
  );

  it("leaves other guests' pages alone", () => {
    const { rewritten, viewer } = cacheKeys(`${guestUrlFor('https://queenofsandiego.com', OTHER)}?v=2`);
    expect(covered(rewritten)).toBe(false);
    expect(covered(viewer)).toBe(false);
  });

  it('puts a wildcard only where CloudFront allows one: at the end', () => {
    for (const p of guestInvalidationPaths(ID)) expect(p.slice(0, -1)).not.toContain('*');
  });
});
