/**
 * Prints the Slack messages the bot sends, as they happen, the way a person would read them in the
 * channel: Block Kit as text, user mentions as names. A message updated in place (the progress
 * thread, the crew post) prints in full the first time and afterwards only its changed lines, so
 * the output reads like a thread rather than twenty copies of the same table.
 */
import { blocksToText } from '../slack/blocks/to-text';
import type { RecordedSlackCall } from './slack-api-standin';

export interface ThreadPrinterOptions {
  write: (text: string) => void;
  startMs: number;
  /** Slack user id → display name. */
  users: ReadonlyMap<string, string>;
  /** Channel id → name (without #). */
  channels: Readonly<Record<string, string>>;
}

/** Slack renders these shortcodes as emoji; a terminal does not. */
const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  white_circle: '⚪',
  x: '❌',
  warning: '⚠️',
  no_entry: '⛔',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  link: '🔗',
  tada: '🎉',
  anchor: '⚓',
  boat: '⛵',
  sailboat: '⛵',
  heavy_check_mark: '✔️',
  no_entry_sign: '🚫',
  large_orange_circle: '🟠',
  large_blue_circle: '🔵',
  question: '❓',
  busts_in_silhouette: '👥',
};

const PRINTED_METHODS = new Set(['views.open', 'views.publish', 'chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** Slack markup as a person reads it: emoji, @names, #channels, link labels. */
export function readableText(text: string, users: ReadonlyMap<string, string>, channels: Readonly<Record<string, string>> = {}): string {
  const channelName = (id: string) => (channels[id] ? `#${channels[id]}` : id);
  return text
    .replace(/:([a-z0-9_+-]+):/g, (m, code: string) => EMOJI[code] ?? m)
    .replace(/<@([UW][A-Z0-9]+)>/g, (_m, id: string) => `@${users.get(id) ?? id}`)
    .replace(/<#([CGD][A-Z0-9]+)(\|[^>]*)?>/g, (_m, id: string) => channelName(id))
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1');
}

/** An App Home view (views.publish) as text: the same reading as the thread, one line per line. */
export function homeViewText(view: { blocks?: unknown }, users: ReadonlyMap<string, string>): string {
  return readableText(blocksToText(view.blocks), users)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .join('\n');
}

export class ThreadPrinter {
  /** ts of each message → its lines as last printed. */
  private readonly shown = new Map<string, string[]>();
  /** ts of posted messages → what they are (for update headings). */
  private readonly kinds = new Map<string, string>();
  /** ts of messages posted in a thread. */
  private readonly threaded = new Set<string>();

  constructor(private readonly opts: ThreadPrinterOptions) {}

  print(call: RecordedSlackCall): void {
    if (!PRINTED_METHODS.has(call.method) || call.status !== 200) return;
    const b = call.body;
    const at = `+${((call.atMs - this.opts.startMs) / 1000).toFixed(2)}s`;
    const channel = this.channelName(typeof b.channel === 'string' ? b.channel : '');
    switch (call.method) {
      case 'views.open': {
        const view = (b.view ?? {}) as { title?: { text?: string }; blocks?: unknown[] };
        this.heading(at, `modal opened: "${view.title?.text ?? ''}" (${view.blocks?.length ?? 0} fields)`);
        return;
      }
      case 'views.publish': {
        const view = (b.view ?? {}) as { blocks?: unknown[] };
        this.heading(at, `App Home of ${this.userName(String(b.user_id))} published (${view.blocks?.length ?? 0} blocks)`);
        this.body(homeViewText(view, this.opts.users).split('\n'));
        return;
      }
      case 'chat.postEphemeral':
        this.heading(at, `${channel} (only visible to ${this.userName(String(b.user))})`);
        this.body(this.lines(b));
        return;
      case 'chat.postMessage': {
        const lines = this.lines(b);
        const kind = this.kindOf(lines);
        const ts = call.response.ts;
        if (typeof ts === 'string') {
          this.shown.set(ts, lines);
          this.kinds.set(ts, kind);
          if (b.thread_ts) this.threaded.add(ts);
        }
        this.heading(at, `${channel}${b.thread_ts ? ' › thread' : ''} — ${kind}`);
        this.body(lines);
        return;
      }
      case 'chat.update': {
        const key = String(b.ts);
        const lines = this.lines(b);
        const before = this.shown.get(key) ?? [];
        this.shown.set(key, lines);
        const changed = lines.filter((l) => !before.includes(l));
        if (changed.length === 0) return;
        this.heading(at, `${channel}${this.threaded.has(key) ? ' › thread' : ''} — ${this.kinds.get(key) ?? 'message'} updated`);
        this.body(changed);
        return;
      }
      default:
        return;
    }
  }

  private kindOf(lines: string[]): string {
    const text = lines.join('\n');
    if (text.includes('[ Approve ]')) return 'approval request';
    if (/Confirm/.test(text)) return 'crew post';
    if (/Calendar entry/.test(text)) return 'progress';
    return 'message';
  }

  private lines(body: Record<string, unknown>): string[] {
    const text = Array.isArray(body.blocks) && body.blocks.length > 0 ? blocksToText(body.blocks) : String(body.text ?? '');
    return this.names(text)
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
  }

  private names(text: string): string {
    return readableText(text, this.opts.users, this.opts.channels);
  }

  private userName(id: string): string {
    return this.opts.users.get(id) ?? id;
  }

  private channelName(id: string): string {
    const name = this.opts.channels[id];
    if (name) return `#${name}`;
    // The Slack stand-in names a DM channel after its user (D… for U…).
    const dmWith = id.startsWith('D') ? this.opts.users.get(`U${id.slice(1)}`) : undefined;
    return dmWith ? `DM with @${dmWith}` : id;
  }

  private heading(at: string, what: string): void {
    this.opts.write(`\n[${at}] ${what}\n`);
  }

  private body(lines: string[]): void {
    for (const line of lines) this.opts.write(`  │ ${line}\n`);
  }
}
