/**
 * The failures a step attempt went on past (a create answered 503, then looked up; a lookup answered
 * 503, then tried again). Each is logged as it happens, and the last is what the attempt's timeout
 * message names: a service that answered 503 twice needs a different look than one that never
 * answered, though both run the attempt out of time.
 */
import { STATUS_CODES } from 'node:http';
import { IntegrationError } from '../integrations/errors';
import type { Logger } from '../log';
import type { RetriedCall } from '../log-context';

export interface RetriedFailures {
  note(err: unknown, call: RetriedCall): void;
  /** "answered 503 Service Unavailable twice", or undefined when nothing failed. */
  summary(): string | undefined;
}

/** "answered 503 Service Unavailable", "failed (SCC_UNAVAILABLE)": what the service did, in a few words. */
function whatItDid(err: unknown): string {
  if (err instanceof IntegrationError && err.status !== undefined) return `answered ${`${err.status} ${STATUS_CODES[err.status] ?? ''}`.trim()}`;
  if (err instanceof IntegrationError) return `failed (${err.code})`;
  return `failed (${err instanceof Error ? err.name : 'unknown error'})`;
}

function times(n: number): string {
  return n === 1 ? '' : n === 2 ? ' twice' : ` ${n} times`;
}

export function retriedFailures(log: Logger, attempt: number): RetriedFailures {
  let last: string | undefined;
  let count = 0;
  return {
    note(err, call) {
      const did = whatItDid(err);
      count = did === last ? count + 1 : 1;
      last = did;
      const next = call === 'create' ? 'looking it up before any new create' : 'looking again';
      log.warn({ err, attempt, call }, `${call} ${did}; ${next}`);
    },
    summary: () => (last === undefined ? undefined : `${last}${times(count)}`),
  };
}
