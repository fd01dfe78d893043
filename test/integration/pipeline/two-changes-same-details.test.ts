/**
 * Two change requests filled in from the same details — one reschedules, one edits the notes — both
 * approved while an earlier change still runs. The second would replace the first, and its form
 * carries the old date: the reschedule whose approval was confirmed would never happen. The second
 * is refused as made from outdated details instead, and the reschedule reaches every artifact.
 * BookingService on SQLite, the production integration steps against the sandbox stand-ins.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { UNDOES_WAITING_CHANGE_NOTE } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);
const log = createLogger({ level: 'silent', pretty: false });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-two-changes-'));
let standins: Standins;
let notices: RecordingServer;
beforeAll(async () => {
  standins = await startStandins();
  notices = await startRecordingServer();
});
afterAll(async () => {
  await notices.close();
  await standins.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('a second approved change from the same details is refused rather than dropping the first: the reschedule happens', async () => {
  const sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url });
  const store = SqliteBookingStore.open(path.join(tmp, 'c.db'));
  const service = new BookingService({ store, steps: sandbox.steps, log });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    await service.idle();
    const done = (await service.get(booking.id))!;
    expect(done.state).toBe('done');

    // op2 runs a while: the dashboard answers its PATCH slowly.
    standins.dashboard.faults.inject('PATCH *', { kind: 'latency', ms: 3000 }, { times: 1 });
    const op2 = await service.proposeChange(booking.id, { details: { request: { ...done.request, partySize: 5 }, roster: done.roster, costs: done.costs }, label: 'edit', userId: 'U0OFFICE01' });
    await service.approveChange(booking.id, op2.op.id, 'U0APPROVER1');
    let running = (await service.get(booking.id))!;
    while (running.revision !== 2) running = (await service.get(booking.id))!;
    // While op2 runs, two people fill in a change from what the booking shows now.
    const cur = { request: running.request, roster: running.roster, costs: running.costs };
    const op3 = await service.proposeChange(booking.id, { details: { ...cur, request: { ...cur.request, date: '2030-07-11' } }, label: 'reschedule', userId: 'U0OFFICE01' });
    const op4 = await service.proposeChange(booking.id, { details: { ...cur, request: { ...cur.request, notes: 'Birthday; bring a cake' } }, label: 'edit', userId: 'U0OFFICE02' });
    await service.approveChange(booking.id, op3.op.id, 'U0APPROVER1');
    await service.approveChange(booking.id, op4.op.id, 'U0APPROVER1');
    await service.idle();

    const end = (await service.get(booking.id))!;
    const opOf = (id: string) => end.operations?.find((o) => o.id === id);
    expect(opOf(op3.op.id)?.status).toBe('done');
    expect(opOf(op4.op.id)).toMatchObject({ status: 'superseded', note: UNDOES_WAITING_CHANGE_NOTE });
    expect(end.state).toBe('done');
    expect(end.request.date).toBe('2030-07-11');
    expect(end.request.partySize).toBe(5);
    const entry = standins.dashboard.entries().find((e) => e.externalId === booking.id);
    expect(String(entry?.body.start)).toContain('2030-07-11');
  } finally {
    standins.dashboard.faults.clear();
    await service.idle();
    await sandbox.close();
    await store.close();
  }
});
