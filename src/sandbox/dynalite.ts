/**
 * A local DynamoDB (dynalite) on a loopback ephemeral port, for tests and the sandbox.
 * Tables become ACTIVE (or are gone) at once unless a test asks for time in CREATING, UPDATING or
 * DELETING. Dynalite has no transactions and ignores
 * ReturnValuesOnConditionCheckFailure (see LOCAL-STANDINS.md): code under test must not rely on them.
 */
import type { Server } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface DynaliteOptions {
  /** Directory for an on-disk LevelDB; in memory when omitted. */
  path?: string;
  /** How long a table stays CREATING / UPDATING / DELETING; 0 (at once) when omitted. */
  createTableMs?: number;
  updateTableMs?: number;
  deleteTableMs?: number;
}

export interface RunningDynalite {
  /** e.g. http://127.0.0.1:54321 — pass as `endpoint` or AWS_ENDPOINT_URL_DYNAMODB. */
  endpoint: string;
  close(): Promise<void>;
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

export async function startDynalite(opts: DynaliteOptions = {}): Promise<RunningDynalite> {
  // dynalite ships no types; its default export is a factory returning an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: opts.createTableMs ?? 0, deleteTableMs: opts.deleteTableMs ?? 0, updateTableMs: opts.updateTableMs ?? 0, ...(opts.path ? { path: opts.path } : {}) });
  const listener = await listenOnLoopback(server);
  return {
    endpoint: listener.url,
    close: listener.close,
  };
}
