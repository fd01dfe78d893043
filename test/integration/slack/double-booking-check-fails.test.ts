/**
 * The double-booking check's store read fails (a throttled listing) while a form is submitted. The
 * form has already closed by then, so what was typed must not be lost: the new booking and the
 * change request are posted all the same, telling the approver the check did not run.
 */
import { StoreUnavailableError } from '../../../src/pipeline/errors';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { refusingStore, type RefusingStore } from '../../fixtures/pipeline/refusing-store';
import { APPROVER, approvalPosts, changeRequestPost, doneBooking, ephemeralsTo, proposeChange, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

jest.setTimeout(60_000);

const NOT_CHECKED = 'Could not check for double bookings or a duplicate reference: look at the calendar before approving.';

let h: Harness;
let listings: RefusingStore;
beforeAll(async () => {
  listings = refusingStore('listByStates', () => new StoreUnavailableError('bookings still unread after 5 BatchGetItem attempts (throttled, injected)', undefined, { transient: true }));
  h = await startHarness({ env: listings.env, deps: { store: listings.store } });
});
afterAll(async () => {
  await h.close();
  listings.close();
});

it('a new booking is posted for approval with the warning', async () => {
  listings.refuse();
  const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-CHECK1' });
  expect(listings.pending).toBe(0);
  const post = approvalPosts(h.slack).find((c) => JSON.stringify(c.body.metadata ?? {}).includes(id));
  expect(blocksToText(post?.body.blocks)).toContain(NOT_CHECKED);
});

it('a change request is posted with the warning, as the form said it; nothing to type again', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-CHECK2' });
  h.slack.clear();
  listings.refuse();
  const opId = await proposeChange(h, id, 'edit', { ...VALID_FIELDS, boatsetterRef: 'BS-CHECK2', guestName: 'Maria Delgado-Ruiz' });
  expect(listings.pending).toBe(0);
  const op = (await h.running.built.api.get(id))!.operations!.find((o) => o.id === opId)!;
  expect(op.details?.request.guestName).toBe('Maria Delgado-Ruiz');
  expect(op.warnings).toContain(NOT_CHECKED);
  const text = blocksToText(changeRequestPost(h, id, opId)?.body.blocks);
  expect(text).toContain('*Guest*: Maria Delgado → Maria Delgado-Ruiz');
  expect(text).toContain(NOT_CHECKED);
  expect(ephemeralsTo(h, APPROVER)).toEqual([]);
});
