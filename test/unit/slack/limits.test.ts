/** The Block Kit limit validator: each documented limit passes at the limit and fails one past it. */
import { LIMITS, validateMessage, validateView } from '../../../src/slack/blocks/limits';

const a = (n: number) => 'a'.repeat(n);
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const button = (over: Record<string, unknown> = {}) => ({ type: 'button', action_id: 'b', text: plain('Go'), value: 'v', ...over });
const confirm = (over: Record<string, unknown> = {}) => ({ title: plain('t'), text: mrkdwn('x'), confirm: plain('Yes'), deny: plain('No'), ...over });
const msg = (...blocks: unknown[]) => ({ text: 'fallback', blocks });
const modal = (over: Record<string, unknown> = {}) => ({ type: 'modal', title: plain('T'), blocks: [], ...over });
const input = (element: Record<string, unknown>) => ({ type: 'input', label: plain('L'), element });

/** [name, at the limit, one past it, pointer of the problem]. */
const messageCases: [string, (n: number) => unknown, number, string][] = [
  ['blocks per message', (n) => ({ text: 'x', blocks: Array.from({ length: n }, () => ({ type: 'divider' })) }), LIMITS.messageBlocks, '/blocks'],
  ['message text', (n) => ({ text: a(n) }), LIMITS.messageText, '/text'],
  ['section text', (n) => msg({ type: 'section', text: mrkdwn(a(n)) }), LIMITS.sectionText, '/blocks/0/text/text'],
  ['section field text', (n) => msg({ type: 'section', fields: [mrkdwn(a(n))] }), LIMITS.sectionFieldText, '/blocks/0/fields/0/text'],
  ['section fields', (n) => msg({ type: 'section', fields: Array.from({ length: n }, () => mrkdwn('f')) }), LIMITS.sectionFields, '/blocks/0/fields'],
  ['header text', (n) => msg({ type: 'header', text: plain(a(n)) }), LIMITS.headerText, '/blocks/0/text/text'],
  ['button text', (n) => msg({ type: 'actions', elements: [button({ text: plain(a(n)) })] }), LIMITS.buttonText, '/blocks/0/elements/0/text/text'],
  ['action_id', (n) => msg({ type: 'actions', elements: [button({ action_id: a(n) })] }), LIMITS.actionId, '/blocks/0/elements/0/action_id'],
  ['block_id', (n) => msg({ type: 'divider', block_id: a(n) }), LIMITS.blockId, '/blocks/0/block_id'],
  ['button value', (n) => msg({ type: 'actions', elements: [button({ value: a(n) })] }), LIMITS.buttonValue, '/blocks/0/elements/0/value'],
  ['confirm title', (n) => msg({ type: 'actions', elements: [button({ confirm: confirm({ title: plain(a(n)) }) })] }), LIMITS.confirmTitle, '/blocks/0/elements/0/confirm/title/text'],
  ['confirm text', (n) => msg({ type: 'actions', elements: [button({ confirm: confirm({ text: mrkdwn(a(n)) }) })] }), LIMITS.confirmText, '/blocks/0/elements/0/confirm/text/text'],
  ['confirm button', (n) => msg({ type: 'actions', elements: [button({ confirm: confirm({ confirm: plain(a(n)) }) })] }), LIMITS.confirmButton, '/blocks/0/elements/0/confirm/confirm/text'],
  ['deny button', (n) => msg({ type: 'actions', elements: [button({ confirm: confirm({ deny: plain(a(n)) }) })] }), LIMITS.confirmButton, '/blocks/0/elements/0/confirm/deny/text'],
  ['context elements', (n) => msg({ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) }), LIMITS.contextElements, '/blocks/0/elements'],
  ['option text', (n) => msg({ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: [{ text: plain(a(n)), value: 'v' }] }] }), LIMITS.optionText, '/blocks/0/elements/0/options/0/text/text'],
];

describe('messages', () => {
  it.each(messageCases)('%s: passes at the limit, fails one past it', (_name, build, limit, pointer) => {
    expect(validateMessage(build(limit) as never)).toEqual([]);
    expect(validateMessage(build(limit + 1) as never).map((p) => p.pointer)).toEqual([pointer]);
  });

  it('refuses an empty message, an empty section and duplicate block ids', () => {
    expect(validateMessage({ text: '' })).toHaveLength(1);
    expect(validateMessage(msg({ type: 'section', text: mrkdwn('') }))[0]?.message).toBe('must be more than 0 characters');
    expect(validateMessage(msg({ type: 'divider', block_id: 'x' }, { type: 'divider', block_id: 'x' }))[0]?.message).toContain('duplicate block_id');
  });

  it('counts plain_text with & < > escaped, as Slack stores it; mrkdwn as sent (already escaped)', () => {
    expect(validateMessage(msg({ type: 'header', text: plain('&'.repeat(30)) }))).toEqual([]);
    expect(validateMessage(msg({ type: 'header', text: plain('&'.repeat(31)) }))[0]?.message).toBe('must be less than 151 characters (is 155)');
    expect(validateMessage(msg({ type: 'section', text: mrkdwn('&'.repeat(3000)) }))).toEqual([]);
    // A plain_text context element too.
    expect(validateMessage(msg({ type: 'context', elements: [plain('&'.repeat(600))] }))).toEqual([]);
    expect(validateMessage(msg({ type: 'context', elements: [plain('&'.repeat(601))] })).map((p) => p.pointer)).toEqual(['/blocks/0/elements/0/text']);
  });

  it('refuses two elements of one actions block with the same action_id', () => {
    expect(validateMessage(msg({ type: 'actions', elements: [button(), button({ action_id: 'c' })] }))).toEqual([]);
    expect(validateMessage(msg({ type: 'actions', elements: [button(), button()] })).map((p) => p.message)).toEqual(['duplicate action_id b']);
  });
});

const viewCases: [string, (n: number) => unknown, number, string][] = [
  ['blocks per view', (n) => modal({ blocks: Array.from({ length: n }, () => ({ type: 'divider' })) }), LIMITS.viewBlocks, '/view/blocks'],
  ['modal title', (n) => modal({ title: plain(a(n)) }), LIMITS.modalTitle, '/view/title/text'],
  ['submit', (n) => modal({ submit: plain(a(n)) }), LIMITS.modalButton, '/view/submit/text'],
  ['close', (n) => modal({ close: plain(a(n)) }), LIMITS.modalButton, '/view/close/text'],
  ['private_metadata', (n) => modal({ private_metadata: a(n) }), LIMITS.privateMetadata, '/view/private_metadata'],
  ['plain_text_input initial_value', (n) => modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n', initial_value: a(n) })] }), LIMITS.plainTextInputLength, '/view/blocks/0/element/initial_value'],
  ['initial_value within max_length', (n) => modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n', max_length: 100, initial_value: a(n) })] }), 100, '/view/blocks/0/element/initial_value'],
];

describe('views', () => {
  it.each(viewCases)('%s: passes at the limit, fails one past it', (_name, build, limit, pointer) => {
    expect(validateView(build(limit))).toEqual([]);
    expect(validateView(build(limit + 1)).map((p) => p.pointer)).toEqual([pointer]);
  });

  it('accepts a home view of 100 blocks without a title, refuses a view of another type', () => {
    expect(validateView({ type: 'home', blocks: Array.from({ length: 100 }, () => ({ type: 'divider' })) })).toEqual([]);
    expect(validateView({ type: 'page', blocks: [] }).map((p) => p.pointer)).toEqual(['/view/type']);
  });
});
