/**
 * The crew-facing post. Built from a CrewSafeView and confirmation times only — the types admit no
 * money, and nothing from the booking record is passed in.
 */
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { CrewSafeView } from '../../booking/crew-safe';
import { humanTime } from '../../booking/time';
import { bookingBlockId } from '../booking-ref';
import type { SlackMessage } from './approval';
import { escapeAndFit, escapeMrkdwn, fitPlain, fitText, mention } from './format';
import { LIMITS } from './limits';

export const CREW_CONFIRM_ACTION_PREFIX = 'crew_confirm:';

export function crewMessage(view: CrewSafeView, confirmations: Readonly<Record<string, number>>): SlackMessage {
  const id = view.sessionId;
  const rosterLines = view.roster.map((m) => {
    const at = confirmations[m.slackUserId];
    const role = m.role === 'captain' ? 'Captain' : 'Crew';
    return at === undefined
      ? `• ${role}: ${mention(m.slackUserId)} — please confirm`
      : `• ${role}: ${mention(m.slackUserId)} — :white_check_mark: confirmed ${humanTime(DateTime.fromMillis(at, { zone: view.timezone }))}`;
  });
  const unconfirmed = view.roster.filter((m) => confirmations[m.slackUserId] === undefined);
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: bookingBlockId(id, 'crew-header'), text: { type: 'plain_text', text: fitPlain(`Crew call: ${view.vesselName}, ${view.dateText}`, LIMITS.headerText) } },
    {
      type: 'section',
      block_id: bookingBlockId(id, 'crew-details'),
      fields: [
        { type: 'mrkdwn', text: `*Check-in*\n${view.checkIn.text}` },
        { type: 'mrkdwn', text: `*Departure – return*\n${view.timeRangeText}` },
        { type: 'mrkdwn', text: `*Party*\n${view.partySize} guests (${escapeAndFit(view.guestFirstName, 200)})` },
        { type: 'mrkdwn', text: `*Dock*\n${escapeAndFit(view.dockAddress, LIMITS.sectionFieldText - 10)}` },
      ],
    },
    { type: 'section', block_id: bookingBlockId(id, 'crew-roster'), text: { type: 'mrkdwn', text: fitText(`*Roster*\n${rosterLines.join('\n')}`, LIMITS.sectionText) } },
    { type: 'section', block_id: bookingBlockId(id, 'crew-checklist'), text: { type: 'mrkdwn', text: fitText(`*Checklist*\n${view.checklist.map((c) => `• ${escapeMrkdwn(c)}`).join('\n')}`, LIMITS.sectionText) } },
    { type: 'context', block_id: bookingBlockId(id, 'crew-guest'), elements: [{ type: 'mrkdwn', text: `Guest page (what the guests see): ${view.guestUrl}` }] },
  ];
  if (unconfirmed.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: bookingBlockId(id, 'crew-confirm'),
      // An actions block holds 25 elements at most.
      elements: unconfirmed.slice(0, LIMITS.actionsElements).map((m) => ({
        type: 'button' as const,
        action_id: `${CREW_CONFIRM_ACTION_PREFIX}${m.slackUserId}`,
        text: { type: 'plain_text' as const, text: `Confirm — ${fitPlain(m.name, 50)}` },
        value: `${id}:${m.slackUserId}`,
      })),
    });
  }
  const text = `Crew call: ${view.dateText}, ${view.timeRangeText}, ${view.partySize} guests — ${view.roster.length - unconfirmed.length}/${view.roster.length} confirmed`;
  return { text, blocks };
}

export function parseConfirmValue(value: string | undefined): { bookingId: string; userId: string } | undefined {
  const match = /^([0-9A-Z]+):([UW][A-Z0-9]+)$/.exec(value ?? '');
  return match?.[1] && match[2] ? { bookingId: match[1], userId: match[2] } : undefined;
}
