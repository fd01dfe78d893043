import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGuestPageView } from '../../../src/integrations/guest-page/view';
import { createGuestPageRenderer, renderCancelledGuestPage, renderGuestPage } from '../../../src/integrations/guest-page/render';
import { IntegrationError } from '../../../src/integrations/errors';
import { sampleSettings, sampleSource } from '../../support/guest-page-fixture';

const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"];

/** Names of every tag the HTML tokenizer would open: `<` followed by a letter starts a tag. */
function tagNames(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase()));
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body header div p h1 h2 h3 strong bdi main section span time dl dt dd a ul li footer'.split(' '),
);

function hostilePage(payload: string): string {
  const source = sampleSource({ guestFullName: `${payload} Smith` });
  const settings = sampleSettings({
    operatorName: payload,
    vesselName: payload,
    dockAddress: payload,
    dockMapUrl: `https://maps.example.com/?q=${payload}`,
    emergencyPhone: `+1 619 555 0142 ${payload}`,
    safetyBriefing: payload,
    weatherNote: payload,
    whatToBring: [payload, 'Hat'],
  });
  const view = buildGuestPageView(
    { ...source, roster: [{ slackUserId: 'U0CAPTAIN1', name: `${payload} Whitaker`, role: 'captain' }] },
    settings,
  );
  return renderGuestPage(view);
}

describe('renderGuestPage', () => {
  const view = buildGuestPageView(sampleSource(), sampleSettings());
  const html = renderGuestPage(view);

  test('is one small, self-contained HTML file', () => {
    const bytes = Buffer.byteLength(html, 'utf8');
    console.log(`guest page: ${bytes} bytes`);
    expect(bytes).toBeLessThan(20 * 1024);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/src=/i);
  });

  test('has the head a texted link needs and search engines respect', () => {
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Your charter aboard JADA · Sat, Dec 5, 2026</title>');
    expect(html).toContain('<meta property="og:title" content="Your charter aboard JADA · Sat, Dec 5, 2026">');
    expect(html).toMatch(/<meta property="og:description" content="Check in 3:30 PM PST/);
    expect(html).toContain('<meta property="og:type" content="website">');
    expect(html).not.toContain('og:image');
    expect(html).toContain('prefers-color-scheme:dark');
  });

  test('one h1, and headings never skip a level', () => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    expect(levels[0]).toBe(1);
    levels.forEach((level, i) => {
      if (i > 0) expect(level - levels[i - 1]!).toBeLessThanOrEqual(1);
    });
  });

  test('shows what the guest needs, and links calendar, map and a phone call', () => {
    for (const text of ['Ahoy, <bdi>Maria</bdi>!', '3:30 PM PST', '4:00 PM PST', '9:00 PM PST', 'Pacific Time (America/Los_Angeles)',
      'Harbor Island West Marina', '6 guests', 'Sam', 'Sunscreen, sunglasses and a hat', 'safety briefing', 'We sail in most weather']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('href="/g/7K3M9QX2TB4D.ics"');
    expect(html).toContain('href="tel:+16195550142"');
    expect(html).toContain('href="https://maps.google.com/?q&#x3D;Harbor%20Island');
    expect(html).not.toContain('Whitaker');
    expect(html).not.toContain('crew.example');
    expect(html).not.toContain('$');
  });

  test.each([
    ['Maria, Jose and the kids', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['Dr. Maria Lopez', 'Ahoy, <bdi>Dr. Maria Lopez</bdi>!', '<bdi>Dr. Maria Lopez</bdi>, we’re sorry'],
    ['Mr. & Mrs. Smith', 'Ahoy, <bdi>Mr. &amp; Mrs. Smith</bdi>!', '<bdi>Mr. &amp; Mrs. Smith</bdi>, we’re sorry'],
    ['Delgado, Maria', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['Smith, Jr.', 'Ahoy, <bdi>Smith</bdi>!', '<bdi>Smith</bdi>, we’re sorry'],
    // A comma that is no "Surname, Given": the name keeps its order.
    ['Maria Delgado, Smith wedding', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['Maria Delgado, RN', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['Delgado, Maria and Jose', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['Smith, Dr. & Mrs.', 'Ahoy, <bdi>Dr. &amp; Mrs. Smith</bdi>!', '<bdi>Dr. &amp; Mrs. Smith</bdi>, we’re sorry'],
    ['"Maria" Delgado', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['(Maria) Delgado', 'Ahoy, <bdi>Maria</bdi>!', '<bdi>Maria</bdi>, we’re sorry'],
    ['👨‍👩‍👧‍👦 Zoë Family', 'Ahoy, <bdi>Zoë</bdi>!', '<bdi>Zoë</bdi>, we’re sorry'],
    // An initial alone greets nobody: the name as the guest signs it.
    ['J. Smith', 'Ahoy, <bdi>J. Smith</bdi>!', '<bdi>J. Smith</bdi>, we’re sorry'],
    ['Smith, J.R.', 'Ahoy, <bdi>J.R. Smith</bdi>!', '<bdi>J.R. Smith</bdi>, we’re sorry'],
    // No word of it is a name: a greeting without one.
    ['👨‍👩‍👧‍👦', '<h1>Ahoy!</h1>', '<p class="lede">We’re sorry'],
    ['— 42 —', '<h1>Ahoy!</h1>', '<p class="lede">We’re sorry'],
  ])('the guest named %j is greeted as a person: %s', (guestName, greeting, cancelled) => {
    const v = buildGuestPageView(sampleSource({ guestFullName: guestName, request: { ...sampleSource().request, guestName } }), sampleSettings());
    expect(renderGuestPage(v)).toContain(greeting);
    expect(renderCancelledGuestPage(v)).toContain(cancelled);
  });

  test('the cancelled page asks the guest to call about another day, not to call "on the day"', () => {
    const v = buildGuestPageView(sampleSource(), sampleSettings());
    const cancelled = renderCancelledGuestPage(v);
    expect(cancelled).toContain('Questions, or booking another day?');
    expect(cancelled).not.toContain('Running late');
    expect(cancelled).toContain(v.emergency.phoneText);
    expect(renderGuestPage(v)).toContain('Running late or need help?');
  });

  test('the cancelled page of a trip still ahead says it will not sail; of one whose departure had passed, that it was theirs', () => {
    const ahead = renderCancelledGuestPage(buildGuestPageView(sampleSource(), sampleSettings()));
    expect(ahead).toContain('on <strong>Sat, Dec 5, 2026</strong> will not sail.');
    // The departure itself (4:00 PM PST is 00:00 UTC the next day) already counts as gone by.
    const departure = Date.parse('2026-12-06T00:00:00Z');
    expect(buildGuestPageView(sampleSource({ asOfMs: departure - 1 }), sampleSettings()).departurePassed).toBe(false);
    const past = renderCancelledGuestPage(buildGuestPageView(sampleSource({ asOfMs: departure }), sampleSettings()));
    expect(past).toContain('<h1>This charter was cancelled</h1>');
    expect(past).toContain('this was your charter aboard <strong>JADA</strong> on <strong>Sat, Dec 5, 2026</strong>.');
    expect(past).not.toMatch(/will not/);
  });

  test('after a move, a notice before everything else gives the new departure and the old one, in the operator zone, and links the calendar update', () => {
    const base = sampleSource();
    const moved = buildGuestPageView({ ...base, request: { ...base.request, date: '2026-12-12', departureTime: '09:00' }, movedFrom: { date: '2026-12-11', departureTime: '16:00', durationHours: 5 } }, sampleSettings());
    expect(moved.moved).toEqual({ nowText: 'Sat, Dec 12, 9:00 AM PST', wasText: 'Fri, Dec 11, 4:00 PM PST' });
    const page = renderGuestPage(moved);
    const notice = /<section class="card moved"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(notice).toContain('<h2 id="moved-title">Your charter has moved</h2>');
    expect(notice).toContain('Now <strong>Sat, Dec 12, 9:00 AM PST</strong> <span class="was">(was Fri, Dec 11, 4:00 PM PST)</span>.');
    expect(notice).toContain('Times are Pacific Time (America/Los_Angeles).');
    expect(notice).toContain('href="/g/7K3M9QX2TB4D.ics"');
    // The first card of the page, before the check-in.
    expect(page.indexOf('class="card moved"')).toBeLessThan(page.indexOf('class="card when"'));
    expect(page).not.toContain('$');
    for (const tag of tagNames(page)) expect(ALLOWED_TAGS).toContain(tag);
  });

  test('no notice for a charter that never moved, or whose old departure is the same instant', () => {
    expect(html).not.toContain('has moved');
    const same = buildGuestPageView(sampleSource({ movedFrom: { date: '2026-12-05', departureTime: '16:00', durationHours: 3 } }), sampleSettings());
    expect(same.moved).toBeNull();
    expect(renderGuestPage(same)).not.toContain('has moved');
  });

  test('a move across New Year names both years; the abbreviation is each date’s own (PDT before the clocks change, PST after)', () => {
    const base = sampleSource();
    const acrossYear = buildGuestPageView({ ...base, request: { ...base.request, date: '2027-01-02', departureTime: '09:00' }, movedFrom: { date: '2026-12-31', departureTime: '16:00', durationHours: 5 } }, sampleSettings());
    expect(acrossYear.moved).toEqual({ nowText: 'Sat, Jan 2, 2027, 9:00 AM PST', wasText: 'Thu, Dec 31, 2026, 4:00 PM PST' });
    const acrossClockChange = buildGuestPageView({ ...base, request: { ...base.request, date: '2026-11-07', departureTime: '10:00' }, movedFrom: { date: '2026-10-31', departureTime: '10:00', durationHours: 5 } }, sampleSettings());
    expect(acrossClockChange.moved).toEqual({ nowText: 'Sat, Nov 7, 10:00 AM PST', wasText: 'Sat, Oct 31, 10:00 AM PDT' });
  });

  test('the cancelled page carries no move notice', () => {
    const base = sampleSource();
    const moved = buildGuestPageView({ ...base, movedFrom: { date: '2026-12-04', departureTime: '16:00', durationHours: 5 } }, sampleSettings());
    expect(moved.moved).toEqual({ nowText: 'Sat, Dec 5, 4:00 PM PST', wasText: 'Fri, Dec 4, 4:00 PM PST' });
    expect(renderCancelledGuestPage(moved)).not.toContain('has moved');
  });

  test.each(PAYLOADS)('%s in every text field stays text', (payload) => {
    const page = hostilePage(payload);
    for (const tag of tagNames(page)) expect(ALLOWED_TAGS).toContain(tag);
    expect(page).not.toMatch(/\sonerror=|\sonload=/i);
    expect(page).toContain('&lt;');
    // The hostile captain surname still never shows; the first name is the payload's first word.
    expect(page).not.toContain('Whitaker');
  });

  test('strict mode: a template that names a missing field fails loudly instead of rendering a blank', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'guest-tpl-'));
    mkdirSync(path.join(dir, 'partials'));
    writeFileSync(path.join(dir, 'guest-page.hbs'), '<p>{{> greet}}</p>');
    writeFileSync(path.join(dir, 'partials', 'greet.hbs'), 'Hi {{guestNickname}}');
    const render = createGuestPageRenderer(dir);
    expect(() => render(view)).toThrow(/guestNickname/);
  });

  test('a missing template folder is a typed, non-retryable error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'guest-empty-'));
    let thrown: unknown;
    try {
      createGuestPageRenderer(dir);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IntegrationError);
    expect(thrown).toMatchObject({ code: 'GUEST_TEMPLATE_MISSING', retryable: false });
  });
});
