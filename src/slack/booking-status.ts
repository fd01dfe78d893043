/** Shared by `/charter status ID` and the Details buttons: the reply text for one user (money for approvers only). */
import { charterTimeSettings } from '../config';
import { statusText } from './blocks/status';
import { guestUrl, isApprover, type SlackDeps } from './context';

export async function bookingStatusFor(deps: SlackDeps, bookingId: string, userId: string): Promise<string> {
  const booking = await deps.api.get(bookingId);
  if (!booking) return `No booking \`${bookingId}\`.`;
  return statusText(booking, {
    guestUrl: guestUrl(deps.config, bookingId),
    showMoney: isApprover(deps.config, userId),
    ...charterTimeSettings(deps.config),
  });
}
