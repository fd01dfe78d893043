/**
 * `/charter refresh ID` asked while a change of the booking is running, against the real S3,
 * CloudFront, SCC and dashboard stand-ins, the Bolt receiver and SQLite on disk. The change is held
 * mid-step (before one of its steps' calls) while the approver asks. An approver asking for a fresh
 * page must not be refused: a change that renders the page and clears its cache after the ask makes
 * the refresh moot (one invalidation, not two), and any other change has the refresh queued behind it.
 * Asking twice queues one refresh.
 */
import type { AnyStepName } from '../../../src/pipeline/types';
import { APPROVER, clickInOps, doneBooking, ephemeralsTo, OPS_CHANNEL, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

/** The step of a change (not the create) the runner stops before, until released. */
let hold: { step: AnyStepName; reached: () => void; released: Promise<void> } | undefined;
/** Lets a held step go: a test that failed before releasing must not leave its run held at close. */
let releaseHeld: (() => void) | undefined;
afterEach(() => releaseHeld?.());

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    real: true,
    proxies: true,
    deps: {
      runner: {
        baseDelayMs: 5,
        maxDelayMs: 20,
        maxAttempts: 2,
        onBoundary: async (step, boundary, _id, opId) => {
          const held = hold;
          if (!held || opId === 'create' || step !== held.step || boundary !== 'before') return;
          held.reached();
          await held.released;
        },
      },
    },
  });
});
afterAll(async () => {
  await h.close();
});

/** Holds the next change's `step` before its call; resolves once it is held, with the release. */
function holdChangeAt(step: AnyStepName): { atStep: Promise<void>; release: () => void } {
  let reached!: () => void;
  const atStep = new Promise<void>((r) => (reached = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  hold = { step, reached, released };
  releaseHeld = () => {
    hold = undefined;
    release();
  };
  return { atStep, release: releaseHeld };
}

const refresh = (id: string) => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
const invalidationsOf = (id: string) => h.standins!.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id));
const guestPage = async (id: string) => (await fetch(`${h.standins!.guestSite.url}/g/${id}`)).text();
const progressOf = (id: string) =>
  h.slack
    .messages()
    .filter((m) => m.channel === OPS_CHANNEL && JSON.stringify(m.blocks ?? '').includes(`booking \`${id}\``))
    .map((m) => JSON.stringify(m.blocks))
    .at(-1) ?? '';

it('asked while a reschedule is clearing the cache of a page it rendered before the ask: the refresh is queued and runs after it, once however often it is asked', async () => {
  // The change's page was rendered before the ask, perhaps by a process with older templates or
  // settings (a deploy is a reason to refresh): only a render yet to start makes the refresh moot.
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RDC1' };
  const id = await doneBooking(h, fields);
  expect(await guestPage(id)).not.toContain('5:00 PM');
  const before = invalidationsOf(id).length;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00' });
  const held = holdChangeAt('guest_cache');
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await held.atStep;
  expect((await h.running.built.api.get(id))?.operations?.find((o) => o.id === opId)?.steps?.guest_page?.status).toBe('done');
  h.slack.clear();

  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 2);
  const [first, second] = ephemeralsTo(h, APPROVER);
  expect(first).toMatch(/^A change is being applied to Maria Delgado's booking \(`\w+`\); the guest page refresh is queued and runs right after it\./);
  expect(second).toContain(`queued (already asked for by <@${APPROVER}>)`);
  const asked = await h.running.built.api.get(id);
  const queued = asked?.operations?.filter((o) => o.kind === 'refresh') ?? [];
  expect(queued).toEqual([expect.objectContaining({ status: 'queued' })]);
  expect(queued[0]?.coveredBy).toBeUndefined();

  held.release();
  const done = await waitForBooking(h, id, (b) => b.state === 'done' && b.operations?.find((o) => o.kind === 'refresh')?.status === 'done');
  await settle(h);
  expect(done.operations?.find((o) => o.id === opId)).toMatchObject({ status: 'done' });
  expect(done.operations?.find((o) => o.kind === 'refresh')?.steps?.guest_cache?.status).toBe('done');
  // The change's invalidation and the refresh's own.
  expect(invalidationsOf(id).length).toBe(before + 2);
  expect(await guestPage(id)).toContain('5:00 PM');
});

it('asked while a change the page does not show runs: the refresh is queued behind it and runs once, however often it is asked', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RDC2' };
  const id = await doneBooking(h, fields);
  const before = invalidationsOf(id).length;
  const opId = await proposeChange(h, id, 'edit', { ...fields, notes: 'Birthday; bring a cake knife' });
  const held = holdChangeAt('calendar_update');
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await held.atStep;
  const running = await h.running.built.api.get(id);
  expect(Object.keys(running?.operations?.find((o) => o.id === opId)?.steps ?? {})).toEqual(['calendar_update']);
  h.slack.clear();

  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 2);
  const [first, second] = ephemeralsTo(h, APPROVER);
  expect(first).toMatch(/^A change is being applied to Maria Delgado's booking \(`\w+`\); the guest page refresh is queued and runs right after it\. The progress message in the booking's thread will say when it is live\.$/);
  expect(second).toContain(`queued (already asked for by <@${APPROVER}>)`);
  const asked = await h.running.built.api.get(id);
  const queued = asked?.operations?.filter((o) => o.kind === 'refresh') ?? [];
  expect(queued).toHaveLength(1);
  expect(queued[0]).toMatchObject({ status: 'queued' });
  expect(queued[0]?.coveredBy).toBeUndefined();
  expect(invalidationsOf(id).length).toBe(before);

  held.release();
  const done = await waitForBooking(h, id, (b) => b.state === 'done' && b.operations?.find((o) => o.kind === 'refresh')?.status === 'done');
  await settle(h);
  expect(done.operations?.find((o) => o.id === opId)).toMatchObject({ status: 'done' });
  const ran = done.operations?.find((o) => o.kind === 'refresh');
  expect(ran?.steps?.guest_cache?.status).toBe('done');
  expect(invalidationsOf(id).length).toBe(before + 1);
  expect(await guestPage(id)).toContain('Maria Delgado');
});

it('asked while a reschedule whose upload failed waits on another step: covered by its Retry, which renders the page after the ask; no second refresh runs', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RDC3' };
  const id = await doneBooking(h, fields);
  const before = invalidationsOf(id).length;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00' });
  const held = holdChangeAt('calendar_update');
  h.proxies!.s3.fail();
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await held.atStep;
  // S3 answers 500 until the step gives up; the change still runs, held at its calendar update.
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.steps?.guest_page?.status === 'failed', 30_000);
  h.slack.clear();
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  expect(ephemeralsTo(h, APPROVER)[0]).toMatch(/uploads the guest page again and clears its cache after your ask, so no second refresh runs/);

  h.proxies!.s3.heal();
  held.release();
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
  await settle(h);
  // Nobody is told a refresh happened: it waits, listed in the thread, behind the change's Retry.
  expect(failed.operations?.find((o) => o.kind === 'refresh')).toMatchObject({ status: 'queued', coveredBy: opId });
  expect(progressOf(id)).toMatch(/Guest page refresh\* — queued/);

  await clickInOps(h, 'booking_retry', id);
  const done = await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  expect(done.operations?.find((o) => o.kind === 'refresh')).toMatchObject({ status: 'done', steps: {} });
  expect(invalidationsOf(id).length).toBe(before + 1);
  expect(await guestPage(id)).toContain('5:00 PM');
  expect(progressOf(id)).toContain('Nothing left to run: the change before it');
});

it("asked while a cancel runs, or after it: the answer says the cancel puts up the page's cancelled notice, not 'once the booking is done'", async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RDC4' };
  const id = await doneBooking(h, fields);
  const held = holdChangeAt('calendar_delete');
  await clickInOps(h, 'booking_cancel', id);
  await held.atStep;
  h.slack.clear();
  // The cancel's own private answer ("Cancelling …") may come among them.
  const answers = () => ephemeralsTo(h, APPROVER).filter((t) => t.startsWith(`Booking \`${id}\``));
  await refresh(id);
  await h.slack.waitFor(() => answers().length === 1);
  expect(answers()[0]).toBe(
    `Booking \`${id}\` is being cancelled: the cancel replaces its guest page with a notice that the charter is cancelled, so no refresh runs; the progress message in the booking's thread will say when it is live.`,
  );
  expect((await h.running.built.api.get(id))?.operations?.some((o) => o.kind === 'refresh')).toBe(false);

  held.release();
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await settle(h);
  await refresh(id);
  await h.slack.waitFor(() => answers().length === 2);
  expect(answers()[1]).toBe(`Booking \`${id}\` is *cancelled*; its guest page shows that the charter was cancelled, and is not refreshed any more.`);
  expect(await guestPage(id)).toMatch(/cancelled/i);
});
