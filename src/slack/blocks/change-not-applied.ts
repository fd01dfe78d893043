/**
 * Why a decided change request was not applied, worded once: the request's message, the approver
 * whose Approve change it was and a later click on it all read the same reason (they had drifted
 * into three wordings of one fact). Past tense, as the message keeps it long after the click.
 */
import { DROPPED_BY_CANCEL_NOTE, isStaleChange, UNDOES_WAITING_CHANGE_NOTE } from '../../pipeline/operations';
import type { Operation } from '../../pipeline/types';

/** `howTo`: what to do to make the change after all, when anything can. */
export interface NotApplied {
  reason: string;
  howTo?: string;
}

export function changeNotApplied(op: Operation): NotApplied | undefined {
  if (op.note === DROPPED_BY_CANCEL_NOTE) return { reason: 'the charter was cancelled' };
  if (op.status === 'superseded' && op.note === UNDOES_WAITING_CHANGE_NOTE) {
    return {
      reason: 'it was made from the same booking details as another approved change that had not run yet, and would have undone it',
      howTo: 'Once that change has been applied (see the progress message), open *Edit* on the booking again to make this one from the booking as it is then.',
    };
  }
  if (isStaleChange(op)) {
    return { reason: 'it was made before a later change was approved, and would have undone it', howTo: 'Open *Edit* on the booking again to make it from the booking as it is then.' };
  }
  return undefined;
}

/** "Not applied: <reason>. <how-to>", after `lead` ("That change was not applied" for a click on a request already decided). */
export function notAppliedText(n: NotApplied, lead = 'Not applied'): string {
  return `${lead}: ${n.reason}.${n.howTo ? ` ${n.howTo}` : ''}`;
}
