/** Small text helpers shared by the message builders. */
import type { DateTime } from 'luxon';
import { humanDateTime } from '../../booking/time';

export const mention = (userId: string) => `<@${userId}>`;

/** Block Kit text fields take mrkdwn; anything typed by a person is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function whenText(dt: DateTime): string {
  return humanDateTime(dt);
}

export function hours(h: number): string {
  return `${h} h`;
}
