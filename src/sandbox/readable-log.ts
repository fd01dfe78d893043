/**
 * The bot's own warnings in the sandbox, as a person at a terminal reads them: one line a record,
 * then the error's message, code and fix, without its stack. They land between the Slack messages
 * the sandbox prints; a raw JSON line with a stack trace there buried the step that failed. Their
 * time is UTC and says so, as the logs keep it (the printed messages show the operator's zone).
 * Piped (tests, CI logs), the sandbox keeps JSON.
 */
import pinoPretty from 'pino-pretty';
import type { DestinationStream } from 'pino';

export function readableLogLines(destination: number | NodeJS.WritableStream, colorize: boolean): DestinationStream {
  return pinoPretty({ destination, sync: true, colorize, singleLine: true, ignore: 'pid,hostname,app,err.stack,err.type', translateTime: 'UTC:HH:MM:ss Z' });
}
