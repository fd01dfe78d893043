/**
 * The one way the doctor (each call, and its whole run on Lambda) and the progress publisher's drain
 * stop waiting: a value or a TimeoutError once the time is up, no timer left behind by a fast answer,
 * and a drain's wait that does not keep a stopping process alive.
 */
import { settleWithin, withDeadline } from '../../src/deadline';

const never = () => new Promise<string>(() => undefined);
/** Referenced timers: what keeps the event loop, and so the process, alive. */
const heldTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

it('withDeadline rejects a hung call with a TimeoutError, and passes an answer through', async () => {
  await expect(withDeadline(never(), 5)).rejects.toMatchObject({ name: 'TimeoutError', message: 'no answer within 5 ms' });
  await expect(withDeadline(Promise.resolve('ok'), 60_000)).resolves.toBe('ok');
  await expect(withDeadline(Promise.reject(new Error('refused')), 60_000)).rejects.toThrow('refused');
});

it('settleWithin gives what late() says once the time is up, and a throwing late() rejects', async () => {
  await expect(settleWithin(never(), 5, () => 'not finished')).resolves.toBe('not finished');
  await expect(settleWithin(never(), 5, () => { throw new Error('late'); })).rejects.toThrow('late');
});

it('leaves no timer behind when the answer comes first', async () => {
  const before = heldTimers();
  await settleWithin(Promise.resolve('ok'), 60_000, () => 'late');
  expect(heldTimers()).toBe(before);
});

it('holds the process while it waits, unless told a stopping process must not wait on it', async () => {
  const before = heldTimers();
  let release!: (v: string) => void;
  const held = settleWithin(new Promise<string>((r) => (release = r)), 60_000, () => 'late');
  expect(heldTimers()).toBe(before + 1);
  release('ok');
  await held;
  const draining = settleWithin(new Promise<string>((r) => (release = r)), 60_000, () => 'late', { holdProcess: false });
  expect(heldTimers()).toBe(before);
  release('ok');
  await expect(draining).resolves.toBe('ok');
});
