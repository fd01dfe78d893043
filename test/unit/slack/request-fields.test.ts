import { encodeCreateValue, ICAL_CREATE_ACTION_ID } from '../../../src/slack/blocks/intake';
import { slackRequestFields } from '../../../src/slack/request-fields';
import { blockActionPayload } from '../../support/slack-requests';

const click = (actionId: string, value: string) => slackRequestFields(blockActionPayload({ userId: 'U0APPROVE1', actionId, value, channelId: 'C0OPS00001' }));

describe('slackRequestFields', () => {
  it('names the booking a button carries, with its operation or crew member and call revision', () => {
    expect(click('booking_approve', '7K3MZQ9XW2TR')).toMatchObject({ requestType: 'block_actions', userId: 'U0APPROVE1', action: 'booking_approve', actionValue: '7K3MZQ9XW2TR' });
    expect(click('change_approve', '7K3MZQ9XW2TR:op2').actionValue).toBe('7K3MZQ9XW2TR:op2');
    expect(click('crew_confirm:U0CREW0001', '7K3MZQ9XW2TR:U0CREW0001:r2').actionValue).toBe('7K3MZQ9XW2TR:U0CREW0001:r2');
  });

  it("never logs a value that is no booking: Create charter carries the guest's e-mail, phone and notes", () => {
    const value = encodeCreateValue({ feed: 'Boatsetter', uid: 'evt-1@boatsetter', fields: { guestName: 'Gina Guest', guestEmail: 'gina.guest@example.com', guestPhone: '+1 555 010 9999', date: '2026-12-20', notes: 'allergic to shellfish' } });
    const fields = click(ICAL_CREATE_ACTION_ID, value);
    expect(fields).toMatchObject({ action: ICAL_CREATE_ACTION_ID });
    expect(fields).not.toHaveProperty('actionValue');
    expect(JSON.stringify(fields)).not.toMatch(/gina|555|shellfish/i);
  });
});
