import { RetryLine } from '../../../src/slack/progress/retry-line';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RetryLine', () => {
  it('lets sends turned away in one line retry one at a time, in the order they were turned away', async () => {
    const line = new RetryLine();
    const order: string[] = [];
    let inside = 0;
    let mostInside = 0;
    const send = async (name: string) => {
      const release = await line.turn('chat.postMessage C1', Date.now(), Date.now() + 5_000);
      expect(release).toBeDefined();
      inside += 1;
      mostInside = Math.max(mostInside, inside);
      order.push(name);
      await sleep(15);
      inside -= 1;
      release?.();
    };
    await Promise.all(['a', 'b', 'c', 'd'].map(send));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(mostInside).toBe(1);
    expect(line.size).toBe(0);
  });

  it('waits for Retry-After even at the front, and does not hold other lines', async () => {
    const line = new RetryLine();
    const start = Date.now();
    const holder = await line.turn('chat.postMessage C1', start, start + 5_000);
    // C2 is another channel: its turn comes at once, while C1's is held.
    const other = await line.turn('chat.postMessage C2', start, start + 5_000);
    expect(holder).toBeDefined();
    expect(other).toBeDefined();
    other?.();
    const next = line.turn('chat.postMessage C1', start + 50, start + 5_000);
    await sleep(30);
    holder?.();
    const release = await next;
    expect(Date.now() - start).toBeGreaterThanOrEqual(50);
    release?.();
  });

  it('gives up a turn that does not come by the deadline, without letting later sends jump the ones ahead', async () => {
    const line = new RetryLine();
    const now = Date.now();
    const first = await line.turn('L', now, now + 5_000);
    const impatient = line.turn('L', now, now + 40);
    const patient = line.turn('L', now, now + 5_000);
    expect(await impatient).toBeUndefined();
    let patientGotIn = false;
    void patient.then(() => (patientGotIn = true));
    await sleep(30);
    // the first is still in: the patient one waits for it, though the impatient one left
    expect(patientGotIn).toBe(false);
    first?.();
    const release = await patient;
    expect(release).toBeDefined();
    release?.();
    await sleep(0);
    expect(line.size).toBe(0);
  });
});
