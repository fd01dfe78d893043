/// <reference lib="dom" />
/**
 * The rendered guest page in a real Chromium, served over HTTP from 127.0.0.1 the way CloudFront
 * serves it: /g/{ID} is the page, /g/{ID}.ics the calendar file beside it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildGuestPageView, renderCancelledGuestPage, renderGuestCalendar, renderGuestPage } from '../../../src/integrations/guest-page';
import { describeWithChromium, launchChromium } from '../../support/chromium';
import { sampleSettings, sampleSource } from '../../support/guest-page-fixture';

const ID = '7K3M9QX2TB4D';
const HOSTILE_ID = 'XSS0XSS0XSS0';
const PAYLOAD = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
const INJECTED = '<script>alert(3)</script><img src="/beacon.gif"><link rel="stylesheet" href="/evil.css">';
const BIDI_ID = 'B1D10VERR1DE';
// U+202E RIGHT-TO-LEFT OVERRIDE, left open, as it comes along in text pasted from right-to-left sources.
const RLO = '\u202e';

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

function pages(): Map<string, { type: string; body: string }> {
  const view = buildGuestPageView(sampleSource(), sampleSettings());
  const hostileView = buildGuestPageView(
    sampleSource({ sessionId: HOSTILE_ID, guestFullName: PAYLOAD, guestUrl: `https://queenofsandiego.com/g/${HOSTILE_ID}` }),
    sampleSettings({
      operatorName: PAYLOAD,
      vesselName: PAYLOAD,
      dockAddress: PAYLOAD,
      safetyBriefing: PAYLOAD,
      weatherNote: PAYLOAD,
      emergencyPhone: `+1 619 555 0142 ${PAYLOAD}`,
      whatToBring: [PAYLOAD],
    }),
  );
  const base = sampleSource();
  const bidiView = buildGuestPageView(
    {
      ...base,
      sessionId: BIDI_ID,
      guestFullName: `${RLO}Maria Lopez${RLO}`,
      guestUrl: `https://queenofsandiego.com/g/${BIDI_ID}`,
      roster: [{ ...base.roster[0]!, name: `${RLO}Sam Whitaker` }],
    },
    sampleSettings(),
  );
  // Rescheduled from Fri, Dec 11, 4:00 PM to Sat, Dec 12, 9:00 AM.
  const movedView = buildGuestPageView({ ...base, request: { ...base.request, date: '2026-12-12', departureTime: '09:00' }, movedFrom: { date: '2026-12-11', departureTime: '16:00', durationHours: 5 } }, sampleSettings());
  // Cancelled after that move: the notice names the trip as the last page showed it.
  const cancelledMovedView = buildGuestPageView({ ...base, request: { ...base.request, date: '2026-12-12', departureTime: '09:00' }, lastSeen: { shown: { date: '2026-12-12', departureTime: '09:00', durationHours: 5 }, movedFrom: { date: '2026-12-11', departureTime: '16:00', durationHours: 5 } } }, sampleSettings());
  // Moved to 9:00 AM that same day, a change whose page never went up; cancelled at noon, before the
  // 4:00 PM trip the guest's page still showed. The name's comma is no "Surname, Given".
  const cancelledUnshownView = buildGuestPageView(
    {
      ...base,
      guestFullName: 'Maria Delgado, Smith wedding',
      request: { ...base.request, departureTime: '09:00' },
      asOfMs: Date.parse('2026-12-05T20:00:00Z'),
      lastSeen: { shown: { date: '2026-12-05', departureTime: '16:00', durationHours: 5 } },
    },
    sampleSettings(),
  );
  // Cancelled two days after it sailed.
  const pastView = buildGuestPageView({ ...base, asOfMs: Date.parse('2026-12-07T18:00:00Z') }, sampleSettings());
  return new Map([
    [`/g/${ID}/moved`, { type: 'text/html; charset=utf-8', body: renderGuestPage(movedView) }],
    [`/g/${ID}/cancelled-moved`, { type: 'text/html; charset=utf-8', body: renderCancelledGuestPage(cancelledMovedView) }],
    [`/g/${ID}/cancelled-unshown`, { type: 'text/html; charset=utf-8', body: renderCancelledGuestPage(cancelledUnshownView) }],
    [`/g/${ID}/cancelled-unshown.ics`, { type: 'text/calendar; charset=utf-8', body: renderGuestCalendar(cancelledUnshownView, { cancelled: true, revision: 3 }) }],
    [`/g/${ID}/cancelled-past`, { type: 'text/html; charset=utf-8', body: renderCancelledGuestPage(pastView) }],
    [`/g/${BIDI_ID}`, { type: 'text/html; charset=utf-8', body: renderGuestPage(bidiView) }],
    [`/g/${BIDI_ID}/cancelled`, { type: 'text/html; charset=utf-8', body: renderCancelledGuestPage(bidiView) }],
    [`/g/${ID}`, { type: 'text/html; charset=utf-8', body: renderGuestPage(view) }],
    [`/g/${ID}.ics`, { type: 'text/calendar; charset=utf-8', body: renderGuestCalendar(view) }],
    [`/g/${HOSTILE_ID}`, { type: 'text/html; charset=utf-8', body: renderGuestPage(hostileView) }],
    // As if a field had escaped its escaping: what the page's own policy must still stop.
    [`/g/${ID}/unescaped`, { type: 'text/html; charset=utf-8', body: renderGuestPage(view).replace('</main>', `${INJECTED}</main>`) }],
    [`/g/${ID}/cancelled-unescaped`, { type: 'text/html; charset=utf-8', body: renderCancelledGuestPage(view).replace('</main>', `${INJECTED}</main>`) }],
  ]);
}

/** WCAG 2 contrast ratio of two CSS rgb()/rgba() colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour and the first opaque background behind it, for each element matching a selector. */
async function colourPairs(page: Page, selectors: string[]) {
  return page.evaluate((sels) => {
    const opaqueBackground = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (!/rgba\(.*,\s*0\)$/.test(bg) && bg !== 'transparent') return bg;
      }
      return 'rgb(255, 255, 255)';
    };
    return sels.flatMap((sel) =>
      [...document.querySelectorAll(sel)].map((el) => ({
        selector: sel,
        color: getComputedStyle(el).color,
        background: opaqueBackground(el),
      })),
    );
  }, selectors);
}

const TEXT_SELECTORS = ['body', 'h1', '.eyebrow', '.lede', 'h2', '.label', '.card p', '.times dt', '.times dd', '.zone',
  '.checkin-time', '.checks li', '.button', 'footer p'];

describeWithChromium('guest page in Chromium', (executablePath) => {
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const shotsDir = mkdtempSync(path.join(tmpdir(), 'guest-page-shots-'));
  const served = pages();
  /** Every path the server was asked for: what the browser really fetched, not what it considered. */
  const serverHits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      serverHits.push(req.url ?? '');
      const hit = served.get(req.url ?? '');
      if (!hit) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': hit.type }).end(hit.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium(executablePath);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    console.log(`guest page screenshots: ${shotsDir}`);
  });

  async function open(viewport: { width: number; height: number }, pathName = `/g/${ID}`) {
    const page = await browser.newPage({ viewport });
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const response = await page.goto(`${baseUrl}${pathName}`, { waitUntil: 'load' });
    return { page, requests, dialogs, response };
  }

  describe.each(VIEWPORTS)('$name $width×$height', (viewport) => {
    let page: Page;
    let requests: string[];

    beforeAll(async () => {
      ({ page, requests } = await open(viewport));
    });
    afterAll(async () => {
      await page?.close();
    });

    test('loads with no request beyond the page itself', () => {
      expect(requests).toEqual([`${baseUrl}/g/${ID}`]);
    });

    test('has no horizontal overflow', async () => {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(innerWidth).toBe(viewport.width);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    });

    test('check-in time is on the first screen; dock and emergency call are visible', async () => {
      const checkIn = page.locator('.checkin-time');
      expect(await checkIn.isVisible()).toBe(true);
      expect(await checkIn.textContent()).toBe('3:30 PM PST');
      const box = await checkIn.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);

      const dock = page.getByText('Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA 92101', { exact: true });
      await dock.scrollIntoViewIfNeeded();
      expect(await dock.isVisible()).toBe(true);

      const call = page.locator('a[href="tel:+16195550142"]');
      await call.scrollIntoViewIfNeeded();
      expect(await call.isVisible()).toBe(true);
      expect(await call.textContent()).toContain('+1 619 555 0142');
      // A thumb-sized target.
      expect((await call.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    });

    test('lang, one h1 and headings in order', async () => {
      const { lang, levels } = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        levels: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1])),
      }));
      expect(lang).toBe('en');
      expect(levels.filter((l) => l === 1)).toHaveLength(1);
      expect(levels[0]).toBe(1);
      levels.forEach((level, i) => {
        if (i > 0) expect(level - levels[i - 1]!).toBeLessThanOrEqual(1);
      });
    });

    test.each(['light', 'dark'] as const)('text meets WCAG AA contrast in %s mode', async (colorScheme) => {
      await page.emulateMedia({ colorScheme });
      const pairs = await colourPairs(page, TEXT_SELECTORS);
      expect(pairs.length).toBeGreaterThan(TEXT_SELECTORS.length);
      const rated = pairs.map((p) => ({ ...p, ratio: Number(contrast(p.color, p.background).toFixed(2)) }));
      const lowest = rated.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      console.log(`contrast ${viewport.name} ${colorScheme}: lowest ${lowest.ratio}:1 (${lowest.selector})`);
      expect(rated.filter((p) => p.ratio < 4.5)).toEqual([]);
      const bodyBackground = pairs.find((p) => p.selector === 'body')!.background;
      const dark = contrast(bodyBackground, 'rgb(0, 0, 0)') < contrast(bodyBackground, 'rgb(255, 255, 255)');
      expect(dark).toBe(colorScheme === 'dark');
      const file = path.join(shotsDir, `guest-page-${viewport.name}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
    });

    test('"Add to calendar" resolves beside the page to a text/calendar file', async () => {
      const href = await page.locator('a', { hasText: 'Add to calendar' }).getAttribute('href');
      expect(href).toBe(`/g/${ID}.ics`);
      const res = await fetch(new URL(href!, page.url()));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
      expect(await res.text()).toMatch(/^BEGIN:VCALENDAR\r\n/);
    });
  });

  describe.each(VIEWPORTS)('after a reschedule, $name $width×$height', (viewport) => {
    let page: Page;

    beforeAll(async () => {
      ({ page } = await open(viewport, `/g/${ID}/moved`));
    });
    afterAll(async () => {
      await page?.close();
    });

    test('the move notice and the new check-in are both on the first screen, notice first, nothing overflows', async () => {
      const notice = page.locator('.moved');
      expect(await notice.isVisible()).toBe(true);
      expect(await notice.locator('h2').textContent()).toBe('Your charter has moved');
      expect((await notice.innerText()).replace(/\s+/g, ' ')).toContain('Now Sat, Dec 12, 9:00 AM PST (was Fri, Dec 11, 4:00 PM PST). Times are Pacific Time (America/Los_Angeles).');
      const checkIn = page.locator('.checkin-time');
      expect(await checkIn.textContent()).toBe('8:30 AM PST');
      const [noticeBox, checkInBox] = [await notice.boundingBox(), await checkIn.boundingBox()];
      expect(noticeBox!.y + noticeBox!.height).toBeLessThanOrEqual(checkInBox!.y);
      expect(checkInBox!.y + checkInBox!.height).toBeLessThanOrEqual(viewport.height);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    });

    test.each(['light', 'dark'] as const)('the notice meets WCAG AA contrast in %s mode', async (colorScheme) => {
      await page.emulateMedia({ colorScheme });
      const pairs = await colourPairs(page, ['.moved h2', '.moved p', '.moved strong', '.moved .was', '.moved a']);
      expect(pairs).toHaveLength(6);
      const rated = pairs.map((p) => ({ ...p, ratio: Number(contrast(p.color, p.background).toFixed(2)) }));
      const lowest = rated.reduce((a, b) => (b.ratio < a.ratio ? b : a));
      console.log(`contrast moved notice ${viewport.name} ${colorScheme}: lowest ${lowest.ratio}:1 (${lowest.selector})`);
      expect(rated.filter((p) => p.ratio < 4.5)).toEqual([]);
      await page.screenshot({ path: path.join(shotsDir, `guest-page-moved-${viewport.name}-${colorScheme}.png`), fullPage: true });
    });
  });

  test.each(VIEWPORTS)('a cancel after a move names the trip the guest last saw, with its time and the one it moved from, within the width ($name)', async (viewport) => {
    const { page } = await open(viewport, `/g/${ID}/cancelled-moved`);
    try {
      expect(await page.locator('.lede').innerText()).toBe('Maria, we’re sorry — your charter aboard JADA on Sat, Dec 12, 2026, 9:00 AM PST (moved from Fri, Dec 11, 4:00 PM PST) will not sail.');
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      await page.screenshot({ path: path.join(shotsDir, `guest-cancelled-moved-${viewport.name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test.each(VIEWPORTS)('a cancel after a change the guest never saw names, and speaks of, the trip they hold: page and .ics ($name)', async (viewport) => {
    const { page } = await open(viewport, `/g/${ID}/cancelled-unshown`);
    try {
      expect(await page.locator('.lede').innerText()).toBe('Maria, we’re sorry — your charter aboard JADA on Sat, Dec 5, 2026, 4:00 PM PST will not sail.');
      // The page's policy lets it fetch nothing: the calendar file is read as the guest's calendar app would.
      const ics = await (await fetch(`${baseUrl}/g/${ID}/cancelled-unshown.ics`)).text();
      expect(ics).toContain('DTSTART;TZID=America/Los_Angeles:20261205T160000');
      expect(ics.replace(/\r\n /g, '')).toContain('it will not sail on Sat\\, Dec 5\\, 2026 at 4:00 PM PST.');
      expect(ics).not.toContain('T090000');
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      await page.screenshot({ path: path.join(shotsDir, `guest-cancelled-unshown-${viewport.name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test.each(VIEWPORTS)('a cancel made after the charter sailed reads in the past ($name)', async (viewport) => {
    const { page } = await open(viewport, `/g/${ID}/cancelled-past`);
    try {
      expect(await page.locator('h1').textContent()).toBe('This charter was cancelled');
      const lede = await page.locator('.lede').innerText();
      expect(lede).toContain('this was your charter aboard JADA on Sat, Dec 5, 2026.');
      expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/will not sail/);
      await page.screenshot({ path: path.join(shotsDir, `guest-cancelled-past-${viewport.name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('hostile text in every field renders as text: no element, no script run', async () => {
    const { page, requests, dialogs } = await open({ width: 390, height: 844 }, `/g/${HOSTILE_ID}`);
    try {
      const dom = await page.evaluate(() => ({
        scripts: document.querySelectorAll('script').length,
        images: document.querySelectorAll('img').length,
        withHandlers: [...document.querySelectorAll('*')].filter((el) =>
          [...el.attributes].some((a) => a.name.startsWith('on')),
        ).length,
        h1: document.querySelector('h1')?.textContent ?? '',
        body: document.body.innerText,
      }));
      expect(dom).toMatchObject({ scripts: 0, images: 0, withHandlers: 0 });
      // The greeting uses the first word of the name (its opening quote dropped); the full payload shows as text elsewhere.
      expect(dom.h1).toBe('Ahoy, ><img!');
      expect(dom.body).toContain(PAYLOAD);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([`${baseUrl}/g/${HOSTILE_ID}`]);
    } finally {
      await page.close();
    }
  });

  test.each(['unescaped', 'cancelled-unescaped'])('markup that escaped its escaping (%s) still runs no script and fetches nothing; the page keeps its styles', async (variant) => {
    const hitsBefore = serverHits.length;
    const { page, dialogs } = await open({ width: 390, height: 844 }, `/g/${ID}/${variant}`);
    try {
      expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(1);
      expect(dialogs).toEqual([]);
      await page.waitForLoadState('networkidle');
      expect(serverHits.slice(hitsBefore)).toEqual([`/g/${ID}/${variant}`]);
      // The policy lets the page's own inline styles through: the hero keeps its coloured band.
      const heroBackground = await page.locator('header').first().evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(heroBackground).not.toMatch(/^rgba\(0, 0, 0, 0\)$/);
    } finally {
      await page.close();
    }
  });

  test('a name with a direction override reads backwards itself, but never turns the text around it', async () => {
    const { page } = await open({ width: 390, height: 844 }, `/g/${BIDI_ID}`);
    try {
      await page.screenshot({ path: path.join(shotsDir, 'guest-page-bidi-override.png'), fullPage: true });
      /** Where character `at` of `needle` is drawn; `needle` lies within one text node of the element. */
      const charBox = (selector: string, needle: string, at = 0) =>
        page.locator(selector).evaluate(
          (el, [text, i]) => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const found = n.textContent!.indexOf(text as string);
              if (found < 0) continue;
              const range = document.createRange();
              range.setStart(n, found + (i as number));
              range.setEnd(n, found + (i as number) + 1);
              const { left, top } = range.getBoundingClientRect();
              return { left, top };
            }
            throw new Error(`${text as string} not in ${el.textContent}`);
          },
          [needle, at] as const,
        );
      const drawnLeftToRight = (a: { left: number; top: number }, b: { left: number; top: number }) => a.top === b.top && a.left < b.left;
      // "Ahoy, <name>!": the exclamation mark stays after the name.
      expect(drawnLeftToRight(await charBox('h1', 'Maria'), await charBox('h1', '!'))).toBe(true);
      // "… with Captain <name>. Here’s everything …"
      expect(drawnLeftToRight(await charBox('.lede', 'Here', 0), await charBox('.lede', 'Here', 1))).toBe(true);
      // "Booking … for <name> · Queen of San Diego Charters"
      expect(drawnLeftToRight(await charBox('footer p', 'Queen', 0), await charBox('footer p', 'Queen', 1))).toBe(true);

      // The cancelled notice at the same URL: "<name>, we’re sorry — …".
      await page.goto(`${baseUrl}/g/${BIDI_ID}/cancelled`, { waitUntil: 'load' });
      expect(drawnLeftToRight(await charBox('.lede', 'sorry', 0), await charBox('.lede', 'sorry', 1))).toBe(true);
      expect(drawnLeftToRight(await charBox('footer p', 'Queen', 0), await charBox('footer p', 'Queen', 1))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
