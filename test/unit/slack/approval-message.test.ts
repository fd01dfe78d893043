/** The approval message under the approval policy: the second-approver line and the expired state. */
import { DateTime } from 'luxon';
import { computeCosts } from '../../../src/booking/costs';
import { loadConfig } from '../../../src/config';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { decisionOf, renderApproval } from '../../../src/slack/render';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { validEnv } from '../../support/env';

const request = sampleRequest(); // 2030-07-04 16:00 America/Los_Angeles
const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
const record = newBookingRecord({ id: 'K7M2Q9TX4B1P', request, roster: sampleRoster, costs, createdBy: 'U0APPROVE1', slack: { channel: 'C0OPS00001' } }, 1_900_000_000_000);
const departureMs = DateTime.fromISO('2030-07-04T16:00', { zone: 'America/Los_Angeles' }).toMillis();

function config(env: Record<string, string> = {}) {
  const loaded = loadConfig(validEnv(env));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config;
}

it('names the creator who may not approve only when a second approver is required', () => {
  const on = blocksToText(renderApproval(record, config({ CHARTER_REQUIRE_SECOND_APPROVER: 'true' })).blocks);
  const off = blocksToText(renderApproval(record, config()).blocks);
  expect(on).toContain(':busts_in_silhouette: Needs an approver other than <@U0APPROVE1>');
  expect(on).toContain('[ Approve ](primary)');
  expect(off).not.toContain('Needs an approver');
});

it('reads as expired, without buttons, once the departure has passed while pending', () => {
  const c = config({ CHARTER_REQUIRE_SECOND_APPROVER: 'true' });
  expect(decisionOf(record, { nowMs: departureMs - 1, config: c })).toEqual({ kind: 'pending' });
  expect(decisionOf(record, { nowMs: departureMs, config: c })).toEqual({ kind: 'expired', departureAtMs: departureMs });
  const message = renderApproval(record, c, departureMs + 86_400_000);
  const text = blocksToText(message.blocks);
  expect(text).toContain(':hourglass: Expired — departure was Thu, Jul 4, 2030, 4:00 PM PDT');
  expect(text).not.toContain('[ Approve ]');
  expect(text).not.toContain('Needs an approver');
  expect(message.text).toMatch(/— expired$/);
  // An approved booking stays approved whatever the clock says.
  const approved = { ...record, state: 'done' as const, audit: [...record.audit, { action: 'approved' as const, userId: 'U0APPROVE2', atMs: departureMs - 5 }] };
  expect(decisionOf(approved, { nowMs: departureMs + 1, config: c }).kind).toBe('approved');
});
