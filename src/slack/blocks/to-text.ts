/**
 * Block Kit → plain text, roughly as Slack shows it: for the sandbox's printed thread, logs and
 * tests that read a message the way an operator would.
 */
type Text = { text?: string };
type Element = { type?: string; text?: Text | string; style?: string; elements?: Element[] };
type Block = { type?: string; text?: Text; fields?: Text[]; elements?: Element[]; accessory?: Element };

function buttonText(e: Element): string {
  return `[ ${typeof e.text === 'string' ? e.text : (e.text?.text ?? '')} ]${e.style ? `(${e.style})` : ''}`;
}

export function blocksToText(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const out: string[] = [];
  for (const block of blocks as Block[]) {
    switch (block.type) {
      case 'header':
        out.push(`== ${block.text?.text ?? ''} ==`);
        break;
      case 'section':
        if (block.text?.text) out.push(block.accessory?.type === 'button' ? `${block.text.text}  ${buttonText(block.accessory)}` : block.text.text);
        if (block.fields) out.push(block.fields.map((f) => (f.text ?? '').replace('\n', ': ')).join('\n'));
        break;
      case 'context':
        out.push((block.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))).join(' '));
        break;
      case 'actions':
        out.push((block.elements ?? []).map(buttonText).join('  '));
        break;
      case 'divider':
        out.push('---');
        break;
      default:
        break;
    }
  }
  return out.join('\n');
}
