/**
 * Typed notes as sections of a message. Escaped, notes can outgrow one section (2,000 `&` are
 * 10,000 characters), so they continue in further sections (splitText); and all of a message's
 * blocks together must stay under Slack's total for their text (LIMITS.messageBlocksText), so the
 * notes get what the rest of the message leaves. Notes that fit keep every character; past that,
 * the room is shared out so the shorter note keeps all it can, and a cut note ends in "…".
 */
import type { KnownBlock } from '@slack/types';
import { fitText, NOTE_SECTIONS, splitText } from './format';
import { blocksTextLength, LIMITS } from './limits';

export interface NoteText {
  /** Already escaped, its heading included. */
  text: string;
  /** The block_id of the note's `piece`-th section. */
  blockId: (piece: number) => string;
}

/** `blocks` with the notes' sections inserted at `at`, within the message's text budget. */
export function withNotes(blocks: readonly KnownBlock[], at: number, notes: readonly NoteText[]): KnownBlock[] {
  const shares = shareOut(
    notes.map((n) => n.text.length),
    LIMITS.messageBlocksText - blocksTextLength(blocks),
  );
  const sections = notes.flatMap((note, i) =>
    splitText(fitText(note.text, shares[i] as number), LIMITS.sectionText, NOTE_SECTIONS).map(
      (part, piece): KnownBlock => ({ type: 'section', block_id: note.blockId(piece), text: { type: 'mrkdwn', text: part } }),
    ),
  );
  return [...blocks.slice(0, at), ...sections, ...blocks.slice(at)];
}

/** `budget` shared among `needs`: the smallest first each take what they need, up to an even share of what is left. */
function shareOut(needs: readonly number[], budget: number): number[] {
  const shares = needs.map(() => 0);
  let left = Math.max(0, budget);
  let waiting = needs.length;
  for (const i of needs.map((_, i) => i).sort((a, b) => (needs[a] as number) - (needs[b] as number))) {
    shares[i] = Math.min(needs[i] as number, Math.floor(left / waiting));
    left -= shares[i] as number;
    waiting -= 1;
  }
  return shares;
}
