/**
 * Slack's end of Socket Mode, on the Slack stand-in's own port: the URL apps.connections.open
 * answers leads here, and what is said on the socket follows Slack's Socket Mode protocol
 * (docs.slack.dev/apis/events-api/using-socket-mode) as @slack/socket-mode reads it:
 * - on connect Slack says `hello` (num_connections, debug_info, connection_info.app_id);
 * - each delivery is an envelope `{ envelope_id, type: 'slash_commands' | 'interactive' |
 *   'events_api', payload, accepts_response_payload }`, the payload being what the HTTP request
 *   would carry (a slash command's form fields as an object, an interaction's `payload` JSON, an
 *   Events API `event_callback`);
 * - the app acks with `{ envelope_id, payload? }`: a modal's `response_action` travels in that
 *   payload, as it travels in the HTTP response body;
 * - `disconnect` (reason `refresh_requested`, `warning` or `link_disabled`) asks the app to drop the
 *   socket and open a new one through apps.connections.open. Slack closes the socket itself some
 *   seconds after a `warning`; the SDK closes at once on any disconnect, so the stand-in leaves the
 *   closing to the app.
 * A URL is good for one connection (its ticket is spent when the socket opens): a reconnect that
 * skipped apps.connections.open is refused, so tests see that it did not.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

/** What the app sent back for an envelope. */
export interface SocketModeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SocketModeStandin {
  /** A URL for one new connection (what apps.connections.open answers): `ws://127.0.0.1:PORT/link/?ticket=…&app_id=…`. */
  issueUrl(appId: string): string;
  /** Sockets open now, past their hello and not closing (a close frame from either end ends one). */
  readonly openConnections: number;
  /** Sockets that got their hello since the stand-in started (a reconnect adds one). */
  readonly connectionsMade: number;
  /** Resolves once `count` connections were made and one is open (a reconnect: connectionsMade + 1). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Delivers `payload` in an envelope on the newest open socket and resolves with the app's ack.
   * `accepts_response_payload` defaults to what Slack sets: true for slash commands and for
   * interactions that can answer (view_submission, block_suggestion), false otherwise.
   */
  send(type: EnvelopeType, payload: Record<string, unknown>, opts?: { acceptsResponsePayload?: boolean; timeoutMs?: number }): Promise<SocketModeAck>;
  /** Slack's `disconnect` message on every open socket. */
  disconnect(reason: DisconnectReason): void;
  /** Every ack the app sent, in order. */
  readonly acks: SocketModeAck[];
  /** Ends every socket; the HTTP server is the caller's to close. */
  close(): Promise<void>;
}

const PATH = '/link/';

/** Adds Socket Mode to `server`, which listens on 127.0.0.1:`port`. */
export function attachSocketMode(server: Server, port: number): SocketModeStandin {
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Map<string, string>();
  let ticketCount = 0;
  const open: WebSocket[] = [];
  let connectionsMade = 0;
  const acks: SocketModeAck[] = [];
  const pendingAcks = new Map<string, (ack: SocketModeAck) => void>();
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const ticket = url.searchParams.get('ticket') ?? '';
    const appId = tickets.get(ticket);
    if (url.pathname !== PATH || appId === undefined) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    tickets.delete(ticket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.push(ws);
      connectionsMade += 1;
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let ack: SocketModeAck;
        try {
          ack = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data)) as SocketModeAck;
        } catch {
          return; // Slack ignores what is not JSON; so does the stand-in
        }
        if (typeof ack.envelope_id !== 'string') return;
        acks.push(ack);
        pendingAcks.get(ack.envelope_id)?.(ack);
        pendingAcks.delete(ack.envelope_id);
      });
      ws.on('close', () => {
        const at = open.indexOf(ws);
        if (at >= 0) open.splice(at, 1);
        wake();
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: open.length, debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: appId } }));
      wake();
    });
  };
  server.on('upgrade', onUpgrade);

  const newest = (): WebSocket | undefined => open.filter((ws) => ws.readyState === ws.OPEN).at(-1);

  return {
    issueUrl(appId) {
      ticketCount += 1;
      const ticket = `standin-${ticketCount}-${randomUUID()}`;
      tickets.set(ticket, appId);
      return `ws://127.0.0.1:${port}${PATH}?ticket=${ticket}&app_id=${appId}`;
    },
    get openConnections() {
      return open.filter((ws) => ws.readyState === ws.OPEN).length;
    },
    get connectionsMade() {
      return connectionsMade;
    },
    waitForConnections: (count, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const met = () => connectionsMade >= count && newest() !== undefined;
        if (met()) return resolve();
        const check = () => {
          if (!met()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Socket Mode stand-in: ${connectionsMade} of ${count} connections made, ${open.length} open, within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      }),
    send(type, payload, opts = {}) {
      const ws = newest();
      if (!ws) return Promise.reject(new Error('Socket Mode stand-in: no open connection to deliver on'));
      const envelopeId = randomUUID();
      const acceptsResponsePayload = opts.acceptsResponsePayload ?? (type === 'slash_commands' || (type === 'interactive' && ['view_submission', 'block_suggestion'].includes(String(payload.type))));
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: acceptsResponsePayload,
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      };
      const timeoutMs = opts.timeoutMs ?? 10_000;
      return new Promise<SocketModeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`Socket Mode stand-in: no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
        }, timeoutMs);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        ws.send(JSON.stringify(envelope));
      });
    },
    disconnect(reason) {
      for (const ws of open) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-standin' } }));
    },
    acks,
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of open) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
