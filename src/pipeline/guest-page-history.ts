/**
 * What the guest page and its calendar file need from a booking's history, read from the record
 * alone so a re-render of the same revision (a retry, a refresh, another process) gives the same
 * bytes: the content hash names the CloudFront invalidation, and CloudFront dedupes a repeat only
 * when the hash is the same.
 */
import { operationsOf } from './operations';
import type { BookingRecord } from './types';

/**
 * When revision `revision` of the booking was made: its creation for the first, else the start of
 * the change or cancel that brought it (startOperation sets the revision and startedAtMs together,
 * and compaction keeps both). This is the .ics DTSTAMP: with METHOD:PUBLISH, RFC 5545 §3.8.7.2 makes
 * it the time this instance of the calendar object was created, and calendar apps order two copies
 * of one UID at the same SEQUENCE by it (RFC 5546 §2.1.5). Not the clock: every re-render would be
 * new bytes.
 */
export function revisionMadeAtMs(record: BookingRecord, revision: number): number {
  if (revision <= 1) return record.createdAtMs;
  const op = operationsOf(record).find((o) => o.revision === revision && o.startedAtMs !== undefined);
  // Every revision above 1 is set by an operation's start; without one (a hand-edited record) the
  // creation time still keeps the bytes stable.
  return op?.startedAtMs ?? record.createdAtMs;
}
