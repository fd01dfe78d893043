/**
 * Is the process that holds a lease still alive? Only answerable for processes on this host, which
 * is every process that shares a SQLite file: a restarted bot takes over its crashed predecessor's
 * steps at once instead of waiting out their leases. Anything we cannot tell counts as alive — the
 * lease then simply runs out. Owner ids are `{host}-{pid}-{random}` (runner.defaultOwnerId).
 */
import { hostname } from 'node:os';
import type { OwnerDead } from './state-machine';

export function parseOwnerId(owner: string): { host: string; pid: number } | undefined {
  const match = /^(.+)-(\d+)-[0-9a-f]{8}$/.exec(owner);
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1], pid: Number(match[2]) };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function sameHostOwnerDead(selfOwnerId: string, host: string = hostname(), pid: number = process.pid): OwnerDead {
  return (owner) => {
    if (owner === selfOwnerId) return false;
    const parsed = parseOwnerId(owner);
    if (!parsed || parsed.host !== host) return false;
    // Our own pid under another id: a previous incarnation (containers restart as pid 1).
    if (parsed.pid === pid) return true;
    return !processExists(parsed.pid);
  };
}
