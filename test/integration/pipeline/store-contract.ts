/**
 * The BookingStore contract, as one function run against every adapter (store-contract.test.ts).
 * Anything the runner relies on is stated here, so an adapter that passes can be swapped in.
 */
import { BookingExistsError, BookingNotFoundError, VersionConflictError } from '../../../src/pipeline/errors';
import { applyTransition, appendAudit } from '../../../src/pipeline/state-machine';
import { updateWithRetry, type BookingStore } from '../../../src/pipeline/store';
import { sampleRecord } from '../../fixtures/pipeline/booking';

export function describeStoreContract(name: string, open: () => Promise<BookingStore>, dispose: () => Promise<void>): void {
  describe(`BookingStore contract: ${name}`, () => {
    let store: BookingStore;

    beforeAll(async () => {
      store = await open();
    });

    afterAll(async () => {
      await store.close();
      await dispose();
    });

    it('answers undefined for an unknown id and a ping when reachable', async () => {
      await expect(store.get('NOSUCHBOOKING')).resolves.toBeUndefined();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('round-trips a full record, unicode and nested fields included', async () => {
      const record = sampleRecord();
      record.request.notes = 'Cumpleaños 🎉 — “quoted”';
      record.steps.calendar = { status: 'done', attempts: 2, startedAtMs: 1, finishedAtMs: 2, result: { id: 'cal-1', ok: true, n: 3 } };
      await store.create(record);
      await expect(store.get(record.id)).resolves.toEqual(record);
    });

    it('keeps an empty "Notes for crew" as an empty string, and a record without the key without it (crew-safe.ts predatesCrewNotes tells them apart by presence)', async () => {
      const blank = sampleRecord();
      blank.request.crewNotes = '';
      await store.create(blank);
      const read = await store.get(blank.id);
      expect(read?.request.crewNotes).toBe('');
      const written = await store.put({ ...read!, request: { ...read!.request, notes: 'changed' } }, read!.version);
      expect((await store.get(blank.id))?.request).toEqual(written.request);
      expect(Object.hasOwn((await store.get(blank.id))!.request, 'crewNotes')).toBe(true);
      const legacy = sampleRecord();
      expect(Object.hasOwn(legacy.request, 'crewNotes')).toBe(false);
      await store.create(legacy);
      expect(Object.hasOwn((await store.get(legacy.id))!.request, 'crewNotes')).toBe(false);
    });

    it('refuses to create a record whose id exists, leaving the first intact', async () => {
      const record = sampleRecord();
      await store.create(record);
      const impostor = { ...record, createdBy: 'U0IMPOSTOR' };
      await expect(store.create(impostor)).rejects.toThrow(BookingExistsError);
      expect((await store.get(record.id))?.createdBy).toBe(record.createdBy);
    });

    it('put writes the next version when the expected version matches', async () => {
      const record = sampleRecord();
      await store.create(record);
      const approved = applyTransition(record, 'approve', { userId: 'U0APPROVER1', nowMs: record.createdAtMs + 5 });
      const written = await store.put(approved, 1);
      expect(written.version).toBe(2);
      expect(written.state).toBe('approved');
      await expect(store.get(record.id)).resolves.toEqual(written);
    });

    it('put with a stale version throws VersionConflictError carrying the current record', async () => {
      const record = sampleRecord();
      await store.create(record);
      const winner = await store.put(appendAudit(record, 'confirmed', 'U0WINNER01', 10), 1);
      const conflict = store.put(appendAudit(record, 'confirmed', 'U0LOSER001', 11), 1);
      await expect(conflict).rejects.toThrow(VersionConflictError);
      const err = (await conflict.catch((e: unknown) => e)) as VersionConflictError;
      expect(err.code).toBe('PIPELINE_VERSION_CONFLICT');
      expect(err.expectedVersion).toBe(1);
      expect(err.current).toEqual(winner);
      expect((await store.get(record.id))?.audit.map((a) => a.userId)).toEqual([record.createdBy, 'U0WINNER01']);
    });

    it('put on a missing record throws BookingNotFoundError', async () => {
      await expect(store.put(sampleRecord(), 1)).rejects.toThrow(BookingNotFoundError);
    });

    it('of many puts racing on the same version exactly one wins', async () => {
      const record = sampleRecord();
      await store.create(record);
      const racers = Array.from({ length: 12 }, (_, i) => store.put(appendAudit(record, 'approved', `U0RACER${String(i).padStart(3, '0')}`, 20 + i), 1));
      const results = await Promise.allSettled(racers);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((r) => r.reason instanceof VersionConflictError)).toBe(true);
      const stored = await store.get(record.id);
      expect(stored?.version).toBe(2);
      expect(stored?.audit).toHaveLength(2);
    });

    it('updateWithRetry loses no update among concurrent writers', async () => {
      const record = sampleRecord();
      await store.create(record);
      const writers = Array.from({ length: 10 }, (_, i) =>
        updateWithRetry(store, record.id, (current) => appendAudit(current, 'confirmed', `U0CREW${String(i).padStart(4, '0')}`, 100 + i)),
      );
      await Promise.all(writers);
      const stored = await store.get(record.id);
      expect(stored?.version).toBe(11);
      expect(new Set(stored?.audit.filter((a) => a.action === 'confirmed').map((a) => a.userId)).size).toBe(10);
    });

    it('updateWithRetry writes nothing when the mutation declines, and reports the missing', async () => {
      const record = sampleRecord();
      await store.create(record);
      const out = await updateWithRetry(store, record.id, () => undefined);
      expect(out).toEqual({ record, written: false });
      await expect(updateWithRetry(store, 'NOSUCHBOOKING', (r) => r)).rejects.toThrow(BookingNotFoundError);
    });

    it('meta: a new key is created once, then written only by whoever names its current version', async () => {
      const key = `ical:test:${Math.random()}`;
      await expect(store.getMeta(key)).resolves.toBeUndefined();
      await expect(store.casMeta(key, 'first', 0)).resolves.toEqual({ key, value: 'first', version: 1 });
      await expect(store.casMeta(key, 'again', 0)).resolves.toBeUndefined();
      await expect(store.casMeta(key, 'stale', 5)).resolves.toBeUndefined();
      await expect(store.casMeta(key, 'second ✓ {"json":true}', 1)).resolves.toEqual({ key, value: 'second ✓ {"json":true}', version: 2 });
      await expect(store.getMeta(key)).resolves.toEqual({ key, value: 'second ✓ {"json":true}', version: 2 });
      // An empty value is a value: read back as written, and written over by naming its version.
      await expect(store.casMeta(key, '', 2)).resolves.toEqual({ key, value: '', version: 3 });
      await expect(store.getMeta(key)).resolves.toEqual({ key, value: '', version: 3 });
      await expect(store.casMeta(key, 'after empty', 3)).resolves.toEqual({ key, value: 'after empty', version: 4 });
    });

    it('meta: of many writers racing on the same version exactly one wins; meta never shows up as a booking', async () => {
      const key = `notice:race:${Math.random()}`;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.casMeta(key, `writer ${i}`, 0)));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      await expect(store.getMeta(key)).resolves.toEqual(winners[0]);
      const all = await store.listByStates(['pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled']);
      expect(all.every((b) => typeof b.id === 'string' && b.request !== undefined)).toBe(true);
      await expect(store.get(key)).resolves.toBeUndefined();
    });

    it('listActive returns exactly the approved and running bookings', async () => {
      const states = ['pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled'] as const;
      const ids: Record<string, string> = {};
      for (const state of states) {
        const record = { ...sampleRecord(), state };
        ids[state] = record.id;
        await store.create(record);
      }
      const active = await store.listActive();
      const mine = active.filter((r) => Object.values(ids).includes(r.id));
      expect(mine.map((r) => r.state).sort()).toEqual(['approved', 'running']);
      expect(active.every((r) => r.state === 'approved' || r.state === 'running')).toBe(true);
      const doneOrFailed = (await store.listByStates(['done', 'failed'])).filter((r) => Object.values(ids).includes(r.id));
      expect(doneOrFailed.map((r) => r.state).sort()).toEqual(['done', 'failed']);
      expect(await store.listByStates([])).toEqual([]);
    });

    it('listCurrent: approved and running always; done, cancelled, awaiting approval and failed ones until two days after their charter, then readable by id only', async () => {
      // The fixture's charter: 2030-07-04, 16:00 for 5 h.
      const beforeTrip = Date.UTC(2030, 6, 3);
      const tripDayAfter = Date.UTC(2030, 6, 6);
      const weekAfter = Date.UTC(2030, 6, 11);
      const states = ['pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled'] as const;
      const ids: Record<string, string> = {};
      for (const state of states) {
        const record = { ...sampleRecord(), state };
        ids[state] = record.id;
        await store.create(record);
      }
      // A change asked for on a charter that has sailed moves it ahead: it is listed while that is to come.
      const moved = { ...sampleRecord(), state: 'done' as const };
      moved.operations = [{ id: 'op2', kind: 'change', status: 'proposed', requestedBy: 'U0APPROVER1', requestedAtMs: 1, details: { request: { ...moved.request, date: '2030-08-01' }, roster: moved.roster, costs: moved.costs } }];
      await store.create(moved);
      // A failed cancel can always be retried (it undoes a past trip's artifacts): it stays listed.
      const cancelFailed = { ...sampleRecord(), state: 'failed' as const };
      cancelFailed.operations = [
        { id: 'create', kind: 'create', status: 'stopped', requestedBy: 'U0APPROVER1', requestedAtMs: 1 },
        { id: 'op2', kind: 'cancel', status: 'failed', requestedBy: 'U0APPROVER1', requestedAtMs: 2 },
      ];
      await store.create(cancelFailed);
      const named: Record<string, string> = { [moved.id]: 'moved', [cancelFailed.id]: 'cancel failed' };
      const mine = (records: { id: string; state: string }[]) => records.filter((r) => [...Object.values(ids), ...Object.keys(named)].includes(r.id)).map((r) => named[r.id] ?? r.state).sort();
      const all = [...states];

      expect(mine(await store.listCurrent(all, beforeTrip))).toEqual(['approved', 'cancel failed', 'cancelled', 'done', 'failed', 'moved', 'pending_approval', 'running']);
      expect(mine(await store.listCurrent(all, tripDayAfter))).toEqual(['approved', 'cancel failed', 'cancelled', 'done', 'failed', 'moved', 'pending_approval', 'running']);
      // An expired request and a failed create wait for nothing anyone can still do.
      expect(mine(await store.listCurrent(all, weekAfter))).toEqual(['approved', 'cancel failed', 'moved', 'running']);
      expect((await store.get(ids.pending_approval!))?.state).toBe('pending_approval');
      expect(mine(await store.listCurrent(['done'], weekAfter))).toEqual(['moved']);
      expect(await store.listCurrent([], weekAfter)).toEqual([]);
      // Past and left out, yet there for whoever asks by id, and in the complete listing.
      expect((await store.get(ids.done!))?.state).toBe('done');
      expect((await store.listByStates(['done', 'cancelled'])).map((r) => r.id)).toEqual(expect.arrayContaining([ids.done, ids.cancelled]));

      // A write that leaves it in the past leaves it out; one that moves its charter ahead lists it again.
      const done = (await store.get(ids.done!))!;
      const touched = await store.put({ ...done, confirmations: { U0CREW0001: weekAfter } }, done.version);
      expect(mine(await store.listCurrent(['done'], weekAfter))).toEqual(['moved']);
      await store.put({ ...touched, request: { ...touched.request, date: '2030-07-20' } }, touched.version);
      expect(mine(await store.listCurrent(['done'], weekAfter))).toEqual(['done', 'moved']);
      expect((await store.listCurrent(['done'], weekAfter)).find((r) => r.id === ids.done)?.request.date).toBe('2030-07-20');
    });
  });
}
