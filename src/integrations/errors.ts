/**
 * Errors of the integration layer. The runner decides retry-or-fail from `retryable`, never from
 * message text; `operatorMessage` is what the Slack thread shows next to the failed step, with the fix.
 */
export interface IntegrationErrorOptions {
  code: string;
  retryable: boolean;
  operatorMessage: string;
  system: string;
  status?: number;
  /** Server-suggested wait (Retry-After), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class IntegrationError extends Error {
  override name = 'IntegrationError';
  readonly code: string;
  readonly retryable: boolean;
  readonly operatorMessage: string;
  readonly system: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, options: IntegrationErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable;
    this.operatorMessage = options.operatorMessage;
    this.system = options.system;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Anything thrown by a step that is not an IntegrationError is treated as a bug: not retryable. */
export function isRetryable(err: unknown): boolean {
  return err instanceof IntegrationError ? err.retryable : false;
}
