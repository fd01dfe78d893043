/**
 * The iCal watcher against a local feed server (real HTTP, conditional GETs) and the Slack stand-in,
 * with the real app polling through its periodic scheduler. New, moved and cancelled events each
 * produce one notice — also across a restart and with two processes polling the same store — and a
 * feed answering 500 or garbage is reported once and polled again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import { IcalFeedClient } from '../../../src/integrations/ical-feed';
import { createLogger } from '../../../src/log';
import { pollFeeds } from '../../../src/slack/intake/ical-watcher';
import { startIcalFeedStandin, type IcalFeedStandin, type StandinEvent } from '../../../src/sandbox/ical-feed-standin';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, clickInOps, doneBooking, OPS_CHANNEL, proposeChange, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from '../slack/harness';

let feed: IcalFeedStandin;
let dir: string;
const running: Harness[] = [];

const LA = 'America/Los_Angeles';
/** A day `weeks` weeks from now (within the schema's two-year horizon) at a local wall time. */
const base = DateTime.now().setZone(LA).startOf('day').plus({ days: 30 });
const local = (weeks: number, time: string) => DateTime.fromISO(`${base.plus({ weeks }).toISODate()}T${time}`, { zone: LA });
const day = (dt: DateTime) => dt.setLocale('en-US').toFormat('ccc, LLL d');
const zone = (dt: DateTime) => dt.setLocale('en-US').toFormat('ZZZZ');
const at = (weeks: number, from: string, to: string): Pick<StandinEvent, 'start' | 'end'> => ({ start: local(weeks, from).toJSDate(), end: local(weeks, to).toJSDate() });
const isoDate = (weeks: number) => local(weeks, '00:00').toISODate() ?? '';

const A: StandinEvent = { uid: 'bs-1001@boatsetter.com', ...at(0, '10:00', '15:00'), summary: 'Boatsetter booking: Maria Delgado (6 guests)', description: 'Booking ID: BS-1001\nRenter: Maria Delgado\nEmail: maria@example.com\nPassengers: 6' };
// Covered by charters made by hand: their platform references are in the descriptions.
const B: StandinEvent = { uid: 'bs-2002@boatsetter.com', ...at(2, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-2002' };
const C: StandinEvent = { uid: 'bs-3003@boatsetter.com', ...at(3, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-3003' };
const PAST: StandinEvent = { uid: 'bs-0999@boatsetter.com', start: new Date('2020-01-01T18:00:00Z'), end: new Date('2020-01-01T22:00:00Z'), summary: 'old trip' };

async function startBot(): Promise<Harness> {
  const h = await startHarness({ env: { CHARTER_ICAL_FEEDS: `Boatsetter=${feed.feedUrl('boatsetter')}`, CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}` } });
  running.push(h);
  await h.running.built.periodic.runOnce(); // the start-up poll, settled
  return h;
}

async function stopBot(h: Harness): Promise<void> {
  running.splice(running.indexOf(h), 1);
  await h.close();
}

const posts = (h: Harness): RecordedSlackCall[] => h.slack.callsTo('chat.postMessage').filter((c) => !JSON.stringify(c.body.blocks ?? '').includes('booking_approve') && !String(c.body.text).startsWith('Charter for'));
const blocksOf = (c: RecordedSlackCall | undefined) => (typeof c?.body.blocks === 'string' ? c.body.blocks : JSON.stringify(c?.body.blocks ?? []));

beforeAll(async () => {
  feed = await startIcalFeedStandin();
  dir = mkdtempSync(join(tmpdir(), 'charter-ical-'));
});
afterAll(async () => {
  for (const h of running.splice(0)) await h.close();
  await feed.close();
  rmSync(dir, { recursive: true, force: true });
});

/** How the notices name a trip's times. */
const whenAt = (weeks: number, from: string, to: string) => `${day(local(weeks, from))}, ${DateTime.fromFormat(from, 'HH:mm').toFormat('h:mm a')} – ${DateTime.fromFormat(to, 'HH:mm').toFormat('h:mm a')} ${zone(local(weeks, to))}`;

/** What a bot polling its own feed `name`, with a store of its own, is started with. */
const feedEnv = (name: string) => ({ CHARTER_ICAL_FEEDS: `Boatsetter=${feed.feedUrl(name)}`, CHARTER_STORE: `sqlite:${join(dir, `${name}.db`)}` });

/** A bot on its own feed `name`, listing `events`, and store, once its start-up poll has settled. */
async function botOnFeed(name: string, events: StandinEvent[]): Promise<Harness> {
  feed.setEvents(name, events);
  const h = await startHarness({ env: feedEnv(name) });
  running.push(h);
  await h.running.built.periodic.runOnce();
  return h;
}

/** A bot on its own feed and store; `tick` lists `events` and polls twice (the second must add nothing). */
async function world(name: string) {
  const env = feedEnv(name);
  const h = await botOnFeed(name, []);
  const tick = async (events: StandinEvent[]) => { feed.setEvents(name, events); await h.running.built.periodic.runOnce(); await h.running.built.periodic.runOnce(); };
  const charter = (weeks: number, from: string, hours: string, platformRef: string) => submitBooking(h, { ...VALID_FIELDS, date: isoDate(weeks), departureTime: from, durationHours: hours, boatsetterRef: undefined, platform: 'Boatsetter', platformRef } as never);
  const threadOf = async (id: string) => (await h.running.built.api.get(id))?.slack.approvalTs;
  const said = () => posts(h).map((c) => [String(c.body.text), c.body.thread_ts]);
  return { h, env, tick, charter, threadOf, said };
}

describe('iCal watcher', () => {
  let h: Harness;
  let bookingB: string;
  let bookingC: string;

  it('posts one notice for a new event no charter covers, none for covered or past events', async () => {
    feed.setEvents('boatsetter', []);
    h = await startBot();
    bookingB = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(2), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-2002' } as never);
    bookingC = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(3), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-3003' } as never);
    h.slack.clear();
    feed.setEvents('boatsetter', [A, B, C, PAST]);
    await h.running.built.periodic.runOnce();
    const notices = posts(h);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.body.channel).toBe(OPS_CHANNEL);
    expect(notices[0]?.body.text).toBe(`New Boatsetter booking · ${day(local(0, '10:00'))}, 10:00 AM – 3:00 PM ${zone(local(0, '10:00'))}`);
    expect(blocksOf(notices[0])).toContain('Create charter');

    // unchanged feed: a conditional GET answered 304, and nothing posted
    await h.running.built.periodic.runOnce();
    expect(posts(h)).toHaveLength(1);
    const last = feed.requests[feed.requests.length - 1];
    expect(last?.ifNoneMatch).toMatch(/^"/);
    expect(last?.status).toBe(304);
  });

  it('[Create charter] opens the modal prefilled from the event, views.open first', async () => {
    const notice = posts(h)[0];
    const button = (JSON.parse(blocksOf(notice)) as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'ical_create_charter');
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_create_charter', value: button?.value ?? '', channelId: OPS_CHANNEL }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    expect(h.slack.calls[0]?.method).toBe('views.open');
    const view = JSON.stringify(h.slack.calls[0]?.body.view);
    for (const expected of [`"initial_date":"${isoDate(0)}"`, '"initial_time":"10:00"', '"initial_value":"5"', '"initial_value":"Boatsetter"', '"initial_value":"BS-1001"', '"initial_value":"Maria Delgado"', '"initial_value":"6"', 'the Boatsetter calendar']) {
      expect(view).toContain(expected);
    }
  });

  it('an event not yet in the store is a busy block for the conflict check, until the charter made from it exists', async () => {
    const n = approvalPosts(h.slack).length;
    await submitBooking(h, { ...VALID_FIELDS, date: isoDate(0), departureTime: '14:00', durationHours: '3', boatsetterRef: undefined } as never);
    expect(blocksOf(approvalPosts(h.slack)[n])).toContain(`Overlaps a Boatsetter booking not yet in charter-bot (${day(local(0, '10:00'))}, 10:00 AM – 3:00 PM ${zone(local(0, '10:00'))})`);
    // the charter created from the event itself does not conflict with its own event
    await submitBooking(h, { ...VALID_FIELDS, captain: 'U0CAPTAIN1', crew: [], date: isoDate(0), departureTime: '10:00', durationHours: '5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-1001' } as never);
    expect(blocksOf(approvalPosts(h.slack)[n + 1])).not.toContain('not yet in charter-bot');
  });

  it('a moved event gets one notice in its charter’s thread with [Reschedule], also after a restart', async () => {
    h.slack.clear();
    const movedB = { ...B, ...at(2, '11:00', '15:00') };
    feed.setEvents('boatsetter', [A, movedB, C]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const notices = posts(h);
    expect(notices).toHaveLength(1);
    const booking = await h.running.built.api.get(bookingB);
    expect(notices[0]?.body.thread_ts).toBe(booking?.slack.approvalTs);
    expect(notices[0]?.body.text).toBe(`Boatsetter moved this booking: was ${day(local(2, '10:00'))}, 10:00 AM – 2:00 PM ${zone(local(2, '14:00'))}, now ${day(local(2, '10:00'))}, 11:00 AM – 3:00 PM ${zone(local(2, '15:00'))}.`);
    expect(blocksOf(notices[0])).toContain('ical_reschedule');

    // [Reschedule] hands over to the command until the change flow owns the button
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_reschedule', value: bookingB, channelId: OPS_CHANNEL }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toContain(`/charter reschedule ${bookingB}`);

    // restart: a new process on the same store, with the feed unchanged, says nothing again
    await stopBot(h);
    h = await startBot();
    await h.running.built.periodic.runOnce();
    expect(posts(h)).toHaveLength(0);
  });

  it('STATUS:CANCELLED and an event that disappears each get one notice with [Cancel charter]', async () => {
    feed.setEvents('boatsetter', [A, { ...B, ...at(2, '11:00', '15:00'), status: 'CANCELLED' }]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const notices = posts(h);
    expect(notices.map((n) => n.body.text)).toEqual([
      `Boatsetter marked it cancelled (${day(local(2, '11:00'))}, 11:00 AM – 3:00 PM ${zone(local(2, '15:00'))}).`,
      `Boatsetter no longer lists it (${day(local(3, '10:00'))}, 10:00 AM – 2:00 PM ${zone(local(3, '14:00'))}).`,
    ]);
    expect(notices.map((n) => n.body.thread_ts)).toEqual([(await h.running.built.api.get(bookingB))?.slack.approvalTs, (await h.running.built.api.get(bookingC))?.slack.approvalTs]);
    expect(blocksOf(notices[1])).toContain('ical_cancel_charter');
  });

  it('two processes polling the same store post a new event once', async () => {
    const second = await startBot();
    h.slack.clear();
    second.slack.clear();
    const D: StandinEvent = { uid: 'bs-4004@boatsetter.com', ...at(5, '10:00', '12:00'), summary: 'Boatsetter booking' };
    feed.setEvents('boatsetter', [A, D]);
    await Promise.all([h.running.built.periodic.runOnce(), second.running.built.periodic.runOnce()]);
    const all = [...posts(h), ...posts(second)];
    expect(all.map((c) => c.body.text)).toEqual([`New Boatsetter booking · ${day(local(5, '10:00'))}, 10:00 AM – 12:00 PM ${zone(local(5, '12:00'))}`]);
    await stopBot(second);
  });

  it('a feed answering 500, then garbage, is reported once per streak and polled again every tick', async () => {
    h.slack.clear();
    const before = feed.requests.length;
    feed.fail('boatsetter', { status: 500 }, 3);
    for (let i = 0; i < 3; i++) await h.running.built.periodic.runOnce();
    expect(feed.requests.length - before).toBe(3);
    expect(posts(h).map((c) => c.body.text)).toEqual([expect.stringMatching(/^:warning: The Boatsetter calendar feed answered 500/)]);
    // the next poll reads it again
    await h.running.built.periodic.runOnce();
    expect(posts(h).map((c) => c.body.text)).toEqual([expect.stringContaining('answered 500'), ':white_check_mark: The Boatsetter calendar feed reads again.']);

    h.slack.clear();
    feed.fail('boatsetter', { malformed: true }, 2);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const texts = posts(h).map((c) => String(c.body.text));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/did not parse as iCalendar/);
    expect(texts[1]).toContain('reads again');
    // the feed URL (and its token) never reaches Slack or the logs
    expect(JSON.stringify(h.slack.calls)).not.toContain(feed.feedUrl('boatsetter'));
    expect(h.logLines.join('')).not.toContain(feed.feedUrl('boatsetter'));
  });

  it('on Lambda (gated polls) a feed is fetched once per interval however often the schedule ticks, by one process', async () => {
    const feeds = new IcalFeedClient();
    const client = new WebClient('xoxb-test-bot-token', { slackApiUrl: `${(h.config.slack.apiUrl ?? '').replace(/\/?$/, '/')}`, retryConfig: { retries: 0 } });
    const deps = { store: h.running.built.store, client, config: h.config, log: createLogger({ level: 'silent' }), feeds, minPollGapMs: 14.5 * 60_000 };
    try {
      const t0 = Date.now();
      const before = feed.requests.length;
      await Promise.all([pollFeeds(deps, t0), pollFeeds(deps, t0)]); // two Lambda instances, same tick
      await pollFeeds(deps, t0 + 60_000);
      await pollFeeds(deps, t0 + 14 * 60_000);
      expect(feed.requests.length - before).toBe(1);
      await pollFeeds(deps, t0 + 15 * 60_000);
      expect(feed.requests.length - before).toBe(2);
    } finally {
      await feeds.close();
    }
  });
});

describe('[Create charter] once the charter exists (review 2026-12-07, intake #7)', () => {
  const E: StandinEvent = { uid: 'bs-7007@boatsetter.com', ...at(5, '09:00', '13:30'), summary: 'Boatsetter booking: José Núñez & family <VIP>', description: 'Booking ID: BS-7007\nRenter: José Núñez\nPassengers: 6' };
  const headline = `New Boatsetter booking · ${day(local(5, '09:00'))}, 9:00 AM – 1:30 PM ${zone(local(5, '09:00'))}`;
  const noticeMessage = (h: Harness, ts: string) => h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts);
  const createButton = (blocks: unknown) => (blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'ical_create_charter');

  /** [Create charter] clicked as Slack sends it (the message's ts, text and blocks); the form it opened. */
  async function clickCreate(h: Harness, ts: string, text: string, blocks: unknown[]): Promise<{ view: string; metadata: string }> {
    const opened = h.slack.callsTo('views.open').length;
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_create_charter', value: createButton(blocks)?.value ?? '', channelId: OPS_CHANNEL, messageTs: ts, messageText: text, messageBlocks: blocks }));
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'views.open').length > opened);
    const view = h.slack.callsTo('views.open')[opened]?.body.view;
    const parsed = (typeof view === 'string' ? JSON.parse(view) : view) as { private_metadata: string };
    return { view: JSON.stringify(parsed), metadata: String(parsed.private_metadata) };
  }

  /** The form submitted; the request's id once its notice was redrawn. */
  async function submitFrom(h: Harness, ts: string, metadata: string, guestName: string, edited: Record<string, string> = {}): Promise<string> {
    const n = approvalPosts(h.slack).length;
    const updates = h.slack.callsTo('chat.update').filter((c) => c.body.ts === ts).length;
    await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestName, date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7007', ...edited } as never), privateMetadata: metadata }));
    await h.slack.waitFor(() => approvalPosts(h.slack).length > n);
    const id = (approvalPosts(h.slack)[n]?.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id ?? '';
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.update' && c.body.ts === ts).length > updates);
    return id;
  }

  /** A bot on its own feed listing E, and the request made from E's notice (`edited`: fields changed in the form before submitting). */
  async function requestFromNotice(name: string, edited: Record<string, string> = {}): Promise<{ h: Harness; ts: string; id: string }> {
    const h = await botOnFeed(name, [E]);
    const notice = posts(h)[0];
    const ts = String(notice?.response?.ts);
    const { metadata } = await clickCreate(h, ts, String(notice?.body.text), JSON.parse(blocksOf(notice)) as unknown[]);
    return { h, ts, id: await submitFrom(h, ts, metadata, VALID_FIELDS.guestName, edited) };
  }

  it('a request whose time and reference were edited in the notice\'s form is warned that the feed lists its trip at the other time, not that it overlaps a booking not in charter-bot', async () => {
    const { h, id } = await requestFromNotice('notice-edited-warning', { departureTime: '10:00', durationHours: '3', platformRef: 'BS-7999' });
    const warnings = (await h.running.built.api.get(id))?.warnings ?? [];
    expect(warnings.join('\n')).not.toContain('not yet in charter-bot');
    expect(warnings).toContain(`Boatsetter lists this trip at ${day(local(5, '09:00'))}, 9:00 AM – 1:30 PM ${zone(local(5, '09:00'))}, not at this time: change it on Boatsetter too, or check the time.`);
  });

  it.each(['made from its notice', 'booked by hand under its reference'])('a change moving a charter the feed lists (%s) is warned to move the trip on the platform too, not that the platform moved it', async (how) => {
    const trip = { ...VALID_FIELDS, date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7007' };
    const name = how.startsWith('made') ? 'change-warning-notice' : 'change-warning-hand';
    const { h, id } = how.startsWith('made') ? await requestFromNotice(name) : await (async () => {
      feed.setEvents(name, [E]);
      const started = await startHarness({ env: feedEnv(name) });
      running.push(started);
      return { h: started, id: await submitBooking(started, trip) };
    })();
    await clickInOps(h, 'booking_approve', id);
    const done = await waitForBooking(h, id, (b) => b.state === 'done');
    const op = await proposeChange(h, id, 'reschedule', { ...trip, guestName: done.request.guestName, departureTime: '12:00' });
    const warnings = (await h.running.built.api.get(id))?.operations?.find((o) => o.id === op)?.warnings ?? [];
    expect(warnings).toContain(`Boatsetter lists this trip at ${day(local(5, '09:00'))}, 9:00 AM – 1:30 PM ${zone(local(5, '09:00'))}, not at this time: change it on Boatsetter too, or check the time.`);
    expect(warnings.join('\n')).not.toContain('moved the trip after');
  });

  it('the notice is redrawn naming the charter and who made it, with no button left to book it again', async () => {
    const { h, ts, id } = await requestFromNotice('notice-created');
    const held = noticeMessage(h, ts);
    const shown = JSON.stringify(held?.blocks);
    expect(shown).not.toContain('ical_create_charter');
    expect(shown).toContain(headline);
    expect(shown).toContain(`Charter \`${id}\` created by <@${APPROVER}>.`);
    expect(shown).not.toContain('no charter covers it yet');
    // which trip it was stays on the notice (review 2026-12-07, diff #46 item 3)
    const section = (held?.blocks as { type: string; text?: { text: string } }[])[0];
    expect(section?.text?.text).toBe(`:white_check_mark: *${headline}*\nBoatsetter booking: José Núñez &amp; family &lt;VIP&gt;`);
  });

  it('a request cancelled before approval: the notice offers [Create charter] again, through later polls, and a charter made from it is marked as before (review s53 M2)', async () => {
    const { h, ts, id } = await requestFromNotice('notice-request-cancelled');
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => createButton(noticeMessage(h, ts)?.blocks) !== undefined);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();

    const held = noticeMessage(h, ts);
    const section = (held?.blocks as { type: string; text?: { text: string } }[])[0];
    expect(section?.text?.text).toBe(`:inbox_tray: *${headline}*\nBoatsetter booking: José Núñez &amp; family &lt;VIP&gt;`);
    expect(JSON.stringify(held?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval and booked nothing`);
    expect(JSON.stringify(held?.blocks)).not.toContain('created by');
    // the polls posted no second notice for the trip
    expect(posts(h).filter((c) => String(c.body.text).startsWith('New Boatsetter booking'))).toHaveLength(1);

    // The form opens with the cancelled request's details, and the charter made from it marks the notice as the first did.
    const { view, metadata } = await clickCreate(h, ts, String(held?.text), held?.blocks as unknown[]);
    expect(view).toContain(`"initial_value":"${VALID_FIELDS.guestName}"`);
    expect(view).toContain(`"initial_date":"${isoDate(5)}"`);
    const second = await submitFrom(h, ts, metadata, 'Second Try');
    expect(second).not.toBe(id);
    // It keeps the trip the notice offers, as the first did: its own cancel is judged by that event (review s54 N2).
    expect((await h.running.built.api.get(second))?.slack.intakeNotice?.offered).toMatchObject({ feed: 'Boatsetter', uid: E.uid, date: isoDate(5), departureTime: '09:00', durationHours: 4.5 });
    const redrawn = (noticeMessage(h, ts)?.blocks as { type: string; text?: { text: string } }[]).map((b) => JSON.stringify(b)).join('');
    expect(redrawn).toContain(`:white_check_mark: *${headline}*`);
    expect(redrawn).toContain(`Charter \`${second}\` created by <@${APPROVER}>.`);
    expect(redrawn).not.toContain('ical_create_charter');
  });

  it.each([
    ['time', { departureTime: '10:00' }],
    ['reference and time', { departureTime: '10:00', durationHours: '3', platformRef: 'BS-7999' }],
  ])('a request whose %s was edited in the form, cancelled before approval: the notice offers [Create charter] again at the feed\'s time (review s54 N2)', async (_what, edited) => {
    const name = `n2-${Object.keys(edited).length}`;
    const { h, ts, id } = await requestFromNotice(name, edited);
    expect((await h.running.built.api.get(id))?.request.departureTime).toBe('10:00');
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => JSON.stringify(noticeMessage(h, ts)?.blocks).includes('made from this notice was cancelled'));
    const held = noticeMessage(h, ts);
    expect(JSON.stringify(held?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval and booked nothing`);
    expect(createButton(held?.blocks)).toBeDefined();
    // The form opens at the time and under the reference the notice offers, the rest as the request said.
    const { view } = await clickCreate(h, ts, String(held?.text), held?.blocks as unknown[]);
    expect(view).toContain('"initial_time":"09:00"');
    expect(view).toContain('"initial_value":"4.5"');
    expect(view).toContain('"initial_value":"BS-7007"');
    expect(view).toContain(`"initial_value":"${VALID_FIELDS.guestName}"`);
  });

  const cancelShown = (h: Harness, ts: string) => JSON.stringify(noticeMessage(h, ts)?.blocks).includes('made from this notice was cancelled');

  it('a request cancelled as the duplicate of another request for the trip: no [Create charter], the notice names the request that holds it, through its approval and later polls (review s53 OWN53)', async () => {
    const { h, ts, id } = await requestFromNotice('own53-dup');
    const other = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Jose Nunez', date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7007' } as never);
    await h.running.built.periodic.runOnce();
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => cancelShown(h, ts));
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval; \`${other}\` holds this trip, so there is nothing to create.`);
    await clickInOps(h, 'booking_approve', other);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(posts(h).filter((c) => String(c.body.text).startsWith('New Boatsetter booking'))).toHaveLength(1);
  });

  it.each([
    ['cancelled before approval', false],
    ['approved, then cancelled as a charter', true],
  ])('a request cancelled as the duplicate of another, that other then %s: the notice naming it is judged again and offers [Create charter] (review s54 N1)', async (_how, approve) => {
    const { h, ts, id } = await requestFromNotice(`n1-${approve ? 'charter' : 'request'}`);
    const other = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Jose Nunez', date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7007' } as never);
    if (approve) {
      await clickInOps(h, 'booking_approve', other);
      await waitForBooking(h, other, (b) => b.state === 'done');
    }
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => JSON.stringify(noticeMessage(h, ts)?.blocks).includes(`\`${other}\` holds this trip`));
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();

    await clickInOps(h, 'booking_cancel', other);
    await h.slack.waitFor(() => createButton(noticeMessage(h, ts)?.blocks) !== undefined);
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval and booked nothing`);
    // later polls (the charter's cancel under way: this bot has no calendar or SCC to undo it with) leave it offered, and post no second notice for the trip
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeDefined();
    expect(posts(h).filter((c) => String(c.body.text).startsWith('New Boatsetter booking'))).toHaveLength(1);
  });

  it('two duplicates holding the trip, cancelled one after the other: the notice names the one left, then offers [Create charter] (review s54 N1)', async () => {
    const { h, ts, id } = await requestFromNotice('n1-chain');
    const dup = (guestName: string) => submitBooking(h, { ...VALID_FIELDS, guestName, date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7007' } as never);
    const holders = [await dup('Jose Nunez'), await dup('J. Nunez')];
    const named = () => holders.find((x) => JSON.stringify(noticeMessage(h, ts)?.blocks).includes(`\`${x}\` holds this trip`));
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => named() !== undefined);
    const first = named() ?? '';
    const second = holders.find((x) => x !== first) ?? '';

    await clickInOps(h, 'booking_cancel', first);
    await h.slack.waitFor(() => named() === second);
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    await clickInOps(h, 'booking_cancel', second);
    await h.slack.waitFor(() => createButton(noticeMessage(h, ts)?.blocks) !== undefined);
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval and booked nothing`);
  });

  /** Two forms opened from the notice of `event` (on its own feed `name`), submitted with `edits`; the first request then cancelled before approval. */
  async function twoFormsFirstCancelled(name: string, event: StandinEvent, edits: [Record<string, string>, Record<string, string>]): Promise<{ h: Harness; ts: string; r0: string; r1: string }> {
    const h = await botOnFeed(name, [event]);
    const notice = posts(h)[0];
    const ts = String(notice?.response?.ts);
    const blocks = JSON.parse(blocksOf(notice)) as unknown[];
    const f1 = await clickCreate(h, ts, String(notice?.body.text), blocks);
    const f2 = await clickCreate(h, ts, String(notice?.body.text), blocks);
    const r0 = await submitFrom(h, ts, f1.metadata, 'First', edits[0]);
    const r1 = await submitFrom(h, ts, f2.metadata, 'Second', edits[1]);
    expect((await h.running.built.api.get(r1))?.state).toBe('pending_approval');
    await clickInOps(h, 'booking_cancel', r0);
    await h.slack.waitFor(() => cancelShown(h, ts));
    return { h, ts, r0, r1 };
  }
  const EDITED_TIME_AND_REF = { departureTime: '10:00', durationHours: '3', platformRef: 'BS-7999' };
  /** An event whose text gives no booking ID: the form prefills its UID as the reference. */
  const NOREF: StandinEvent = { uid: 'a8f3c2d1-77@example-platform', ...at(5, '09:00', '13:30'), summary: 'Boatsetter booking', description: 'Renter: Ana Ruiz\nPassengers: 4' };

  it('two forms from one notice, the second edited (time+ref); the first cancelled: no [Create charter] while the second holds the trip (review s54 H1)', async () => {
    const { h, ts, r1 } = await twoFormsFirstCancelled('rv-h1', E, [{}, EDITED_TIME_AND_REF]);
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`\`${r1}\` holds this trip`);
  });

  it('two forms from a notice whose event gives no booking ID, both references cleared, the second at another time; the first cancelled: the second holds the trip (review s54 H1)', async () => {
    const { h, ts, r1 } = await twoFormsFirstCancelled('rv-h1-noref', NOREF, [{ platformRef: '' }, { platformRef: '', departureTime: '09:30' }]);
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`\`${r1}\` holds this trip`);
  });

  it('the charter the feed state links to a moved trip (matched by its time, which the trip left) holds it: a request from the old notice, cancelled, names that charter (review s54 H1)', async () => {
    const name = 'rv-h1-linked';
    const h = await botOnFeed(name, [E]);
    const notice = posts(h)[0];
    const ts = String(notice?.response?.ts);
    // A charter booked by hand at the trip's time, without its reference, approved; a changed feed links the trip to it.
    const byHand = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Jose Nunez', date: isoDate(5), departureTime: '09:00', durationHours: '4.5', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: '' } as never);
    await clickInOps(h, 'booking_approve', byHand);
    await waitForBooking(h, byHand, (b) => b.state === 'done');
    feed.setEvents(name, [E, C]);
    await h.running.built.periodic.runOnce();
    // The platform moves the trip: the move is posted under that charter, which still departs at 09:00.
    feed.setEvents(name, [{ ...E, ...at(5, '12:00', '16:30') }, C]);
    await h.running.built.periodic.runOnce();
    const state = JSON.parse((await h.running.built.store.getMeta('ical:feed:Boatsetter'))?.value ?? '{}') as { events?: Record<string, { bookingId?: string }> };
    expect(state.events?.[E.uid]?.bookingId).toBe(byHand);
    // A form from the old notice makes a request for the trip, cancelled before approval.
    const { metadata } = await clickCreate(h, ts, String(notice?.body.text), JSON.parse(blocksOf(notice)) as unknown[]);
    const id = await submitFrom(h, ts, metadata, 'Late Form');
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => cancelShown(h, ts));
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`\`${byHand}\` holds this trip`);
  });

  it.each([
    ['with a booking ID, the request\'s time and reference edited', E, [{}, EDITED_TIME_AND_REF]],
    ['without one, the request\'s reference cleared and its time edited', NOREF, [{ platformRef: '' }, { platformRef: '', departureTime: '09:30' }]],
  ] as const)('the trip (%s) that a request made from its notice holds, moved and then cancelled by the platform: both reach that request\'s thread, no second "New booking" notice (review s54 H1)', async (_what, event, edits) => {
    const name = `rv-h1-watch-${event.uid.slice(0, 4)}`;
    const { h, r1 } = await twoFormsFirstCancelled(name, event, [{ ...edits[0] }, { ...edits[1] }]);
    const thread = (await h.running.built.api.get(r1))?.slack.approvalTs;
    const other: StandinEvent = { ...C, ...at(6, '10:00', '14:00') };
    feed.setEvents(name, [{ ...event, ...at(5, '12:00', '16:30') }, other]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    feed.setEvents(name, [{ ...event, ...at(5, '12:00', '16:30'), status: 'CANCELLED' } as StandinEvent, other]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const said = posts(h).map((c) => [String(c.body.text), c.body.thread_ts]);
    expect(said.filter(([text]) => String(text).startsWith('New Boatsetter booking') && String(text).includes(day(local(5, '09:00'))))).toEqual([[`New Boatsetter booking · ${whenAt(5, '09:00', '13:30')}`, undefined]]);
    expect(said.filter(([, t]) => t === thread).map(([text]) => text)).toEqual([expect.stringMatching(/^Boatsetter moved this booking/), expect.stringMatching(/^Boatsetter marked it cancelled/)]);
    expect(blocksOf(posts(h).filter((c) => c.body.thread_ts === thread)[1])).toContain('ical_cancel');
  });

  it('a request cancelled after the platform moved the trip: no [Create charter] at the old time, the notice says where the trip is now (review s53 OWN53b)', async () => {
    const { h, ts, id } = await requestFromNotice('own53-moved');
    feed.setEvents('own53-moved', [{ ...E, ...at(5, '12:00', '16:30') }]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => cancelShown(h, ts));
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const shown = JSON.stringify(noticeMessage(h, ts)?.blocks);
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(shown).not.toContain('departureTime');
    expect(shown).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval; Boatsetter now lists this trip at *${day(local(5, '12:00'))}, 12:00 PM – 4:30 PM ${zone(local(5, '12:00'))}*`);
  });

  it.each([
    ['cancelled', [{ ...E, status: 'CANCELLED' } as StandinEvent], 'Boatsetter has marked this trip cancelled: there is nothing to create.'],
    ['removed', [] as StandinEvent[], 'Boatsetter no longer lists this trip: there is nothing to create.'],
  ])('a request cancelled after the platform %s the trip: no [Create charter], the notice says so (review s53 OWN53b)', async (how, events, says) => {
    const { h, ts, id } = await requestFromNotice(`own53-${how}`);
    // Another trip stays listed: an empty feed is believed only on its second poll.
    feed.setEvents(`own53-${how}`, [...events, C]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => cancelShown(h, ts));
    await h.running.built.periodic.runOnce();
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeUndefined();
    expect(JSON.stringify(noticeMessage(h, ts)?.blocks)).toContain(`Charter request \`${id}\` made from this notice was cancelled by <@${APPROVER}> before approval; ${says}`);
  });

  it('a request the watcher had linked to the trip, cancelled before approval: the notice offered again loses [Create charter] when the platform cancels the trip', async () => {
    const { h, ts, id } = await requestFromNotice('notice-linked-request-cancelled');
    // A poll of a changed feed (another trip listed) while the request waits links the trip to it.
    feed.setEvents('notice-linked-request-cancelled', [E, C]);
    await h.running.built.periodic.runOnce();
    const state = JSON.parse((await h.running.built.store.getMeta('ical:feed:Boatsetter'))?.value ?? '{}') as { events?: Record<string, { bookingId?: string }> };
    expect(state.events?.[E.uid]?.bookingId).toBe(id);
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => createButton(noticeMessage(h, ts)?.blocks) !== undefined);
    await h.running.built.periodic.runOnce();
    expect(createButton(noticeMessage(h, ts)?.blocks)).toBeDefined();

    feed.setEvents('notice-linked-request-cancelled', [{ ...E, status: 'CANCELLED' } as StandinEvent, C]);
    await h.running.built.periodic.runOnce();
    const held = noticeMessage(h, ts);
    expect(createButton(held?.blocks)).toBeUndefined();
    expect(JSON.stringify(held?.blocks)).toContain('Boatsetter marked this trip cancelled before a charter was made: there is nothing to create.');
  });
});

describe('a charter matched to its event by departure time alone (review 2026-12-07, iCal #1)', () => {
  const TRIP: StandinEvent = { uid: 'a1b2c3d4e5@boatsetter.com', ...at(1, '10:00', '14:00'), summary: 'Boatsetter booking' };
  const when = (from: string, to: string) => `${day(local(1, from))}, ${DateTime.fromFormat(from, 'HH:mm').toFormat('h:mm a')} – ${DateTime.fromFormat(to, 'HH:mm').toFormat('h:mm a')} ${zone(local(1, to))}`;

  /** The charter (its ref not in the event) departs at the event's time; the platform moves the trip, then `later`. */
  async function afterMove(name: string, later: Partial<StandinEvent>[]): Promise<{ texts: string[]; threads: unknown[]; approvalTs: string | undefined; blocks: string[] }> {
    const h = await botOnFeed(name, []);
    const id = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(1), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-77777' } as never);
    h.slack.clear();
    for (const events of [[TRIP], [{ ...TRIP, ...at(1, '11:00', '15:00') }], later.map((e) => ({ ...TRIP, ...e }))]) {
      feed.setEvents(name, events);
      await h.running.built.periodic.runOnce();
      await h.running.built.periodic.runOnce();
    }
    const approvalTs = (await h.running.built.api.get(id))?.slack.approvalTs;
    const all = posts(h);
    return { texts: all.map((c) => String(c.body.text)), threads: all.map((c) => c.body.thread_ts), approvalTs, blocks: all.map(blocksOf) };
  }

  const movedText = `Boatsetter moved this booking: was ${when('10:00', '14:00')}, now ${when('11:00', '15:00')}.`;

  it('a cancel after the move reaches the charter’s thread with [Cancel charter]', async () => {
    const r = await afterMove('link-cancelled', [{ ...at(1, '11:00', '15:00'), status: 'CANCELLED' }]);
    expect(r.texts).toEqual([movedText, `Boatsetter marked it cancelled (${when('11:00', '15:00')}).`]);
    expect(r.threads).toEqual([r.approvalTs, r.approvalTs]);
    expect(r.blocks[1]).toContain('ical_cancel_charter');
  });

  it('the event dropped from the feed after the move reaches the charter’s thread', async () => {
    const r = await afterMove('link-removed', []);
    // the empty feed is believed on the second poll
    expect(r.texts).toEqual([movedText, `Boatsetter no longer lists it (${when('11:00', '15:00')}).`]);
    expect(r.threads).toEqual([r.approvalTs, r.approvalTs]);
  });

  it('a second move is a second "moved" notice, not a new booking to create', async () => {
    const r = await afterMove('link-moved-twice', [at(1, '12:00', '16:00')]);
    expect(r.texts).toEqual([movedText, `Boatsetter moved this booking: was ${when('11:00', '15:00')}, now ${when('12:00', '16:00')}.`]);
    expect(r.threads).toEqual([r.approvalTs, r.approvalTs]);
    expect(r.blocks.join('')).not.toContain('ical_create_charter');
  });
});

describe('a trip moved before anyone made its charter (review 2026-12-07, iCal #2)', () => {
  it('the earlier notice loses [Create charter] and says where the trip went; the new one offers it at the new time', async () => {
    const E: StandinEvent = { uid: 'bs-8008@boatsetter.com', ...at(6, '10:00', '14:00'), summary: 'Boatsetter booking: Ana' };
    const h = await botOnFeed('moved-unbooked', [E]);
    const when = (from: string, to: string) => `${day(local(6, from))}, ${DateTime.fromFormat(from, 'HH:mm').toFormat('h:mm a')} – ${DateTime.fromFormat(to, 'HH:mm').toFormat('h:mm a')} ${zone(local(6, to))}`;
    const held = (ts: unknown) => JSON.stringify(h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)?.blocks);

    for (const [from, to] of [['11:00', '15:00'], ['12:00', '16:00']] as const) {
      feed.setEvents('moved-unbooked', [{ ...E, ...at(6, from, to) }]);
      await h.running.built.periodic.runOnce();
      await h.running.built.periodic.runOnce();
    }
    const notices = posts(h);
    expect(notices.map((c) => c.body.text)).toEqual([`New Boatsetter booking · ${when('10:00', '14:00')}`, `New Boatsetter booking · ${when('11:00', '15:00')}`, `New Boatsetter booking · ${when('12:00', '16:00')}`]);
    const [first, second, third] = notices.map((c) => c.response?.ts);
    for (const [ts, movedTo] of [[first, when('11:00', '15:00')], [second, when('12:00', '16:00')]] as const) {
      expect(held(ts)).not.toContain('ical_create_charter');
      expect(held(ts)).toContain(`Boatsetter moved this trip to *${movedTo}* before a charter was made`);
    }
    expect(held(third)).toContain('ical_create_charter');
    expect(held(third)).toContain('"departureTime\\":\\"12:00\\"');
  });
});

describe('a trip cancelled or dropped before anyone made its charter (review 2026-12-07, iCal CANCEL-NEW)', () => {
  it.each([
    ['cancelled', (e: StandinEvent) => [{ ...e, status: 'CANCELLED' as const }], 'cancelled by Boatsetter', 'Boatsetter marked this trip cancelled before a charter was made'],
    ['removed', () => [], 'no longer listed by Boatsetter', 'Boatsetter no longer lists this trip, and no charter was made from it'],
  ])('%s: its "New booking" notice is redrawn without [Create charter], saying so, and nothing is posted', async (name, after, tail, why) => {
    const E: StandinEvent = { uid: `bs-9${name}@boatsetter.com`, ...at(11, '10:00', '14:00'), summary: 'Boatsetter booking: Lee' };
    // Another trip stays listed, so the removal is not an empty feed waiting for a second look.
    const other: StandinEvent = { uid: 'bs-9other@boatsetter.com', ...at(12, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const key = `gone-unbooked-${name}`;
    const h = await botOnFeed(key, [E, other]);
    const notice = posts(h).find((c) => String(c.body.text).includes(day(local(11, '10:00'))));
    expect(blocksOf(notice)).toContain('ical_create_charter');
    h.slack.clear();
    feed.setEvents(key, [...after(E), other]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    const when = `${day(local(11, '10:00'))}, 10:00 AM – 2:00 PM ${zone(local(11, '14:00'))}`;
    expect(posts(h)).toEqual([]);
    expect(h.slack.callsTo('chat.update').map((c) => [c.body.ts, c.body.text])).toEqual([[notice?.response?.ts, `New Boatsetter booking · ${when} · ${tail}`]]);
    const held = JSON.stringify(h.slack.messages(OPS_CHANNEL).find((m) => m.ts === notice?.response?.ts)?.blocks);
    expect(held).not.toContain('ical_create_charter');
    expect(held).toContain(why);
  });
});

describe('a UID the feed repeats without RECURRENCE-ID (review 2026-12-07, iCal #3)', () => {
  it('each copy is its own trip, the ops channel is told once, and each copy’s cancel reaches only its own charter', async () => {
    const first: StandinEvent = { uid: 'dup-1', ...at(7, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const second: StandinEvent = { ...first, ...at(8, '10:00', '14:00') };
    const h = await botOnFeed('repeated-uid', [first, second]);
    await h.running.built.periodic.runOnce();
    const when = (weeks: number) => `${day(local(weeks, '10:00'))}, 10:00 AM – 2:00 PM ${zone(local(weeks, '14:00'))}`;
    expect(posts(h).map((c) => String(c.body.text))).toEqual([
      expect.stringMatching(/^:warning: The Boatsetter calendar feed lists the event UID dup-1 2 times .*Each is treated as its own trip/),
      `New Boatsetter booking · ${when(7)}`,
      `New Boatsetter booking · ${when(8)}`,
    ]);
    expect(posts(h)[0]?.body.channel).toBe(OPS_CHANNEL);

    // Both charters carry the UID as their reference, as Create charter fills it in.
    const charter = async (weeks: number) => submitBooking(h, { ...VALID_FIELDS, date: isoDate(weeks), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'dup-1' } as never);
    const one = await charter(7);
    const two = await charter(8);
    await h.running.built.periodic.runOnce();
    h.slack.clear();
    feed.setEvents('repeated-uid', [first, { ...second, status: 'CANCELLED' }]);
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    expect(posts(h).map((c) => [c.body.text, c.body.thread_ts])).toEqual([[`Boatsetter marked it cancelled (${when(8)}).`, (await h.running.built.api.get(two))?.slack.approvalTs]]);
    expect((await h.running.built.api.get(one))?.slack.approvalTs).not.toBe((await h.running.built.api.get(two))?.slack.approvalTs);
  });
});

describe('a charter made at the time a superseded notice offered (review 2026-12-07, iCal #2)', () => {
  it('its approval message says the platform has the trip at another time', async () => {
    const E: StandinEvent = { uid: 'bs-8118@boatsetter.com', ...at(9, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const h = await botOnFeed('stale-form', [E]);
    feed.setEvents('stale-form', [{ ...E, ...at(9, '11:00', '15:00') }]);
    await h.running.built.periodic.runOnce();
    // the form opened from the first notice before the move, submitted as it was prefilled (the UID is its reference)
    const n = approvalPosts(h.slack).length;
    await submitBooking(h, { ...VALID_FIELDS, date: isoDate(9), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: E.uid } as never);
    const when = `${day(local(9, '11:00'))}, 11:00 AM – 3:00 PM ${zone(local(9, '15:00'))}`;
    expect(blocksOf(approvalPosts(h.slack)[n])).toContain(`Boatsetter lists this trip at ${when}, not at this time`);
    // made at the feed's time, it says nothing of the kind
    await submitBooking(h, { ...VALID_FIELDS, date: isoDate(9), departureTime: '11:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-other' } as never);
    expect(blocksOf(approvalPosts(h.slack)[n + 1])).not.toContain('lists this trip at');
  });
});

describe('one charter linked to two events', () => {
  it('a new booking in the slot a linked trip left is a new booking, and its cancel does not reach the charter rescheduled to the trip', async () => {
    const X: StandinEvent = { uid: 'x-111@boatsetter.com', ...at(10, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const Y: StandinEvent = { uid: 'y-222@boatsetter.com', ...at(10, '10:00', '14:00'), summary: 'Boatsetter booking: another renter' };
    const h = await botOnFeed('late-two-links', []);
    // the charter for X, its ref not in the event: matched by time
    const id = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(10), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-77777' } as never);
    const tick = async (events: StandinEvent[]) => { feed.setEvents('late-two-links', events); await h.running.built.periodic.runOnce(); await h.running.built.periodic.runOnce(); };
    await tick([X]);
    h.slack.clear();
    await tick([{ ...X, ...at(10, '11:00', '15:00') }]); // X moves to 11:00: "moved" under the charter
    await tick([{ ...X, ...at(10, '11:00', '15:00') }, Y]); // a new renter takes the 10:00 slot
    const afterY = posts(h).map((c) => String(c.body.text));
    // the operator reschedules the charter to 11:00 as the moved notice asked (written straight to the store here)
    const store = h.running.built.store;
    const rec = (await store.get(id))!;
    await store.put({ ...rec, request: { ...rec.request, departureTime: '11:00' } }, rec.version);
    h.slack.clear();
    await tick([{ ...X, ...at(10, '11:00', '15:00') }, { ...Y, status: 'CANCELLED' }]); // the other renter cancels
    const afterCancel = posts(h).map((c) => [String(c.body.text), c.body.thread_ts, blocksOf(c).includes('ical_cancel_charter')]);
    expect(afterY.some((t) => t.startsWith('New Boatsetter booking'))).toBe(true); // Y is a new booking to create
    expect(afterCancel).toEqual([]); // Y's cancel is not the 11:00 charter's
  });

  it('a link ends when the charter is rescheduled to neither the trip\'s time now nor its time when linked', async () => {
    const X: StandinEvent = { uid: 'x-333@boatsetter.com', ...at(15, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const h = await botOnFeed('late-link-ends', []);
    const id = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(15), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-88888' } as never);
    const tick = async (events: StandinEvent[]) => { feed.setEvents('late-link-ends', events); await h.running.built.periodic.runOnce(); await h.running.built.periodic.runOnce(); };
    await tick([X]);
    h.slack.clear();
    const movedX = { ...X, ...at(15, '11:00', '15:00') };
    await tick([movedX]);
    expect(posts(h).map((c) => String(c.body.text))).toEqual([expect.stringMatching(/^Boatsetter moved this booking/)]); // the link holds at the old time
    // the operator moves the charter to 13:00, neither time the platform gave the trip
    const store = h.running.built.store;
    const rec = (await store.get(id))!;
    await store.put({ ...rec, request: { ...rec.request, departureTime: '13:00' } }, rec.version);
    h.slack.clear();
    await tick([{ ...movedX, status: 'CANCELLED' }]);
    expect(posts(h)).toEqual([]);
  });
});

describe('a link to a pending duplicate and the approved charter', () => {
  it('the trip\'s cancel goes to the approved charter\'s thread, not the pending request\'s', async () => {
    const E: StandinEvent = { uid: 'bs-4242@boatsetter.com', ...at(14, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-4242' };
    const h = await botOnFeed('late-rank', [E]);
    const fields = { ...VALID_FIELDS, date: isoDate(14), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-4242' } as never;
    await submitBooking(h, fields); // made from the notice, left waiting
    const tick = async (events: StandinEvent[]) => { feed.setEvents('late-rank', events); await h.running.built.periodic.runOnce(); await h.running.built.periodic.runOnce(); };
    const E2 = { ...E, summary: 'Boatsetter booking (6 guests)' };
    await tick([E2]); // the feed changes (its text): the poll links the event to the pending request
    const approved = await doneBooking(h, fields); // a second request for the trip, approved and booked (the first left waiting)
    await tick([E2]);
    h.slack.clear();
    await tick([{ ...E2, status: 'CANCELLED' }]);
    const threads = posts(h).map((c) => [String(c.body.text), c.body.thread_ts]);
    const ts = async (id: string) => (await h.running.built.api.get(id))?.slack.approvalTs;
    expect(threads.map((t) => t[1])).toEqual([await ts(approved)]);
  });
});

describe('a UID that stopped repeating', () => {
  it('the surviving copy moving is a move, posted under its charter', async () => {
    const first: StandinEvent = { uid: 'dup-9', ...at(12, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const second: StandinEvent = { ...first, ...at(13, '10:00', '14:00') };
    const h = await botOnFeed('late-unrepeated', [first, second]);
    const charter = async (weeks: number) => submitBooking(h, { ...VALID_FIELDS, date: isoDate(weeks), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'dup-9' } as never);
    await charter(12);
    const two = await charter(13);
    const tick = async (events: StandinEvent[]) => { feed.setEvents('late-unrepeated', events); await h.running.built.periodic.runOnce(); await h.running.built.periodic.runOnce(); };
    await tick([first, second]);
    await tick([second]); // the platform fixed its export: one copy left (first's charter is told it is gone)
    h.slack.clear();
    await tick([{ ...second, ...at(13, '11:00', '15:00') }]); // that trip moves an hour
    const out = posts(h).map((c) => [String(c.body.text), c.body.thread_ts]);
    expect(out).toEqual([[expect.stringMatching(/^Boatsetter moved this booking/), (await h.running.built.api.get(two))?.slack.approvalTs]]);
  });

  // Review R2: the copy left is handed to the plain UID, but its "new" notice was claimed under its
  // repeated-copy key; without that key it could not be found again.
  const ANA: StandinEvent = { uid: 'dup@boatsetter.com', ...at(21, '10:00', '14:00'), summary: 'Boatsetter booking: Ana Ruiz' };
  const BEN: StandinEvent = { uid: 'dup@boatsetter.com', ...at(21, '16:00', '20:00'), summary: 'Boatsetter booking: Ben Ode' };
  async function benLeftAlone(name: string) {
    const w = await world(name);
    await w.tick([ANA, BEN]);
    const notice = posts(w.h).find((c) => blocksOf(c).includes('ical_create_charter') && String(c.body.text).includes(whenAt(21, '16:00', '20:00')));
    expect(notice).toBeDefined();
    await w.tick([BEN]); // Ana's copy dropped: the UID is listed once again
    w.h.slack.clear();
    return { w, notice };
  }

  it('the copy left, cancelled later: its [Create charter] notice is redrawn as cancelled', async () => {
    const { w, notice } = await benLeftAlone('unrepeated-cancel');
    await w.tick([{ ...BEN, status: 'CANCELLED' }]);
    expect(w.said()).toEqual([]);
    expect(w.h.slack.callsTo('chat.update').map((c) => [c.body.ts, c.body.text])).toEqual([[notice?.response?.ts, `New Boatsetter booking · ${whenAt(21, '16:00', '20:00')} · cancelled by Boatsetter`]]);
  });

  it('the copy left, moved later: one live [Create charter] notice, at the new time', async () => {
    const { w, notice } = await benLeftAlone('unrepeated-move');
    await w.tick([{ ...BEN, ...at(21, '17:00', '21:00') }]);
    expect(posts(w.h).filter((c) => blocksOf(c).includes('ical_create_charter')).map((c) => String(c.body.text))).toEqual([`New Boatsetter booking · ${whenAt(21, '17:00', '21:00')}`]);
    expect(w.h.slack.callsTo('chat.update').map((c) => c.body.ts)).toEqual([notice?.response?.ts]);
  });
});

describe('a reference inside another trip\'s booking ID', () => {
  it('a charter for BS-1000 at 10:00 is not warned that the platform lists "this trip" at the time of BS-10000', async () => {
    const E1: StandinEvent = { uid: 'e1@boatsetter.com', ...at(11, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-1000' };
    const E2: StandinEvent = { uid: 'e2@boatsetter.com', ...at(11, '15:00', '18:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-10000' };
    const h = await botOnFeed('late-substring', [E2, E1]);
    const n = approvalPosts(h.slack).length;
    // E1's charter, at E1's own time, its reference as the notice prefilled it
    await submitBooking(h, { ...VALID_FIELDS, date: isoDate(11), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-1000' } as never);
    const b = blocksOf(approvalPosts(h.slack)[n]);
    expect(b).not.toContain('lists this trip at');
  });
});

describe('a trip the platform re-lists under a new UID in one poll (review 2026-12-07, iCal RELIST)', () => {
  it('same reference, same time: nothing is posted, and the trip\'s cancel still reaches the charter', async () => {
    const w = await world('relist-ref');
    const OLD: StandinEvent = { uid: 'bs-5005-a@boatsetter.com', ...at(16, '10:00', '14:00'), summary: 'Boatsetter booking: Kim Lee', description: 'Booking ID: BS-5005' };
    const NEW: StandinEvent = { ...OLD, uid: 'resync-9f3a@boatsetter.com' };
    const id = await w.charter(16, '10:00', '4', 'BS-5005');
    await w.tick([OLD]);
    w.h.slack.clear();
    await w.tick([NEW]);
    expect(w.said()).toEqual([]);
    await w.tick([{ ...NEW, status: 'CANCELLED' }]);
    expect(w.said()).toEqual([[`Boatsetter marked it cancelled (${whenAt(16, '10:00', '14:00')}).`, await w.threadOf(id)]]);
  });

  it('no reference, same start, end and summary (a charter matched by time): nothing is posted, and its next move is a move', async () => {
    const w = await world('relist-time');
    const OLD: StandinEvent = { uid: 'a9f0c1@boatsetter.com', ...at(17, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const NEW: StandinEvent = { ...OLD, uid: 'b7e2d4@boatsetter.com' };
    const id = await w.charter(17, '10:00', '4', 'BS-66666');
    await w.tick([OLD]);
    w.h.slack.clear();
    await w.tick([NEW]);
    expect(w.said()).toEqual([]);
    await w.tick([{ ...NEW, ...at(17, '11:00', '15:00') }]);
    expect(w.said()).toEqual([[`Boatsetter moved this booking: was ${whenAt(17, '10:00', '14:00')}, now ${whenAt(17, '11:00', '15:00')}.`, await w.threadOf(id)]]);
  });

  it('same reference at a new time, two processes polling: one "moved" notice under the charter, no [Cancel charter], no [Create charter]', async () => {
    const w = await world('relist-moved');
    const OLD: StandinEvent = { uid: 'bs-5151-a@boatsetter.com', ...at(18, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-5151' };
    const NEW: StandinEvent = { ...OLD, uid: 'bs-5151-b@boatsetter.com', ...at(18, '12:00', '16:00') };
    const id = await w.charter(18, '10:00', '4', 'BS-5151');
    await w.tick([OLD]);
    const second = await startHarness({ env: w.env });
    running.push(second);
    w.h.slack.clear();
    second.slack.clear();
    feed.setEvents('relist-moved', [NEW]);
    for (let i = 0; i < 2; i++) await Promise.all([w.h.running.built.periodic.runOnce(), second.running.built.periodic.runOnce()]);
    const all = [...posts(w.h), ...posts(second)];
    expect(all.map((c) => [String(c.body.text), c.body.thread_ts])).toEqual([[`Boatsetter moved this booking: was ${whenAt(18, '10:00', '14:00')}, now ${whenAt(18, '12:00', '16:00')}.`, await w.threadOf(id)]]);
    expect(blocksOf(all[0])).toContain('ical_reschedule');
  });

  it('a trip with a live [Create charter] notice: no second notice, and that notice is the one its later cancel redraws', async () => {
    const w = await world('relist-unbooked');
    const OLD: StandinEvent = { uid: 'c3d4e5@boatsetter.com', ...at(19, '10:00', '14:00'), summary: 'Boatsetter booking: Ana Ruiz' };
    const NEW: StandinEvent = { ...OLD, uid: 'f6a7b8@boatsetter.com' };
    await w.tick([OLD]);
    const notice = posts(w.h)[0];
    expect(blocksOf(notice)).toContain('ical_create_charter');
    w.h.slack.clear();
    await w.tick([NEW]);
    expect(w.said()).toEqual([]);
    expect(w.h.slack.callsTo('chat.update')).toEqual([]);
    await w.tick([{ ...NEW, status: 'CANCELLED' }]);
    expect(w.said()).toEqual([]);
    expect(w.h.slack.callsTo('chat.update').map((c) => [c.body.ts, c.body.text])).toEqual([[notice?.response?.ts, `New Boatsetter booking · ${whenAt(19, '10:00', '14:00')} · cancelled by Boatsetter`]]);
  });

  // Review R1: "Booking: 4-hour cruise" reads as reference 4-hour, and a phone number under
  // "Reservation code:" as that number; two guests' trips share them.
  it.each([
    ['an hour count, another day', 'Booking: 4-hour cruise, 6 guests', 'Booking: 4-hour cruise, 2 guests', at(23, '12:00', '16:00')],
    ['a phone number, another day', 'Reservation code: see app. Captain phone 305-555-0142', 'Reservation code: see app. Captain phone 305-555-0142', at(23, '12:00', '16:00')],
    ['an hour count, the same slot', 'Booking: 4-hour cruise, 6 guests', 'Booking: 4-hour cruise, 2 guests', at(22, '10:00', '14:00')],
  ])('Kim cancels and Noor books in the same poll, their texts sharing %s: Kim\'s charter hears it is gone, Noor\'s trip is new', async (name, kimText, noorText, noorAt) => {
    const w = await world(`relist-guests-${name.replace(/\W+/g, '-')}`);
    const KIM: StandinEvent = { uid: 'kim-1@boatsetter.com', ...at(22, '10:00', '14:00'), summary: 'Boatsetter booking: Kim Lee', description: kimText };
    const NOOR: StandinEvent = { uid: 'noor-2@boatsetter.com', ...noorAt, summary: 'Boatsetter booking: Noor Haddad', description: noorText };
    const id = await w.charter(22, '10:00', '4', 'BS-66666'); // Kim's charter, matched by its time
    await w.tick([KIM]);
    w.h.slack.clear();
    await w.tick([NOOR]);
    expect(w.said()).toEqual([
      [expect.stringMatching(/^New Boatsetter booking · /), undefined],
      [`Boatsetter no longer lists it (${whenAt(22, '10:00', '14:00')}).`, await w.threadOf(id)],
    ]);
    expect(posts(w.h).some((c) => blocksOf(c).includes('ical_reschedule'))).toBe(false);
  });

  it('re-listed with the charter\'s own reference, which the old listing lacked: nothing is posted, and its cancel reaches the charter', async () => {
    const w = await world('relist-ref-added');
    const OLD: StandinEvent = { uid: 'a9f0c1@boatsetter.com', ...at(23, '10:00', '14:00'), summary: 'Boatsetter booking' };
    const NEW: StandinEvent = { ...OLD, uid: 'b7e2d4@boatsetter.com', description: 'Booking ID: BS-7777' };
    const id = await w.charter(23, '10:00', '4', 'BS-7777');
    await w.tick([OLD]);
    w.h.slack.clear();
    await w.tick([NEW]);
    expect(w.said()).toEqual([]);
    await w.tick([{ ...NEW, status: 'CANCELLED' }]);
    expect(w.said()).toEqual([[`Boatsetter marked it cancelled (${whenAt(23, '10:00', '14:00')}).`, await w.threadOf(id)]]);
  });

  it.each([
    ['another reference', { description: 'Booking ID: BS-5253' }, 'Booking ID: BS-5252'],
    ['no references, another summary', { summary: 'Boatsetter booking: Noor Haddad' }, undefined],
  ])('not the same trip (%s): the charter hears its trip is gone, and the other is a new booking', async (name, other, description) => {
    const w = await world(`relist-other-${name.replace(/\W+/g, '-')}`);
    const OLD: StandinEvent = { uid: 'd1e2f3@boatsetter.com', ...at(20, '10:00', '14:00'), summary: 'Boatsetter booking: Kim Lee', ...(description ? { description } : {}) };
    const id = await w.charter(20, '10:00', '4', 'BS-5252');
    await w.tick([OLD]);
    w.h.slack.clear();
    await w.tick([{ ...OLD, uid: 'e4f5a6@boatsetter.com', ...other }]);
    expect(w.said()).toEqual([
      [expect.stringMatching(/^New Boatsetter booking · /), undefined],
      [`Boatsetter no longer lists it (${whenAt(20, '10:00', '14:00')}).`, await w.threadOf(id)],
    ]);
  });
});
