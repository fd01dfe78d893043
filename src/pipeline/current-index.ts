/**
 * The DynamoDB state table's sparse index of current bookings (current-bookings.ts says which):
 * declared here once for the store that creates and Queries it (dynamodb-store.ts), the doctor that
 * checks it, and the test that holds infra/template.yaml to the same definition. No SDK import, so
 * the doctor can name it without loading the store.
 */

/** The index, its key attribute (on a booking item while it is indexed) and that key's one value. */
export const CURRENT_INDEX = 'current-bookings';
export const CURRENT_KEY = 'listed';
export const CURRENT_VALUE = 'current';
/** Beside the key once a booking is finished: until when it is current (ms since the epoch). */
export const CURRENT_UNTIL = 'listedUntilMs';

/** The index as ensureTable creates it and the stack declares it. */
export const CURRENT_INDEX_DEFINITION = {
  IndexName: CURRENT_INDEX,
  KeySchema: [{ AttributeName: CURRENT_KEY, KeyType: 'HASH' as const }],
  // What a listing needs to pick which bookings to read: their state, and whether they are past.
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: ['state', CURRENT_UNTIL] },
};
