import { assertMayApprove } from '../../../src/pipeline/approval-policy';
import { ApprovalExpiredError } from '../../../src/pipeline/errors';

const policy = { approvers: ['U1'], selfApproval: 'allowed' } as unknown as Parameters<typeof assertMayApprove>[1]['policy'];

it('a departure that is no real instant is refused as expired, not with a RangeError', () => {
  const attempt = () => assertMayApprove('B1', { policy, creatorId: 'U1', approverId: 'U1', departureAtMs: Number.NaN, nowMs: Date.now() });
  expect(attempt).toThrow(ApprovalExpiredError);
  expect(attempt).toThrow('Booking B1 expired: its departure is not a real time');
});

it('a past departure is named in the refusal', () => {
  expect(() => assertMayApprove('B2', { policy, creatorId: 'U1', approverId: 'U1', departureAtMs: Date.parse('2026-01-01T18:00:00Z'), nowMs: Date.now() })).toThrow('its departure (2026-01-01T18:00:00.000Z) has passed');
});
