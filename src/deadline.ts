/**
 * One way to stop waiting for a promise: the doctor's calls and its whole run, and the progress
 * publisher's drain at shutdown, used to race their own timers against it, each a little differently.
 */

export interface SettleWithinOptions {
  /**
   * False for a wait that must not keep a stopping process alive (a drain at shutdown: if nothing
   * else is left to run, the wait is over). Default true: a CLI waiting out a hung call must still
   * report it rather than exit with nothing said.
   */
  holdProcess?: boolean;
}

/**
 * `p`, or what `late()` returns (or throws) once `ms` have passed. The timer is cleared as soon as
 * `p` settles, so a fast answer leaves nothing pending.
 */
export function settleWithin<T>(p: Promise<T>, ms: number, late: () => T, opts: SettleWithinOptions = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, Math.max(0, ms));
    if (opts.holdProcess === false) timer.unref();
  });
  return Promise.race([p, cut]).finally(() => clearTimeout(timer));
}

/** Rejects with an error named TimeoutError (which the doctor's networkProblem reads as a timeout) when `p` has not settled within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return settleWithin(p, ms, () => {
    throw Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
  });
}
