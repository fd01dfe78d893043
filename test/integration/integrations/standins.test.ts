/** The local stand-ins themselves: their contracts, recorders and faults, over real HTTP. */
import { CreateInvalidationCommand, GetDistributionCommand, NoSuchDistribution } from '@aws-sdk/client-cloudfront';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { createAwsClients, type AwsClients } from '../../../src/integrations/aws-clients';
import { startStandins, type Standins } from '../../../src/sandbox/standins';

let standins: Standins;
let aws: AwsClients;

beforeAll(async () => {
  standins = await startStandins();
  aws = createAwsClients({ aws: { region: standins.env.AWS_REGION! } }, standins.env);
});
afterAll(async () => {
  aws?.destroy();
  await standins?.close();
});

const json = async (url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {}) => {
  const res = await request(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
};

describe('dashboard stand-in', () => {
  it('creates with the token, finds by externalId, and answers 401 without it', async () => {
    const { url, token } = standins.dashboard;
    const created = await json(`${url}/calendar`, { method: 'POST', headers: { 'x-dashboard-token': token }, body: { externalId: 'EXT1', title: 't', start: 's', end: 'e' } });
    expect(created.status).toBe(201);
    const found = await json(`${url}/calendar?externalId=EXT1`, { headers: { 'x-dashboard-token': token } });
    expect(found.body).toEqual({ items: [{ id: created.body.id }] });
    expect((await json(`${url}/calendar?externalId=EXT1`, { headers: { 'x-dashboard-token': 'wrong' } })).status).toBe(401);
    expect(standins.dashboard.recorder.find('POST', '/calendar')[0]?.body).toMatchObject({ externalId: 'EXT1' });
  });

  it('injects faults for the next N requests only', async () => {
    const { url, token } = standins.dashboard;
    standins.dashboard.faults.inject('GET /calendar', { kind: 'status', status: 503 }, { times: 1 });
    standins.dashboard.faults.inject('GET /calendar', { kind: 'throttle', retryAfterSeconds: 2 }, { times: 1 });
    const headers = { 'x-dashboard-token': token };
    const first = await request(`${url}/calendar`, { headers });
    await first.body.dump();
    const second = await request(`${url}/calendar`, { headers });
    await second.body.dump();
    const third = await request(`${url}/calendar`, { headers });
    await third.body.dump();
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([503, 429, 200]);
    expect(second.headers['retry-after']).toBe('2');
  });
});

describe('SCC stand-in', () => {
  it('checks the Bearer key and writes the event item, with seeded money, into DynamoDB', async () => {
    const { url, serviceKey } = standins.scc;
    expect((await json(`${url}/events`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: { externalId: 'X' } })).status).toBe(401);
    const created = await json(`${url}/events`, { method: 'POST', headers: { authorization: `Bearer ${serviceKey}` }, body: { externalId: 'EXT2', description: 'Sunset sail' } });
    expect(created.status).toBe(201);
    const eventId = created.body.eventId as string;
    const item = await aws.dynamodb.send(new GetItemCommand({ TableName: standins.env.SCC_EVENTS_TABLE, Key: { eventId: { S: eventId } }, ConsistentRead: true }));
    expect(item.Item?.externalId).toEqual({ S: 'EXT2' });
    expect(item.Item?.captainFee).toEqual({ N: '15000' });
    expect(item.Item?.notes?.S).toContain('Captain fee: $150.00');
    const found = await json(`${url}/events?externalId=EXT2`, { headers: { authorization: `Bearer ${serviceKey}` } });
    expect(found.body).toEqual({ items: [{ eventId }] });
  });

  it('applies a PATCH once for an Idempotency-Key, even when the repeat arrives while the first is still being applied', async () => {
    // A process killed mid-call leaves its PATCH running upstream; its successor repeats it with the same key.
    const { url, serviceKey } = standins.scc;
    const created = await json(`${url}/events`, { method: 'POST', headers: { authorization: `Bearer ${serviceKey}` }, body: { externalId: 'EXT3', description: 'Sunset sail' } });
    const eventId = created.body.eventId as string;
    const patch = (description: string) =>
      request(`${url}/events/${eventId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json', 'idempotency-key': `EXT3:scc_update:2` },
        body: JSON.stringify({ description }),
      }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as unknown }));
    const answers = await Promise.all([patch('Moonlight sail'), patch('Moonlight sail'), patch('Moonlight sail')]);
    expect(answers).toEqual([0, 1, 2].map(() => ({ status: 200, body: { eventId } })));
    expect(standins.scc.patches().filter((p) => p.eventId === eventId)).toHaveLength(1);
    const item = await aws.dynamodb.send(new GetItemCommand({ TableName: standins.env.SCC_EVENTS_TABLE, Key: { eventId: { S: eventId } }, ConsistentRead: true }));
    expect(item.Item?.description?.S).toContain('Moonlight sail');
  });
});

describe('CloudFront stand-in through the AWS SDK', () => {
  const batch = (ref: string, paths: string[]) => ({ CallerReference: ref, Paths: { Quantity: paths.length, Items: paths } });

  it('creates an invalidation, dedupes a repeated CallerReference, rejects a reused one with other paths', async () => {
    const DistributionId = standins.env.GUEST_DISTRIBUTION_ID!;
    const first = await aws.cloudfront.send(new CreateInvalidationCommand({ DistributionId, InvalidationBatch: batch('ref-1', ['/g/ABC']) }));
    expect(first.Invalidation?.Id).toMatch(/^I/);
    expect(first.Location).toContain(first.Invalidation!.Id);
    const again = await aws.cloudfront.send(new CreateInvalidationCommand({ DistributionId, InvalidationBatch: batch('ref-1', ['/g/ABC']) }));
    expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id);
    expect(standins.cloudfront.invalidations().filter((i) => i.callerReference === 'ref-1')).toHaveLength(1);
    await expect(aws.cloudfront.send(new CreateInvalidationCommand({ DistributionId, InvalidationBatch: batch('ref-1', ['/other']) }))).rejects.toMatchObject({ name: 'InvalidationBatchAlreadyExists' });
  });

  it('answers NoSuchDistribution for an unknown id and describes the real one', async () => {
    await expect(aws.cloudfront.send(new CreateInvalidationCommand({ DistributionId: 'ENOPE', InvalidationBatch: batch('r', ['/x']) }))).rejects.toBeInstanceOf(NoSuchDistribution);
    const dist = await aws.cloudfront.send(new GetDistributionCommand({ Id: standins.env.GUEST_DISTRIBUTION_ID }));
    expect(dist.Distribution?.Status).toBe('Deployed');
    expect(dist.Distribution?.DistributionConfig?.Origins?.Items?.[0]?.DomainName).toContain(standins.env.GUEST_BUCKET);
  });
});

describe('guest-site server', () => {
  it('serves /g/{ID} and /g/{ID}.ics through the edge function from the bucket', async () => {
    const Bucket = standins.env.GUEST_BUCKET!;
    await aws.s3.send(new PutObjectCommand({ Bucket, Key: 'jada-guest-0123456789ab.html', Body: '<p>hi</p>', ContentType: 'text/html; charset=utf-8' }));
    await aws.s3.send(new PutObjectCommand({ Bucket, Key: 'jada-guest-0123456789ab.ics', Body: 'BEGIN:VCALENDAR', ContentType: 'text/calendar; charset=utf-8' }));
    const page = await request(`${standins.guestSite.url}/g/0123456789AB`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.body.text()).toBe('<p>hi</p>');
    const ics = await request(`${standins.guestSite.url}/g/0123456789AB.ics`);
    expect(ics.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(await ics.body.text()).toBe('BEGIN:VCALENDAR');
    const missing = await request(`${standins.guestSite.url}/g/ZZZZZZZZZZZZ`);
    await missing.body.dump();
    expect(missing.statusCode).toBe(404);
  });
});
