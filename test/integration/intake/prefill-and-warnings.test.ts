/**
 * Intake over real HTTP (signed requests → the bot → the Slack stand-in): the message shortcut and
 * `/charter <pasted text>` open the booking modal prefilled, with views.open as the very first Web
 * API call; the approval message warns about a reused platform reference and double bookings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageShortcutPayload } from '../../support/slack-requests';
import { DateTime } from 'luxon';
import { renderApproval } from '../../../src/slack/render';
import { TWO_YEARS_MS } from '../../../src/booking/schema';
import { APPROVER, approvalPosts, ORIGIN_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, type Harness } from '../slack/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

type View = { blocks: { block_id?: string; element?: Record<string, unknown>; elements?: { text: string }[] }[]; private_metadata: string; callback_id: string };

function openedView(): { trigger: string; view: View } {
  const call = h.slack.callsTo('views.open')[0];
  if (!call) throw new Error('no views.open');
  const view = (typeof call.body.view === 'string' ? JSON.parse(call.body.view) : call.body.view) as View;
  return { trigger: String(call.body.trigger_id), view };
}

/** The modal `/charter <text>` opens (sent with `triggerId`), once it is open. */
async function modalForPaste(text: string, triggerId: string): Promise<View> {
  h.slack.clear();
  await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text, trigger_id: triggerId });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  return openedView().view;
}

const element = (view: View, id: string) => view.blocks.find((b) => b.block_id === id)?.element ?? {};
const contextText = (view: View) => view.blocks.find((b) => b.block_id === 'intake')?.elements?.[0]?.text ?? '';

/** What "Sat, Dec 19" reads as today: the coming Dec 19 that falls on a Saturday, if one does within two years. */
function comingSaturdayDec19(): string | undefined {
  const today = DateTime.now().setZone('America/Los_Angeles').startOf('day');
  for (let year = today.year; year <= today.year + 2; year++) {
    const day = DateTime.fromObject({ year, month: 12, day: 19 }, { zone: 'America/Los_Angeles' });
    if (day >= today.minus({ days: 1 }) && day.weekday === 6 && day.toMillis() - Date.now() <= TWO_YEARS_MS) return day.toISODate() ?? undefined;
  }
  return undefined;
}

const confirmation = readFileSync(join(__dirname, '../../fixtures/intake/02-boatsetter-forwarded.txt'), 'utf8');

describe('prefill from text', () => {
  it('the message shortcut opens the booking modal with the fields the message gives, views.open first', async () => {
    h.slack.clear();
    const payload = messageShortcutPayload({ userId: APPROVER, channelId: ORIGIN_CHANNEL, callbackId: 'new_charter_from_message', message: { text: confirmation } });
    const res = await h.requester.interact(payload);
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    // the trigger id is spent before anything else leaves the bot
    expect(h.slack.calls[0]?.method).toBe('views.open');
    const { trigger, view } = openedView();
    expect(trigger).toBe(payload.trigger_id);
    expect(view.callback_id).toBe('booking_modal');
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: ORIGIN_CHANNEL });
    expect(element(view, 'guestName').initial_value).toBe('James Park');
    expect(element(view, 'guestEmail').initial_value).toBe('jpark@example.org');
    // "Sat, Dec 19" has no year: the coming Dec 19 that is a Saturday, within the form's two years
    expect(element(view, 'date').initial_date).toBe(comingSaturdayDec19());
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
    expect(element(view, 'durationHours').initial_value).toBe('5');
    expect(element(view, 'partySize').initial_value).toBe('4');
    expect(element(view, 'priceCents').initial_value).toBe('950');
    expect(element(view, 'platform').initial_value).toBe('Boatsetter');
    expect(element(view, 'platformRef').initial_value).toBe('7731902');
    expect(element(view, 'guestPhone').initial_value).toBeUndefined();
    expect(contextText(view)).toContain('Could not read: *phone, notes*');
    // then, with the form open, that the approval message can be posted where it will go
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'conversations.info'));
  });

  it('/charter <pasted text> does the same; text that is neither a subcommand nor a booking gets the help', async () => {
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text: 'Renter: Ana Ruiz\nTrip date: 12/28/2030\nStart: 9am\nDuration: 4 hrs\nPassengers: 3', trigger_id: '42.42.pasted' });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    expect(h.slack.calls[0]?.method).toBe('views.open');
    const { trigger, view } = openedView();
    expect(trigger).toBe('42.42.pasted');
    expect(element(view, 'guestName').initial_value).toBe('Ana Ruiz');
    expect(element(view, 'date').initial_date).toBe('2030-12-28');
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(element(view, 'priceCents').initial_value).toBeUndefined();
    expect(contextText(view)).toContain('e-mail');

    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text: 'frobnicate please' });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toContain("I don't know `frobnicate`");
  });
});

describe('a paste whose first word is a sub-command (review s53 M1)', () => {
  const PASTED = 'confirmed\nRenter: Maria Delgado\nEmail: maria@example.com\nDate: 06/15/2027\nTime: 10:00 AM\nDuration: 4 hours\nGuests: 6\nTotal: $1,250.50\nBooking ID: BS-48213';

  /** The one private reply `text` gets, with no form opened. */
  async function replyTo(text: string): Promise<string> {
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text, trigger_id: '53.1.subword' });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    await settle(h);
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    const replies = h.slack.callsTo('chat.postEphemeral');
    expect(replies).toHaveLength(1);
    return String(replies[0]?.body.text);
  }

  it.each(['Reschedule', 'Status', 'Cancel', 'Edit', 'Refresh', 'Help'])('"%s confirmed" and the lines under it open the prefilled form', async (word) => {
    const view = await modalForPaste(`${word} ${PASTED}`, `53.${word}`);
    expect(element(view, 'guestName').initial_value).toBe('Maria Delgado');
    expect(element(view, 'guestEmail').initial_value).toBe('maria@example.com');
    expect(element(view, 'date').initial_date).toBe('2027-06-15');
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(element(view, 'partySize').initial_value).toBe('6');
    expect(element(view, 'platformRef').initial_value).toBe('BS-48213');
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
  });

  it('one line that reads as a confirmation opens the form too', async () => {
    const view = await modalForPaste('Reschedule confirmed for June 15, 2027 from 10am to 2pm', '53.2.oneline');
    expect(element(view, 'date').initial_date).toBe('2027-06-15');
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
  });

  it.each([
    ['reschedule nope', 'Usage: `/charter reschedule ID`'],
    ['status', 'Usage: `/charter status ID`'],
    ['Status 6/15', 'Usage: `/charter status ID`'],
  ])('a sub-command as typed, with a bad argument, still gets its usage and nothing else (%s)', async (text, usage) => {
    const reply = await replyTo(text);
    expect(reply).toContain(usage);
    expect(reply).not.toContain('not lost');
  });

  it('a command with a booking id and words after it does what the command alone does, never a new-booking form', async () => {
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-S53M1B' });
    await settle(h);
    /** What `/charter <text>` leaves: the forms it opened (by callback id) and its private replies. */
    const outcome = async (text: string, trigger: string) => {
      h.slack.clear();
      await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text, trigger_id: trigger });
      await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' || c.method === 'chat.postEphemeral'));
      await settle(h);
      const views = h.slack.callsTo('views.open').map((c) => {
        const view = c.body.view as unknown;
        return String((typeof view === 'string' ? (JSON.parse(view) as { callback_id: string }) : (view as { callback_id: string })).callback_id);
      });
      return { views, replies: h.slack.callsTo('chat.postEphemeral').map((c) => String(c.body.text)) };
    };
    const alone = await outcome(`reschedule ${id}`, '53.own.alone');
    const withWords = await outcome(`reschedule ${id} to Dec 20`, '53.own.words');
    expect(withWords.views).not.toContain('booking_modal');
    expect(withWords).toEqual(alone);
  });

  it('lines that give no field get the usage and the text back, and run nothing on an id among them', async () => {
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-S53M1' });
    await settle(h);
    const text = `Cancel ${id}\nthanks, & see you <soon>`;
    const reply = await replyTo(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(reply).toBe(
      `Usage: \`/charter cancel ID\` — the booking id is in the approval message.\nYour text starts with \`cancel\`, so it was read as that command, and nothing in it could fill the booking form. It is not lost — here it is:\n\`\`\`Cancel ${id}\nthanks, &amp; see you &lt;soon&gt;\`\`\``,
    );
    expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');
  });
});

describe('a time in another zone (review s53 M2)', () => {
  it('leaves Departure time empty and says why, next to what could not be read', async () => {
    const view = await modalForPaste('Renter: Maria Delgado\nDate: 06/15/2027\nTime: 4:00 PM EST\nDuration: 4 hours', '53.m2.zone');
    expect(element(view, 'departureTime').initial_time).toBeUndefined();
    expect(element(view, 'date').initial_date).toBe('2027-06-15');
    expect(contextText(view)).toMatch(/Could not read: \*[^*]*start time \(4:00 PM EST is not Pacific Time\)/);
  });
});

describe('a time in another zone that is another day in Pacific (s54 Z2, Z3)', () => {
  it('leaves Charter date empty too and names it; a range in that zone still fills Duration', async () => {
    const view = await modalForPaste('Renter: Maria Delgado\nDate: 06/19/2027\nTime: 2:00 AM - 6:00 AM EDT', '54.z2.day');
    expect(element(view, 'departureTime').initial_time).toBeUndefined();
    expect(element(view, 'date').initial_date).toBeUndefined();
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(contextText(view)).toMatch(/Could not read: \*[^*]*date \(2:00 AM - 6:00 AM EDT on Sat, Jun 19, 2027 is Fri, Jun 18 in Pacific Time\)/);
    expect(contextText(view)).toMatch(/start time \(2:00 AM - 6:00 AM EDT is not Pacific Time\)/);
  });
});

describe('a price in another currency (review s54 intake5 2)', () => {
  it('leaves Price empty and says which amount is not US dollars', async () => {
    const view = await modalForPaste('Renter: Maria Delgado\nDate: 12/19/2026\nTime: 10:00 AM\nTotal: $1,250 CDN', '54.i5.cdn');
    expect(contextText(view)).toMatch(/Could not read: \*[^*]*price \(\$1,250 CDN is not US dollars\)/);
    expect(element(view, 'priceCents').initial_value).toBeUndefined();
  });
});

describe('a date whose weekday disagrees (review s53 M3)', () => {
  it('leaves Charter date empty and says why', async () => {
    const view = await modalForPaste('Renter: Maria Delgado\nDate: Sat, Dec 20, 2026\nTime: 10:00 AM', '53.m3.weekday');
    expect(element(view, 'date').initial_date).toBeUndefined();
    expect(element(view, 'departureTime').initial_time).toBe('10:00');
    expect(contextText(view)).toMatch(/Could not read: \*[^*]*date \(Sat, Dec 20, 2026 is a Sunday\)/);
  });
});

describe('a paste that states two lengths (intake note: hours above the date line)', () => {
  it('fills the one nearest the date and names the other for the operator to check', async () => {
    const view = await modalForPaste('Your 4-hour sunset cruise is confirmed!\n\nBooking ID: BS-48213\nRenter: Maria Delgado\nBoat: Sea Breeze\nGuests: 6\nTrip date: 12/28/2030\nDeparture: 4pm\nHours: 3', '42.42.nearest');
    expect(element(view, 'durationHours').initial_value).toBe('3');
    expect(contextText(view)).toContain('Check: *duration (also stated as 4 h)*');
    expect(contextText(view)).not.toMatch(/Could not read: [^.]*duration/);
  });

  it('leaves the duration blank and says why when two are as near the date', async () => {
    const view = await modalForPaste('Renter: Maria Delgado\nDuration: 4 hours\nTrip date: 12/28/2030\nDuration: 3 hours\nStart: 10am', '42.42.unsure');
    expect(element(view, 'durationHours').initial_value).toBeUndefined();
    expect(element(view, 'date').initial_date).toBe('2030-12-28');
    expect(contextText(view)).toContain('duration (stated as 4 h and 3 h)');
  });
});

describe('the trip\'s length the modal fills when a paste states several (review s49d)', () => {
  it('a labelled Duration, not a sentence nearer the date', async () => {
    const view = await modalForPaste("Trip date: Dec 21, 2030\nYou'll have 3 hours on the water and 1 hour at the sandbar.\nDuration: 4 hours", '42.42.s49d1');
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(contextText(view)).toContain('Check: *duration (also stated as 3 h)*');
  });

  it("a title's length, not blanked by a sentence about the bar as near the date", async () => {
    const view = await modalForPaste('Your 4-hour sunset cruise is confirmed!\nSaturday, December 21, 2030 at 4:00 PM\nIncludes 2 hours of open bar.\nParty of 6', '42.42.s49d2');
    expect(element(view, 'durationHours').initial_value).toBe('4');
    expect(contextText(view)).not.toContain('stated as 4 h and 2 h');
  });

  it('a title with an arrive-early aside in brackets', async () => {
    const view = await modalForPaste('Trip date: Dec 21, 2030\nYour 4-hour sunset cruise (arrive 1 hour early)\nRenter: Maria Delgado', '42.42.s49d3');
    expect(element(view, 'durationHours').initial_value).toBe('4');
  });

  it.each([
    ['an arrive-early aside', 'Trip date: Saturday, December 21, 2030 (please arrive 1 hour early)\nDeparture time: 10:00 AM\nDuration: 4 hours'],
    ['a cancellation policy', 'Renter: Maria Delgado\nDate: Saturday, December 21, 2030 (free cancellation until 48 hours before)\nDuration: 4 hours'],
  ])('the Duration, not hours beside the date on its line: %s', async (name, text) => {
    const view = await modalForPaste(text, `42.42.s49d4.${name.length}`);
    expect(element(view, 'durationHours').initial_value).toBe('4');
  });

  it('a 2-hour minimum is not the length of a 2 pm to 6 pm trip', async () => {
    const view = await modalForPaste('GetMyBoat - Reservation Confirmed\n\nReservation #GMB-20391\nCustomer: Priya Natarajan\nDate: 01/09/2031\nStart time: 2:00 pm\nEnd time: 6:00 pm\nTrip type: 2-hour minimum\nNumber of guests: 8', '42.42.s49d5');
    expect(element(view, 'durationHours').initial_value).toBe('4');
  });

  it('a stated length the start and end disagree with is filled, with a Check line', async () => {
    const view = await modalForPaste('Date: 01/09/2031\nStart: 2pm\nEnd: 6pm\nDuration: 3 hours', '42.42.s49d5b');
    expect(element(view, 'durationHours').initial_value).toBe('3');
    expect(contextText(view)).toContain('Check: *duration (start to end is 4 h)*');
  });

  it("a booking's new duration, not its previous one", async () => {
    const view = await modalForPaste('Your booking has been modified\n\nTrip date: Saturday, December 21, 2030\nPrevious duration: 4 hours\nNew duration: 6 hours\nPassengers: 6', '42.42.s49d6');
    expect(element(view, 'durationHours').initial_value).toBe('6');
  });
});

describe('approval warnings', () => {
  const warningsOf = (index: number) => {
    const post = approvalPosts(h.slack)[index];
    const blocks = (typeof post?.body.blocks === 'string' ? JSON.parse(post.body.blocks) : post?.body.blocks) as { block_id?: string; text?: { text: string } }[];
    return blocks.find((b) => b.block_id?.endsWith(':warnings'))?.text?.text ?? '';
  };
  const year = new Date().getUTCFullYear() + 2;
  const base = { ...VALID_FIELDS, date: `${year}-08-01`, departureTime: '10:00', durationHours: '5', boatsetterRef: undefined, platform: 'GetMyBoat', platformRef: 'GMB-1' };
  let first: string;

  beforeAll(async () => {
    first = await submitBooking(h, base);
  });

  it('flags a platform reference that is already booked, naming the booking', async () => {
    const before = approvalPosts(h.slack).length;
    await submitBooking(h, { ...base, date: `${year}-09-01`, platformRef: 'gmb-1' });
    const text = warningsOf(before);
    expect(text).toContain(`GetMyBoat reference gmb-1 is already on booking ${first}`);
  });

  /** An anchor charter 10:00–15:00 (check-in 9:30) on its own day, then a candidate that day; the candidate's warnings. */
  let day = 0;
  async function candidateWarnings(time: string, extra: Record<string, unknown> = {}): Promise<{ anchor: string; text: string }> {
    day += 1;
    const date = `${year}-11-${String(day).padStart(2, '0')}`;
    const anchor = await submitBooking(h, { ...base, date, platform: undefined, platformRef: undefined } as never);
    const n = approvalPosts(h.slack).length;
    await submitBooking(h, { ...base, date, platform: undefined, platformRef: undefined, departureTime: time, ...extra } as never);
    return { anchor, text: warningsOf(n) };
  }

  it('touching charters are not conflicts; one minute of overlap of the boat or the captain is', async () => {
    h.slack.setUser({ id: 'U0OTHERCPT', realName: 'Kai Other' });
    const other = { captain: 'U0OTHERCPT', crew: [] };
    // returns 15:00, the candidate's crew check in at 15:00: touching, for boat and people alike
    expect((await candidateWarnings('15:30')).text).not.toMatch(/Overlaps|also on charter/);
    // departs 15:00 exactly with another captain: the boat is free at 15:00
    expect((await candidateWarnings('15:00', other)).text).not.toMatch(/Overlaps|also on charter/);
    // same captain and crew checking in at 14:59: one minute into the anchor's window, boat still free
    const people = await candidateWarnings('15:29');
    expect(people.text).not.toContain('Overlaps charter');
    expect(people.text).toContain(`Sam Ortiz (captain) is also on charter ${people.anchor}`);
    expect(people.text).toContain(`Lee Park (crew) is also on charter ${people.anchor}`);
    // another captain departing 14:59: the boat overlaps by one minute
    const boat = await candidateWarnings('14:59', other);
    expect(boat.text).toContain(`Overlaps charter ${boat.anchor}`);
    expect(boat.text).toContain('the boat is already booked');
    expect(boat.text).not.toContain('also on charter');
  });

  it('keeps the warnings on the approval message after it is re-rendered (approve)', async () => {
    const id = await submitBooking(h, { ...base, platformRef: 'GMB-1', date: `${year}-10-01` });
    const b = await h.running.built.api.get(id);
    expect(b?.warnings?.join(' ')).toContain('GMB-1 is already on booking');
    expect(JSON.stringify(renderApproval({ ...(b as NonNullable<typeof b>), audit: [...(b?.audit ?? []), { action: 'approved', userId: APPROVER, atMs: Date.now() }] }, h.config).blocks)).toContain('is already on booking');
  });

  it('a cancelled charter holds nothing', async () => {
    day += 1;
    const date = `${year}-11-${String(day).padStart(2, '0')}`;
    const anchor = await submitBooking(h, { ...base, date, platform: undefined, platformRef: undefined } as never);
    await h.running.built.api.cancel(anchor, APPROVER);
    const n = approvalPosts(h.slack).length;
    await submitBooking(h, { ...base, date, platform: undefined, platformRef: undefined, departureTime: '11:00' } as never);
    expect(warningsOf(n)).not.toMatch(/Overlaps|also on charter/);
  });
});
