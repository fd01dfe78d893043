/**
 * Stand-in for ShipCaptainCrew's API Gateway + Lambda: POST /events → {eventId};
 * GET /events?externalId=X → {items:[{eventId}]}; `Authorization: Bearer {key}` or 401.
 * Like the real SCC Lambda, creating an event also writes the event item into the SCC events table
 * (key attribute `eventId`). `seedMoney` adds money attributes and money lines in `notes` to that
 * item — what SCC's own sync does in production and what the revenue guard exists to remove.
 * Changes: PATCH /events/{eventId} (partial JSON, merged; cancel = {"status":"cancelled"}) → {eventId};
 * like SCC, every PATCH writes the whole item again, money included — so the guard runs after each.
 * A PATCH repeating an Idempotency-Key gets the first answer again and changes nothing, also while
 * the first is still being applied — unless `ignoreIdempotencyKeys`, as a real SCC may: then every
 * PATCH applies and is one more e-mail to the crew. `storeAs` stores the fields in another shape
 * than they were sent (trimmed text, times in UTC or as epoch numbers), as a real SCC may.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { startHttpStandin, type RunningStandin } from './http-standin';

export interface SccMoneySeed {
  /** Number attributes written on the item, e.g. { captainFee: 15000, revenue: 120000 }. */
  attributes: Record<string, number>;
  /** Lines appended to the item's `notes`. */
  notesLines: string[];
  /** Added to every roster entry (money inside a list of maps: `roster[].crewPay`). */
  rosterAttributes?: Record<string, number>;
  /** Lines appended to the item's `description`. */
  descriptionLines?: string[];
  /** Written as-is (nested maps and lists holding money). */
  nested?: Record<string, unknown>;
  /** Harmless lines with money WORDS (no amounts) appended to `notes`: the guard must keep them. */
  keptLines?: string[];
}

export const DEFAULT_MONEY_SEED: SccMoneySeed = {
  attributes: { captainFee: 15000, crewCost: 25000, revenue: 120000, netRevenue: 58400, portFees: 21600, captainPay: 15000, tip: 5000, amount: 120000, fee: 2000, payout: 58400 },
  notesLines: ['Captain fee: $150.00', 'Revenue $1,200.00 — net after fees $584.00', 'USD 1200 received', 'Crew gets 1200 bucks total'],
  rosterAttributes: { crewPay: 12500 },
  descriptionLines: ['Guest paid $1,200 on Boatsetter', 'net 584'],
  nested: { billing: { memo: 'Gross 1200', lines: [{ label: 'Port fee', amountCents: 21600 }, { label: 'Tip', tip_cents: 5000 }] } },
  keptLines: ['Pay attention: tide turns at 3 pm', 'Tip: bring a jacket'],
};

export interface SccStandinOptions {
  serviceKey?: string;
  dynamodbEndpoint: string;
  region?: string;
  table: string;
  /** false: the item holds only crew-safe fields. Default: DEFAULT_MONEY_SEED. */
  seedMoney?: SccMoneySeed | false;
  /** Delay before the item appears in the table (eventual arrival), in ms. Default 0. */
  itemDelayMs?: number;
  /**
   * Apply every PATCH, a repeated Idempotency-Key's too — the README's contract does not promise
   * that SCC honours the key. Default false.
   */
  ignoreIdempotencyKeys?: boolean;
  /** How SCC reshapes the fields it stores; the event keeps them as sent. Default: as sent. */
  storeAs?: SccStoredShape;
}

/** The fields as SCC writes them to its item, from the fields as sent (eventId and money aside). */
export type SccStoredShape = (fields: Record<string, unknown>) => Record<string, unknown>;

export interface SccEvent {
  eventId: string;
  externalId: string;
  body: Record<string, unknown>;
}

export interface SccStandin extends RunningStandin {
  serviceKey: string;
  events(): SccEvent[];
  /**
   * PATCHes that took effect (a replayed Idempotency-Key is not one), in order: each is a change SCC
   * e-mails the crew about.
   */
  patches(): { eventId: string; body: Record<string, unknown> }[];
  /**
   * Change money seeding / item delay for events created from now on. `ignoreIdempotencyKeys`: every
   * PATCH applies, repeats too — the README's contract does not promise that SCC honours the key.
   * `storeAs`: every item written from now on (a PATCH's too) is reshaped so; false: as sent.
   */
  setItemBehaviour(opts: { seedMoney?: SccMoneySeed | false; itemDelayMs?: number; ignoreIdempotencyKeys?: boolean; storeAs?: SccStoredShape | false }): void;
  /** Resolves when every pending delayed item write has finished. */
  settled(): Promise<void>;
}

const S = (v: string): AttributeValue => ({ S: v });

function toAttribute(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string') return value === '' ? undefined : S(value);
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute).filter((v): v is AttributeValue => v !== undefined) };
  if (value && typeof value === 'object') {
    const M: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const a = toAttribute(v);
      if (a) M[k] = a;
    }
    return { M };
  }
  return undefined;
}

export async function startSccStandin(opts: SccStandinOptions): Promise<SccStandin> {
  const serviceKey = opts.serviceKey ?? `scc-${randomUUID()}`;
  let seedMoney: SccMoneySeed | false = opts.seedMoney ?? DEFAULT_MONEY_SEED;
  let itemDelayMs = opts.itemDelayMs ?? 0;
  let ignoreIdempotencyKeys = opts.ignoreIdempotencyKeys ?? false;
  let storeAs: SccStoredShape | undefined = opts.storeAs;
  const events: SccEvent[] = [];
  const patches: { eventId: string; body: Record<string, unknown> }[] = [];
  /** The answer to each Idempotency-Key, held from the moment its first request starts applying. */
  const replies = new Map<string, Promise<{ status: number; body: unknown }>>();
  const pending = new Set<Promise<void>>();
  const dynamo = new DynamoDBClient({
    endpoint: opts.dynamodbEndpoint,
    region: opts.region ?? 'us-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  const writeItem = async (event: SccEvent) => {
    const item: Record<string, AttributeValue> = { eventId: S(event.eventId), createdAt: S(new Date().toISOString()) };
    for (const [k, v] of Object.entries(storeAs ? storeAs(event.body) : event.body)) {
      const a = toAttribute(v);
      if (a && k !== 'eventId') item[k] = a;
    }
    if (seedMoney) {
      const seed = seedMoney;
      for (const [k, cents] of Object.entries(seed.attributes)) item[k] = { N: String(cents) };
      const notes = [typeof event.body.description === 'string' ? event.body.description : '', ...seed.notesLines, ...(seed.keptLines ?? [])].filter(Boolean);
      item.notes = S(notes.join('\n'));
      if (seed.descriptionLines?.length && item.description?.S !== undefined) item.description = S([item.description.S, ...seed.descriptionLines].join('\n'));
      if (seed.rosterAttributes && item.roster?.L) {
        item.roster = { L: item.roster.L.map((m) => (m.M ? { M: { ...m.M, ...toAttribute(seed.rosterAttributes)?.M } } : m)) };
      }
      for (const [k, v] of Object.entries(seed.nested ?? {})) {
        const a = toAttribute(v);
        if (a) item[k] = a;
      }
    }
    await dynamo.send(new PutItemCommand({ TableName: opts.table, Item: item }));
  };

  const applyPatch = async (eventId: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const index = events.findIndex((e) => e.eventId === eventId);
    if (index < 0) return { status: 404, body: { message: `no event ${eventId}` } };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { message: 'JSON object body required' } };
    const { externalId: _ignored, eventId: _id, ...patch } = body as Record<string, unknown>;
    const event = { ...events[index]!, body: { ...events[index]!.body, ...patch } };
    events[index] = event;
    await writeItem(event);
    patches.push({ eventId, body: patch });
    return { status: 200, body: { eventId } };
  };

  const standin = await startHttpStandin(async (req) => {
    const one = /^\/events\/([^/]+)$/.exec(req.path);
    if (req.path !== '/events' && !one) return { status: 404, body: { message: 'Not Found' } };
    if (req.headers.authorization !== `Bearer ${serviceKey}`) return { status: 401, body: { message: 'Unauthorized' } };
    if (one) {
      if (req.method !== 'PATCH') return { status: 405, body: { message: 'Method Not Allowed' } };
      const key = ignoreIdempotencyKeys ? undefined : req.headers['idempotency-key'];
      const replay = key ? replies.get(key) : undefined;
      if (replay) return replay;
      const applying = applyPatch(decodeURIComponent(one[1] ?? ''), req.body);
      if (!key) return applying;
      // The key is claimed before the change is applied: a repeat arriving meanwhile (a killed
      // caller's successor) waits for the first answer instead of applying the change again.
      replies.set(key, applying);
      const reply = await applying.catch((err: unknown) => {
        replies.delete(key);
        throw err;
      });
      if (reply.status >= 500) replies.delete(key);
      return reply;
    }
    if (req.method === 'GET') {
      const externalId = req.query.externalId;
      const items = events.filter((e) => externalId === undefined || e.externalId === externalId).map((e) => ({ eventId: e.eventId }));
      return { status: 200, body: { items } };
    }
    if (req.method === 'POST') {
      if (typeof req.body !== 'object' || req.body === null) return { status: 400, body: { message: 'JSON body required' } };
      const b = req.body as Record<string, unknown>;
      if (typeof b.externalId !== 'string' || b.externalId === '') return { status: 400, body: { message: 'missing externalId' } };
      const event: SccEvent = { eventId: `evt_${randomUUID()}`, externalId: b.externalId, body: b };
      events.push(event);
      if (itemDelayMs > 0) {
        const delay = itemDelayMs;
        const p: Promise<void> = new Promise<void>((r) => setTimeout(r, delay))
          .then(() => writeItem(event))
          .catch(() => undefined)
          .finally(() => pending.delete(p));
        pending.add(p);
      } else {
        await writeItem(event);
      }
      return { status: 201, body: { eventId: event.eventId } };
    }
    return { status: 405, body: { message: 'Method Not Allowed' } };
  }, 'scc');

  return {
    ...standin,
    serviceKey,
    events: () => [...events],
    patches: () => [...patches],
    setItemBehaviour: (o) => {
      if (o.seedMoney !== undefined) seedMoney = o.seedMoney;
      if (o.itemDelayMs !== undefined) itemDelayMs = o.itemDelayMs;
      if (o.ignoreIdempotencyKeys !== undefined) ignoreIdempotencyKeys = o.ignoreIdempotencyKeys;
      if (o.storeAs !== undefined) storeAs = o.storeAs || undefined;
    },
    settled: async () => {
      await Promise.all([...pending]);
    },
    close: async () => {
      await Promise.all([...pending]);
      dynamo.destroy();
      await standin.close();
    },
  };
}
