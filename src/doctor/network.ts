/**
 * The doctor's deadlines, and what a transport failure means in words an operator can act on.
 * Each client wraps its errors differently — undici (`cause.code`), the Slack WebClient
 * (`original`, itself a fetch TypeError with a `cause`), the AWS SDK (`name: TimeoutError`, or
 * Node's error with `code`) — so the chain of causes is walked. Pure: no I/O.
 */
import { UNDICI_TIMEOUT_CODES } from '../integrations/http';

/** One answer per call within this long; the doctor never retries. */
export const DOCTOR_CALL_TIMEOUT_MS = 5000;
/** TCP/TLS connect deadline of the doctor's calls. */
export const DOCTOR_CONNECT_TIMEOUT_MS = 3000;

export type NetworkProblem =
  | { kind: 'timeout' }
  | { kind: 'dns'; host: string | undefined; code: 'ENOTFOUND' | 'EAI_AGAIN' }
  | { kind: 'refused'; host: string | undefined };

const TIMEOUT_CODES = new Set([...UNDICI_TIMEOUT_CODES, 'ETIMEDOUT', 'ECONNABORTED']);

/** The error and everything it wraps (cause, the WebClient's `original`, an AggregateError's errors), outermost first. */
function errorChain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 16) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || out.includes(e as Record<string, unknown>)) continue;
    const rec = e as Record<string, unknown>;
    out.push(rec);
    queue.push(rec.cause, rec.original);
    if (Array.isArray(rec.errors)) queue.push(...(rec.errors as unknown[]));
  }
  return out;
}

/** A timeout, an unresolvable host or a refused connection anywhere in the error's chain; undefined for anything else. */
export function networkProblem(err: unknown): NetworkProblem | undefined {
  const chain = errorChain(err);
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'dns', code, host: typeof e.hostname === 'string' ? e.hostname : undefined };
  }
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    // AbortSignal.timeout() (the WebClient's deadline) and the AWS SDK's requestTimeout both name their error TimeoutError.
    if (e.name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) return { kind: 'timeout' };
  }
  for (const e of chain) {
    if (e.code === 'ECONNREFUSED') {
      const host = typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : undefined;
      return { kind: 'refused', host };
    }
  }
  return undefined;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Detail and fix for a transport failure of `system` (reached at `host`, configured by `setting`),
 * or undefined when the error is not one. Never includes a URL's path or query (they may carry tokens).
 */
export function describeNetworkProblem(err: unknown, target: { system: string; host?: string; setting: string }): { detail: string; fix: string } | undefined {
  const problem = networkProblem(err);
  if (!problem) return undefined;
  const at = target.host ? ` at ${target.host}` : '';
  switch (problem.kind) {
    case 'timeout':
      return {
        detail: `${target.system}${at} did not answer within ${seconds(DOCTOR_CALL_TIMEOUT_MS)}`,
        fix: `check ${target.setting} and that the service answers there; a firewall or proxy that drops the request looks the same`,
      };
    case 'dns': {
      const host = problem.host ?? target.host ?? 'the host';
      return {
        detail: `could not resolve host ${host}; check the URL / network (${problem.code === 'EAI_AGAIN' ? 'DNS did not answer' : 'no such host'})`,
        fix: `correct the host in ${target.setting}, or fix this machine's DNS / network connection`,
      };
    }
    case 'refused':
      return {
        detail: `${target.system} refused the connection${problem.host ? ` at ${problem.host}` : at}`,
        fix: `check the host and port in ${target.setting} and that the service is running`,
      };
  }
}
