/**
 * The newest stored version of each booking this process has read or written, as JSON (each use
 * parses its own copy). What a store's newestKnown() answers from: a starting point for a
 * compare-and-set that saves the read before it, never an answer to a read. Bounded; the booking
 * touched longest ago is forgotten first.
 */
import type { BookingRecord } from './types';

const DEFAULT_MAX = 1000;

export class KnownRecords {
  private readonly records = new Map<string, { version: number; json: string; state?: string }>();

  constructor(private readonly max = DEFAULT_MAX) {}

  /** Keeps `json` (and the record's state, when the caller has it at hand) if it is newer than what is known of `id`. */
  remember(id: string, version: number, json: string, state?: string): void {
    const seen = this.records.get(id);
    if (seen && seen.version >= version) return;
    this.records.delete(id);
    if (this.records.size >= this.max) this.records.delete(this.records.keys().next().value ?? '');
    this.records.set(id, state === undefined ? { version, json } : { version, json, state });
  }

  version(id: string): number | undefined {
    return this.records.get(id)?.version;
  }

  /** The state of `id` at exactly `version`, when that version is the one known. */
  stateAt(id: string, version: number): string | undefined {
    const seen = this.records.get(id);
    return seen?.version === version ? seen.state : undefined;
  }

  /** A copy of the newest known record; with `newerThan`, only if it is newer than that version. */
  record(id: string, newerThan?: number): BookingRecord | undefined {
    const seen = this.records.get(id);
    if (!seen || (newerThan !== undefined && seen.version <= newerThan)) return undefined;
    return JSON.parse(seen.json) as BookingRecord;
  }
}
