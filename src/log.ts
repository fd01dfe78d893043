/**
 * pino logger. Secrets are scrubbed twice over: any key that names a credential is redacted at any
 * depth, and every known secret value is cut out of free text (an upstream error that echoes a
 * header must not leak it into the logs).
 */
import pino, { type Logger } from 'pino';
import { REDACTED, secretTextScrubber } from './secret-text';

export type { Logger } from 'pino';

// S3's signature-mismatch error carries AWS's canonical request (every signed header, the session
// token among them) in fields the SDK copies onto the error.
const SECRET_KEY = /(token|secret|password|passwd|authorization|signature|service.?key|api.?key|cookie|x-dashboard-token|canonical|string.?to.?sign)/i;
export { REDACTED };

export function createScrubber(secretValues: readonly string[]): (value: unknown) => unknown {
  const scrubText = secretTextScrubber(secretValues);
  const seen = new WeakSet<object>();
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
      // An Error is shown as pino's own err serializer shows it (type = its class, message and stack
      // with the cause chain, own fields such as code) and then scrubbed: spreading it would drop
      // the non-enumerable cause, and an S3 outage would log no word of the refused connection.
      const source = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(source)) {
        out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && typeof v !== 'boolean' ? REDACTED : scrub(v, depth + 1);
      }
      return out;
    } finally {
      seen.delete(value);
    }
  };
  return (value) => scrub(value, 0);
}

type Cause = { message?: unknown; cause?: unknown };

/**
 * The message with each cause's message after it, as pino writes it, but a cause whose words the
 * text already holds is not said again: the Slack client's WebAPIRequestError is "A request error
 * occurred: fetch failed" caused by "fetch failed", and pino wrote "…: fetch failed: fetch failed".
 */
function messageOnce(err: Error): string {
  let text = err.message;
  const seen = new Set<unknown>([err]);
  for (let cause = (err as Cause).cause; cause !== null && typeof cause === 'object' && !seen.has(cause); cause = (cause as Cause).cause) {
    seen.add(cause);
    const said = (cause as Cause).message;
    // Said already only when the text ends with it: a cause merely inside a word or phrase is news.
    if (typeof said === 'string' && said !== '' && text !== said && !text.endsWith(`: ${said}`)) text = `${text}: ${said}`;
  }
  return text;
}

/** An error as pino's err serializer shows it, each cause said once (see messageOnce). */
function errorFields(err: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  out.message = messageOnce(err);
  // The Slack client keeps its cause a second time as `original`: the message and stack say it already.
  // Only an object cause: a string cause equal to a field (`code: 'ECONNRESET'`) is that field's own value.
  if (typeof err.cause === 'object' && err.cause !== null) for (const key of Object.keys(out)) if (key !== 'cause' && (err as unknown as Record<string, unknown>)[key] === err.cause) delete out[key];
  return out;
}

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface LogOptions {
  level?: string;
  secretValues?: readonly string[];
  /** Where lines go; defaults to stdout (pretty when a person is watching a terminal). */
  destination?: pino.DestinationStream;
  pretty?: boolean;
}

export function createLogger(options: LogOptions = {}): Logger {
  const scrub = createScrubber(options.secretValues ?? []);
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const base: pino.LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { app: 'charter-bot' },
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    // formatters.log has already serialized every error (see createScrubber); pino's err serializer
    // would take that plain object for an error, as it has a message, and call its type "Object".
    serializers: { err: (err: unknown) => err },
    hooks: {
      logMethod(args, method) {
        // Message strings and printf arguments are scrubbed here; a plain merge object is left to
        // formatters.log, which scrubs it anyway (twice was one deep copy too many per line). An
        // Error logged on its own goes under err, as pino would put it, with its scrubbed message as
        // the line's message (pino would take the message from the raw error).
        const first = args[0] as unknown;
        if (first instanceof Error) {
          const rest = args.slice(1);
          const msg = typeof rest[0] === 'string' ? rest : [first.message, ...rest];
          args = [{ err: first }, ...msg] as unknown as typeof args;
        }
        const scrubbed = args.map((a, i) => (i === 0 && isPlainObject(a) ? a : scrub(a)));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } });
  // Synchronous, like Node's own stdout on a pipe or file: a line is written when it is logged, so a
  // crash loses none, and it costs one write(2). pino's default hands each line to the thread pool
  // and back (~55 µs of CPU a line on a 2-core VM, against ~14 µs; measured for issue 18).
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
