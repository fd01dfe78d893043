/**
 * Slack's documented Block Kit and message limits, and one validator for them. The Slack stand-in
 * answers `invalid_blocks` / `invalid_arguments` with these problems, and the property test renders
 * every message and view the bot builds through it: what passes here passes on real Slack.
 *
 * Lengths are UTF-16 code units (textLength, src/booking/text-length.ts, which the booking schema
 * and the form's max_length share), never less than the characters Slack counts, so the check errs
 * on the safe side for emoji. plain_text is counted with & < > escaped
 * (&amp; &lt; &gt;): Slack stores plain text escaped and hands it back that way, and its docs do not
 * say which form the limit applies to, so the longer one is assumed (not verified on a workspace).
 *
 * Sources: docs.slack.dev/reference/block-kit/blocks (each block's page),
 * …/block-kit/block-elements, …/block-kit/composition-objects, …/surfaces/modals, and
 * docs.slack.dev/reference/methods/chat.postMessage (text truncated past 40,000 characters).
 *
 * One limit is not documented: chat.postMessage answers `msg_blocks_too_long` when the text of all
 * of a message's blocks adds up to too much, though each block is within its own limit. Reported
 * at ~13,300 characters (slackapi/bolt-js#2509, labelled server-side) and, by a maintainer there,
 * as "12,000 text characters with a buffer for block containers" (quoted in bolt-js#2867); the
 * lower figure is taken.
 */

import { textLength } from '../../booking/text-length';
import { escapeMrkdwn } from './format';

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  messageText: 40_000,
  /** The text of all of a message's blocks together (undocumented: see above). */
  messageBlocksText: 12_000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  placeholder: 150,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** plain_text_input max_length is 1…3000; an initial value longer than the input accepts is refused. */
  plainTextInputLength: 3000,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  overflowOptions: 5,
  modalTitle: 24,
  modalButton: 24,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
} as const;

export interface LimitProblem {
  /** JSON pointer into the payload Slack received, e.g. `/blocks/3/text/text`. */
  pointer: string;
  message: string;
  /** Slack's own error for this problem, where it is not `invalid_blocks` / `invalid_arguments`. */
  error?: 'msg_blocks_too_long';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

class Checker {
  readonly problems: LimitProblem[] = [];

  add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  /** A string field of at most `max` characters (and, when `required`, at least one). */
  length(value: unknown, max: number, pointer: string, required = false): void {
    if (value === undefined || value === null) {
      if (required) this.add(pointer, 'is required');
      return;
    }
    const s = str(value);
    if (s === undefined) return this.add(pointer, 'must be a string');
    if (required && textLength(s) === 0) this.add(pointer, 'must be more than 0 characters');
    if (textLength(s) > max) this.add(pointer, `must be less than ${max + 1} characters (is ${textLength(s)})`);
  }

  /** A text object: `{ type: 'plain_text' | 'mrkdwn', text }`. */
  text(value: unknown, max: number, pointer: string, opts: { required?: boolean; plainOnly?: boolean } = {}): void {
    if (value === undefined) {
      if (opts.required) this.add(pointer, 'is required');
      return;
    }
    if (!isObj(value)) return this.add(pointer, 'must be a text object');
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') this.add(`${pointer}/type`, 'must be plain_text or mrkdwn');
    if (opts.plainOnly && value.type === 'mrkdwn') this.add(`${pointer}/type`, 'must be plain_text');
    const text = value.type === 'plain_text' && typeof value.text === 'string' ? escapeMrkdwn(value.text) : value.text;
    this.length(text, max, `${pointer}/text`, true);
  }

  count(value: unknown, max: number, pointer: string): void {
    if (Array.isArray(value) && value.length > max) this.add(pointer, `must provide no more than ${max} items (has ${value.length})`);
  }

  confirm(value: unknown, pointer: string): void {
    if (value === undefined) return;
    if (!isObj(value)) return this.add(pointer, 'must be a confirmation object');
    this.text(value.title, LIMITS.confirmTitle, `${pointer}/title`, { required: true, plainOnly: true });
    this.text(value.text, LIMITS.confirmText, `${pointer}/text`, { required: true });
    this.text(value.confirm, LIMITS.confirmButton, `${pointer}/confirm`, { required: true, plainOnly: true });
    this.text(value.deny, LIMITS.confirmButton, `${pointer}/deny`, { required: true, plainOnly: true });
  }

  option(value: unknown, pointer: string): void {
    if (!isObj(value)) return this.add(pointer, 'must be an option object');
    this.text(value.text, LIMITS.optionText, `${pointer}/text`, { required: true });
    this.length(value.value, LIMITS.optionValue, `${pointer}/value`);
    this.text(value.description, LIMITS.optionDescription, `${pointer}/description`);
  }

  element(value: unknown, pointer: string): void {
    if (!isObj(value)) return this.add(pointer, 'must be an element object');
    this.length(value.action_id, LIMITS.actionId, `${pointer}/action_id`);
    this.text(value.placeholder, LIMITS.placeholder, `${pointer}/placeholder`, { plainOnly: true });
    this.confirm(value.confirm, `${pointer}/confirm`);
    switch (value.type) {
      case 'button':
        this.text(value.text, LIMITS.buttonText, `${pointer}/text`, { required: true, plainOnly: true });
        this.length(value.value, LIMITS.buttonValue, `${pointer}/value`);
        this.length(value.url, LIMITS.buttonUrl, `${pointer}/url`);
        break;
      case 'plain_text_input': {
        const maxLength = typeof value.max_length === 'number' ? value.max_length : LIMITS.plainTextInputLength;
        if (maxLength < 1 || maxLength > LIMITS.plainTextInputLength) this.add(`${pointer}/max_length`, `must be between 1 and ${LIMITS.plainTextInputLength}`);
        this.length(value.initial_value, Math.min(maxLength, LIMITS.plainTextInputLength), `${pointer}/initial_value`);
        break;
      }
      case 'overflow':
        this.count(value.options, LIMITS.overflowOptions, `${pointer}/options`);
        break;
      case 'mrkdwn':
      case 'plain_text':
        // a text object used as a context element (plain text counted escaped, as everywhere here)
        this.text(value, LIMITS.contextText, pointer, { required: true });
        break;
      default:
        break;
    }
    if (value.type !== 'overflow') this.count(value.options, LIMITS.selectOptions, `${pointer}/options`);
    if (Array.isArray(value.options)) value.options.forEach((o, i) => this.option(o, `${pointer}/options/${i}`));
    if (value.initial_option !== undefined) this.option(value.initial_option, `${pointer}/initial_option`);
  }

  block(value: unknown, pointer: string, seenIds: Set<string>): void {
    if (!isObj(value)) return this.add(pointer, 'must be a block object');
    this.length(value.block_id, LIMITS.blockId, `${pointer}/block_id`);
    if (typeof value.block_id === 'string') {
      if (seenIds.has(value.block_id)) this.add(`${pointer}/block_id`, `duplicate block_id ${value.block_id}`);
      seenIds.add(value.block_id);
    }
    switch (value.type) {
      case 'header':
        this.text(value.text, LIMITS.headerText, `${pointer}/text`, { required: true, plainOnly: true });
        break;
      case 'section':
        if (value.text === undefined && value.fields === undefined) this.add(pointer, 'must provide text or fields');
        this.text(value.text, LIMITS.sectionText, `${pointer}/text`);
        this.count(value.fields, LIMITS.sectionFields, `${pointer}/fields`);
        if (Array.isArray(value.fields)) value.fields.forEach((f, i) => this.text(f, LIMITS.sectionFieldText, `${pointer}/fields/${i}`, { required: true }));
        if (value.accessory !== undefined) this.element(value.accessory, `${pointer}/accessory`);
        break;
      case 'context':
        this.count(value.elements, LIMITS.contextElements, `${pointer}/elements`);
        if (Array.isArray(value.elements)) value.elements.forEach((e, i) => this.element(e, `${pointer}/elements/${i}`));
        break;
      case 'actions':
        this.count(value.elements, LIMITS.actionsElements, `${pointer}/elements`);
        if (Array.isArray(value.elements)) {
          value.elements.forEach((e, i) => this.element(e, `${pointer}/elements/${i}`));
          this.uniqueActionIds(value.elements, `${pointer}/elements`);
        }
        break;
      case 'input':
        this.text(value.label, LIMITS.inputLabel, `${pointer}/label`, { required: true, plainOnly: true });
        this.text(value.hint, LIMITS.inputHint, `${pointer}/hint`, { plainOnly: true });
        this.element(value.element, `${pointer}/element`);
        break;
      default:
        break;
    }
  }

  /** "Should be unique among all other action_ids in the containing block" (block elements). */
  uniqueActionIds(elements: unknown[], pointer: string): void {
    const seen = new Set<string>();
    elements.forEach((e, i) => {
      const id = isObj(e) ? str(e.action_id) : undefined;
      if (id === undefined) return;
      if (seen.has(id)) this.add(`${pointer}/${i}/action_id`, `duplicate action_id ${id}`);
      seen.add(id);
    });
  }

  blocks(value: unknown, max: number, pointer: string): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) return this.add(pointer, 'must be an array');
    this.count(value, max, pointer);
    const seen = new Set<string>();
    value.forEach((b, i) => this.block(b, `${pointer}/${i}`, seen));
  }
}

/**
 * The characters of every text object in `blocks` (plain text escaped, as everywhere here): what
 * Slack's undocumented limit on a message's blocks counts, as near as is known.
 */
export function blocksTextLength(blocks: unknown): number {
  if (Array.isArray(blocks)) return blocks.reduce((sum: number, b) => sum + blocksTextLength(b), 0);
  if (!isObj(blocks)) return 0;
  if ((blocks.type === 'plain_text' || blocks.type === 'mrkdwn') && typeof blocks.text === 'string') {
    return textLength(blocks.type === 'plain_text' ? escapeMrkdwn(blocks.text) : blocks.text);
  }
  return Object.values(blocks).reduce((sum: number, v) => sum + blocksTextLength(v), 0);
}

/** chat.postMessage / chat.update / chat.postEphemeral arguments. */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): LimitProblem[] {
  const c = new Checker();
  if ((message.text === undefined || message.text === '') && (!Array.isArray(message.blocks) || message.blocks.length === 0)) c.add('/text', 'text or blocks is required');
  c.length(message.text, LIMITS.messageText, '/text');
  c.blocks(message.blocks, LIMITS.messageBlocks, '/blocks');
  const total = blocksTextLength(message.blocks);
  if (total > LIMITS.messageBlocksText) {
    c.problems.push({ pointer: '/blocks', message: `the text of all blocks must be less than ${LIMITS.messageBlocksText + 1} characters (is ${total})`, error: 'msg_blocks_too_long' });
  }
  return c.problems;
}

/** views.open / views.update / views.push / views.publish `view`. */
export function validateView(view: unknown): LimitProblem[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.add('/view', 'must be a view object');
    return c.problems;
  }
  if (view.type !== 'modal' && view.type !== 'home') c.add('/view/type', 'must be modal or home');
  if (view.type === 'modal') {
    c.text(view.title, LIMITS.modalTitle, '/view/title', { required: true, plainOnly: true });
    c.text(view.submit, LIMITS.modalButton, '/view/submit', { plainOnly: true });
    c.text(view.close, LIMITS.modalButton, '/view/close', { plainOnly: true });
  }
  c.length(view.callback_id, LIMITS.callbackId, '/view/callback_id');
  c.length(view.private_metadata, LIMITS.privateMetadata, '/view/private_metadata');
  c.length(view.external_id, LIMITS.externalId, '/view/external_id');
  c.blocks(view.blocks, LIMITS.viewBlocks, '/view/blocks');
  return c.problems;
}

/** Slack's wording in `response_metadata.messages`: `[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. */
export function slackErrorMessages(problems: readonly LimitProblem[]): string[] {
  return problems.map((p) => `[ERROR] ${p.message} [json-pointer:${p.pointer}]`);
}
