/**
 * A guest page refresh still writing when the charter is cancelled. The refresh re-renders the live
 * page and the cancel writes the "this charter was cancelled" notice at the same S3 key; whichever
 * lands last is what guests read. A refresh that is merely slow (here: held before its upload) must
 * not land its live page over the cancel's notice: the refresh is an operation, so the cancel stops
 * it and waits for its step in flight before writing. Real stand-ins (s3rver, the guest site through
 * the edge function, CloudFront), SQLite on disk.
 */
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';

jest.setTimeout(60_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('refresh-then-cancel');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a Cancel clicked while a guest page refresh is uploading: the page guests read ends as the cancelled notice', async () => {
  const { standins, store, sandbox } = world;
  const setup = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'setup' });
  const booking = await setup.create(sampleNewBooking());
  await setup.approve(booking.id, APPROVER);
  expect((await setup.run(booking.id)).state).toBe('done');

  // The refresh is slow to upload (a slow S3, a paused process): it is held right before its PutObject.
  let reached!: () => void;
  const atUpload = new Promise<void>((r) => (reached = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const refresher = new BookingService({
    store,
    steps: sandbox.steps,
    log,
    autoRun: false,
    ownerId: 'refresher',
    leaseMs: 1000,
    onBoundary: async (step, boundary, _id, opId) => {
      if (opId === 'create' || step !== 'guest_page' || boundary !== 'before') return;
      reached();
      await released;
    },
  });
  const asked = await refresher.requestRefresh(booking.id, APPROVER);
  expect(asked.op.kind).toBe('refresh');
  // autoRun off, as on Lambda: the request is only written, and this is the pipeline function's run.
  const refresh = refresher.run(booking.id).catch((err: unknown) => err);
  await atUpload;

  const canceller = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'canceller', leaseMs: 1000, baseDelayMs: 5 });
  expect((await canceller.cancel(booking.id, APPROVER)).won).toBe(true);
  const cancelling = canceller.run(booking.id);
  // The refresh's upload goes once the cancel has written its notice, or after a second at most
  // (the cancel waits for the refresh's step in flight, so it is the second).
  for (let waited = 0; waited < 1000; waited += 20) {
    const r = await store.get(booking.id);
    if (operationsOf(r!).at(-1)?.steps?.guest_page?.status === 'done') break;
    await sleep(20);
  }
  expect(operationsOf((await store.get(booking.id))!).find((o) => o.id === asked.op.id)?.status).toBe('stopping');
  release();
  await refresh;
  const cancelled = await cancelling;
  expect(cancelled.state).toBe('cancelled');

  const page = await (await fetch(`${standins.guestSite.url}/g/${booking.id}`)).text();
  expect(page).toContain('This charter was cancelled');
  expect(page).not.toContain('Ahoy');
});
