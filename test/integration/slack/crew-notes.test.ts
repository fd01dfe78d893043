/**
 * "Internal notes" and "Notes for crew", end to end over signed Slack requests, with the production
 * steps against the local stand-ins: crew surfaces (their DMs, SCC) get only the crew field, the
 * approval message and the calendar entry show both, labelled; a money line in the crew field is
 * refused next to it and nothing is booked; Edit carries the crew notes and changes them; a booking
 * saved before the field (no crewNotes key) keeps showing crew its filtered notes.
 */
import { computeCosts } from '../../../src/booking/costs';
import { sessionIdFor } from '../../../src/booking/session-id';
import type { BookingRequest, RosterMember } from '../../../src/booking/types';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { RATES } from '../../support/booking';
import { crewVisibleCalls, visibleText } from '../../support/crew-surfaces';
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import {
  APPROVER,
  approvalPosts,
  CAPTAIN,
  changeAndApprove,
  CREW,
  doneBooking,
  openChangeForm,
  OPS_CHANNEL,
  ORIGIN_CHANNEL,
  settle,
  startHarness,
  submitChangeForm,
  VALID_FIELDS,
  waitForBooking,
  type Harness,
} from './harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const INTERNAL = 'Sam: 150\nOwner split 70/30';
const CREW_NOTES = 'Bring ice\nDock B slip 12';
/** Internal lines the money detector knowingly misses: only the separate field keeps them from crew. */
const INTERNAL_ONLY = /Sam: 150|70\/30/;
const FIELDS = { ...VALID_FIELDS, notes: INTERNAL, crewNotes: CREW_NOTES };
const everyone = [CAPTAIN, ...CREW];

const crewText = () => JSON.stringify(crewVisibleCalls(h.slack, { crewUsers: everyone }).map((c) => c.body));
const sccEvent = (id: string) => h.standins!.scc.events().find((e) => e.externalId === id);
const calendarEntry = (id: string) => h.standins!.dashboard.entries().find((e) => e.externalId === id);
const year = new Date().getUTCFullYear() + 1;


describe('a new booking with both notes', () => {
  let id: string;
  beforeAll(async () => {
    h.slack.clear();
    id = await doneBooking(h, FIELDS);
  });

  it('stores the crew field apart from the internal notes', async () => {
    const booking = (await h.running.built.api.get(id))!;
    expect(booking.request).toMatchObject({ notes: INTERNAL, crewNotes: CREW_NOTES });
  });

  it('the approval message shows both, labelled', () => {
    const approval = blocksToText(approvalPosts(h.slack).at(-1)?.body.blocks);
    expect(approval).toContain('*Internal notes* (office only)\nSam: 150\nOwner split 70/30');
    expect(approval).toContain('*Notes for crew* (crew post and SCC event)\nBring ice\nDock B slip 12');
  });

  it('crew DMs carry the crew notes and nothing of the internal notes', () => {
    const dms = crewVisibleCalls(h.slack, { crewUsers: everyone }).filter((c) => c.method === 'chat.postMessage');
    expect(new Set(dms.map((c) => c.body.channel))).toEqual(new Set(everyone.map((u) => `D${u.slice(1)}`)));
    for (const dm of dms) expect(blocksToText(dm.body.blocks)).toContain('*Notes from the office*\nBring ice\nDock B slip 12');
    expect(crewText()).not.toMatch(INTERNAL_ONLY);
  });

  it('the SCC event describes the crew notes only', () => {
    const description = String(sccEvent(id)?.body.description);
    expect(description).toContain('Notes from the office:\nBring ice\nDock B slip 12');
    expect(description).not.toMatch(INTERNAL_ONLY);
  });

  it('the calendar entry (operators only) carries both, labelled', () => {
    expect(calendarEntry(id)?.body.notes).toContain('Internal notes:\nSam: 150\nOwner split 70/30\nNotes for crew:\nBring ice\nDock B slip 12');
  });

  it('the guest page shows neither', async () => {
    const html = visibleText(await fetch(`${h.config.guest.siteUrl}/g/${id}`).then((r) => r.text()));
    expect(html).toContain('Maria');
    expect(html).not.toMatch(/Bring ice|Dock B slip 12|Sam: 150|70\/30/);
  });
});

describe('the form refuses money in the crew field', () => {
  it('answers an inline error on the crew field naming the line, and books nothing', async () => {
    const before = approvalPosts(h.slack).length;
    const viewId = 'V0CREWNOTES1';
    const res = await h.requester.interact(
      viewSubmissionPayload({ userId: APPROVER, viewId, values: bookingModalState({ ...FIELDS, crewNotes: 'Bring ice\nCaptain gets 300' }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }),
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { crewNotes: 'Line 2 looks like money (“Captain gets 300”). Crew see this field: move it to Internal notes.' } });
    await settle(h);
    expect(approvalPosts(h.slack)).toHaveLength(before);
    // The booking this form would have made (its id comes from the view id) does not exist.
    await expect(h.running.built.api.get(sessionIdFor(`view:${viewId}`, h.config.slack.botToken))).resolves.toBeUndefined();
  });

  /** The form with `line` under a harmless first line answers the inline error naming line 2, and books nothing. */
  async function refusesAsLine2(line: string): Promise<void> {
    const before = approvalPosts(h.slack).length;
    const res = await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...FIELDS, crewNotes: `Meet at slip 45\n${line}` }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
    expect(res.json).toEqual({ response_action: 'errors', errors: { crewNotes: `Line 2 looks like money (“${line}”). Crew see this field: move it to Internal notes.` } });
    await settle(h);
    expect(approvalPosts(h.slack)).toHaveLength(before);
  }

  it.each(['300 balance due at dock', '450 still owed, 1200 total paid online', 'Rest (450) at dock'])('refuses money still to come in, written number first (review 2026-12-07): %s', refusesAsLine2);

  it.each(['Captain gets 1.250,50', 'Crew split 1.250,50', 'Owner 1.250,50', 'Guest paid 1.250,50', 'Balance due at dock: 900', 'Balance due at the dock: 900', 'Due at dock: 900', '1200 paid in full', '1,200 paid in full'])(
    'refuses European-grouped amounts, money due at the dock then its amount, an amount paid in full (these reached crew DMs): %s',
    refusesAsLine2,
  );

  it('still books the crew notes beside those that are no money, and crew DMs carry them', async () => {
    h.slack.clear();
    const crewNotes = 'Guests due at dock 3\nCrew due at dock: 8\nSlip B-12, 2 coolers\nGuest paid in full';
    await doneBooking(h, { ...FIELDS, crewNotes });
    const dms = crewVisibleCalls(h.slack, { crewUsers: everyone }).filter((c) => c.method === 'chat.postMessage');
    expect(dms).toHaveLength(everyone.length);
    for (const dm of dms) expect(blocksToText(dm.body.blocks)).toContain(`*Notes from the office*\n${crewNotes}`);
  });

  it('the change form refuses it too, and proposes nothing', async () => {
    const id = await doneBooking(h, FIELDS);
    const res = await submitChangeForm(h, id, 'edit', { ...FIELDS, crewNotes: 'Bring ice\nFuel 85.40 on the card' });
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { crewNotes: expect.stringMatching(/^Line 2 looks like money \(“Fuel 85\.40 on the card”\)/) } });
    expect((await h.running.built.api.get(id))?.operations ?? []).not.toContainEqual(expect.objectContaining({ kind: 'change' }));
  });
});

describe('a blank crew field', () => {
  it('is stored as an empty string, and crew get no notes at all', async () => {
    h.slack.clear();
    const id = await doneBooking(h, { ...VALID_FIELDS, notes: 'Bring ice\nSam: 150' });
    const booking = (await h.running.built.api.get(id))!;
    expect(booking.request.crewNotes).toBe('');
    expect(crewText()).not.toContain('Notes from the office');
    expect(crewText()).not.toMatch(/Bring ice|Sam: 150/);
    expect(String(sccEvent(id)?.body.description)).not.toMatch(/Notes from the office|Bring ice|Sam: 150/);
  });
});

describe('Edit', () => {
  it('opens with both notes; a crew-notes change reaches SCC and the crew post, and crew are told; the approver sees it in the diff', async () => {
    const id = await doneBooking(h, FIELDS);
    const crewTs = (await h.running.built.api.get(id))!.slack.crewPosts?.[CAPTAIN]?.ts;
    const form = await openChangeForm(h, id);
    expect(form.initial('notes')).toBe(INTERNAL);
    expect(form.initial('crewNotes')).toBe(CREW_NOTES);
    expect(form.block('crewNotesLegacy')).toBeUndefined();

    h.slack.clear();
    const { requestText } = await changeAndApprove(h, id, { ...FIELDS, crewNotes: 'Bring ice\nDock C slip 4' });
    expect(requestText).toContain('*Notes for crew*: Bring ice / Dock B slip 12 → Bring ice / Dock C slip 4');
    expect((await h.running.built.api.get(id))?.request.crewNotes).toBe('Bring ice\nDock C slip 4');
    expect(String(sccEvent(id)?.body.description)).toContain('Dock C slip 4');
    const crewUpdate = h.slack.callsTo('chat.update').filter((c) => c.body.ts === crewTs).at(-1);
    expect(blocksToText(crewUpdate?.body.blocks)).toContain('Bring ice\nDock C slip 4');
    const notice = h.slack.callsTo('chat.postMessage').find((c) => String(c.body.text).includes('Charter updated'));
    expect(String(notice?.body.text)).toContain('Notes from the office: Bring ice; Dock B slip 12 → Bring ice; Dock C slip 4');
    expect(crewText()).not.toMatch(INTERNAL_ONLY);
  });

  it('an internal-notes-only change updates the calendar, and neither SCC nor crew hear of it', async () => {
    const id = await doneBooking(h, FIELDS);
    const patches = h.standins!.scc.patches().length;
    h.slack.clear();
    const { opId, requestText } = await changeAndApprove(h, id, { ...FIELDS, notes: 'Sam: 175\nOwner split 60/40' });
    expect(requestText).toContain('*Internal notes*: Sam: 150 / Owner split 70/30 → Sam: 175 / Owner split 60/40');
    expect(requestText).not.toContain('Notes for crew');
    const op = (await h.running.built.api.get(id))?.operations?.find((o) => o.id === opId);
    expect(Object.keys(op?.steps ?? {})).toEqual(['calendar_update']);
    expect(calendarEntry(id)?.body.notes).toContain('Internal notes:\nSam: 175\nOwner split 60/40');
    expect(h.standins!.scc.patches().length).toBe(patches);
    expect(crewText()).not.toMatch(/Sam: 1[57]5|60\/40|70\/30|Charter updated/);
  });
});

describe('a booking saved before "Notes for crew" (no crewNotes key)', () => {
  let n = 0;
  async function legacyBooking(notes: string): Promise<string> {
    n += 1;
    const request: BookingRequest = {
      guestName: 'Rita Moreno',
      guestEmail: 'rita@example.com',
      date: `${year}-08-0${n}`,
      departureTime: '16:00',
      durationHours: 5,
      partySize: 6,
      priceCents: 120000,
      captain: CAPTAIN,
      crew: [...CREW],
      crewHours: 5,
      captainHours: 3,
      notes,
    };
    const roster: RosterMember[] = [
      { slackUserId: CAPTAIN, name: 'Sam Ortiz', role: 'captain' },
      { slackUserId: CREW[0], name: 'Lee Park', role: 'crew' },
      { slackUserId: CREW[1], name: 'Ana Cruz', role: 'crew' },
    ];
    const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
    const id = `LGCY${String(n).padStart(3, '0')}${String(Date.now() % 1e5).padStart(5, '0')}`;
    await h.running.built.api.create({ id, request, roster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL, approvalTs: `1800000000.9${String(n).padStart(5, '0')}` } });
    await h.running.built.api.approve(id, APPROVER);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    return id;
  }

  it('crew keep the filtered copy of its notes, on the first post and on every redraw', async () => {
    h.slack.clear();
    const id = await legacyBooking('Bring ice\nPaid $1,200, net 584');
    const booking = (await h.running.built.api.get(id))!;
    expect(Object.hasOwn(booking.request, 'crewNotes')).toBe(false);
    expect(crewText()).toContain('Bring ice');
    expect(crewText()).not.toMatch(/1,200|net 584/);
    expect(String(sccEvent(id)?.body.description)).toContain('Notes from the office:\nBring ice');
    // A confirm redraws the crew post: the notes are still there.
    const dm = booking.slack.crewPosts![CREW[0]]!;
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: dm.channel }));
    await h.slack.waitFor(() => h.slack.callsTo('chat.update').some((c) => c.body.ts === dm.ts));
    expect(blocksToText(h.slack.callsTo('chat.update').filter((c) => c.body.ts === dm.ts).at(-1)?.body.blocks)).toContain('Notes from the office*\nBring ice');
  });

  it('Edit carries the lines its crew read into the crew field and says so; a change then keeps them for crew', async () => {
    const id = await legacyBooking('Bring ice\nPaid $1,200, net 584\nDock B slip 12');
    const form = await openChangeForm(h, id);
    expect(form.initial('notes')).toBe('Bring ice\nPaid $1,200, net 584\nDock B slip 12');
    expect(form.initial('crewNotes')).toBe('Bring ice\nDock B slip 12');
    expect(JSON.stringify(form.block('crewNotesLegacy'))).toContain('made before *Notes for crew*');

    // The form as it opened, with a new departure time: crew notes unchanged for crew, now in the crew field.
    h.slack.clear();
    const current = (await h.running.built.api.get(id))!.request;
    const fields = {
      ...VALID_FIELDS,
      guestName: current.guestName,
      guestEmail: current.guestEmail,
      guestPhone: undefined,
      date: current.date,
      departureTime: '17:00',
      boatsetterRef: undefined,
      notes: current.notes,
      crewNotes: form.initial('crewNotes'),
    };
    const { requestText } = await changeAndApprove(h, id, fields);
    expect(requestText).not.toMatch(/Internal notes|Notes for crew/);
    const after = (await h.running.built.api.get(id))!;
    expect(after.request.crewNotes).toBe('Bring ice\nDock B slip 12');
    const notice = String(h.slack.callsTo('chat.postMessage').find((c) => String(c.body.text).includes('Charter updated'))?.body.text);
    expect(notice).not.toContain('Notes from the office');
    expect(String(sccEvent(id)?.body.description)).toContain('Notes from the office:\nBring ice\nDock B slip 12');
  });
});
