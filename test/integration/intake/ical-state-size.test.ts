/**
 * A busy feed's state on DynamoDB: one meta item, under its 400 KB limit however many upcoming
 * events the feed lists, so moves and cancellations keep being noticed. dynalite (a real DynamoDB
 * server) and SQLite side by side; the feed and Slack are stubbed at the watcher's own seams.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../../src/config';
import type { IcalEvent } from '../../../src/integrations/ical-feed';
import { createLogger } from '../../../src/log';
import { openStore } from '../../../src/pipeline/open-store';
import type { BookingStore } from '../../../src/pipeline/store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { feedKey } from '../../../src/slack/intake/ical-state';
import { pollFeeds } from '../../../src/slack/intake/ical-watcher';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

const DAY = 86_400_000;
const now = Date.now();
/**
 * 600 upcoming events, each with text at the caps the state keeps (~1.4 KB): ~850 KB in full; with
 * Cyrillic text, twice that in UTF-8 bytes, which is what DynamoDB's limit counts.
 */
const feedEvents = (filler = { summary: 'x', notes: 'Guest notes. ' }): IcalEvent[] =>
  Array.from({ length: 600 }, (_, i) => ({
    uid: `bs-${10000 + i}@boatsetter.com`,
    summary: `Boatsetter booking ${i} `.padEnd(300, filler.summary),
    description: `Booking ID: BS-${10000 + i}\n`.padEnd(1000, filler.notes),
    startMs: now + (i + 2) * DAY,
    endMs: now + (i + 2) * DAY + 4 * 3600_000,
    allDay: false,
  }));

let dynalite: RunningDynalite;
let dynamodb: DynamoDBClient;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ical-size-'));
beforeAll(async () => {
  dynalite = await startDynalite();
  dynamodb = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  dynamodb.destroy();
  await dynalite.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function cancelNoticed(store: BookingStore, filler?: { summary: string; notes: string }): Promise<{ stateBytes: number; posts: string[] }> {
  const loaded = loadConfig(validEnv({ CHARTER_ICAL_FEEDS: 'Boatsetter=https://feeds.invalid/boatsetter.ics', CHARTER_OPS_CHANNEL: 'C0OPS00001' }));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const posts: string[] = [];
  let events = feedEvents(filler);
  const deps = {
    store,
    config: loaded.config,
    log: createLogger({ level: 'silent' }),
    client: { chat: { postMessage: async (m: { text: string }) => (posts.push(m.text), { ts: String(posts.length) }) } },
    feeds: { fetch: async () => ({ kind: 'fetched' as const, events, validators: {} }) },
  };
  await pollFeeds(deps as never, now);
  const record = sampleRecord();
  await store.create({ ...record, state: 'done', request: { ...record.request, platform: 'Boatsetter', platformRef: 'BS-10005' } });
  const stateBytes = Buffer.byteLength((await store.getMeta(feedKey('Boatsetter')))?.value ?? '');
  events = events.map((e, i) => (i === 5 ? { ...e, status: 'CANCELLED' } : e));
  posts.length = 0;
  await pollFeeds(deps as never, now + 60_000);
  return { stateBytes, posts };
}

const CYRILLIC = { summary: 'Бронь ', notes: 'Пожелания гостей. ' };

it.each([
  ['SQLite', 'Latin', () => openStore({ kind: 'sqlite', path: path.join(dir, 'charter.db') }), undefined],
  ['DynamoDB', 'Latin', () => openStore({ kind: 'dynamodb', table: 'ical-size' }, { dynamodb, createTable: true }), undefined],
  ['DynamoDB', 'Cyrillic', () => openStore({ kind: 'dynamodb', table: 'ical-size-cyrillic' }, { dynamodb, createTable: true }), CYRILLIC],
])('%s, %s text: the state of a feed of 600 upcoming events is saved, and a cancellation in it is noticed', async (_name, _text, open, filler) => {
  const store = await open();
  try {
    const { stateBytes, posts } = await cancelNoticed(store, filler);
    expect(stateBytes).toBeGreaterThan(0);
    expect(stateBytes).toBeLessThanOrEqual(300_000);
    expect(posts).toEqual([expect.stringMatching(/^Boatsetter marked it cancelled/)]);
  } finally {
    await store.close();
  }
});
