/**
 * A TCP proxy on loopback in front of a real local server (s3rver, dynalite) that can make it hang:
 * connections are accepted and their bytes read, but nothing is forwarded and nothing comes back —
 * what a stuck load balancer or a frozen server looks like to a client. The AWS SDK clients are
 * pointed at the proxy through their usual endpoint variables, so tests see real SDK behaviour.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  /** http://127.0.0.1:PORT — use in place of the target's endpoint. */
  url: string;
  /** New connections hang (and so do requests on connections opened while hung). */
  hang(): void;
  /**
   * Every request is answered 500 with a DynamoDB-style InternalServerError body (what a throttled
   * or ailing table sends), and its connection closed.
   */
  fail(): void;
  /** Forward again; connections that hung stay hung until the client gives up on them. */
  heal(): void;
  /**
   * The next `times` requests whose bytes contain `marker` reach the target and are processed, but
   * their connection is reset as the answer starts back: a write that landed and whose answer was lost.
   */
  loseResponses(marker: string, times?: number): void;
  /** Requests whose answer was lost so far. */
  readonly lostResponses: number;
  /** Connections accepted while hung. */
  readonly hungConnections: number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  let mode: 'pass' | 'hang' | 'fail' = 'pass';
  let hungConnections = 0;
  let lose: { marker: string; times: number } | undefined;
  let lostResponses = 0;
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'hang') {
      hungConnections += 1;
      client.resume(); // read and drop: the request "arrives" and is never answered
      return;
    }
    if (mode === 'fail') {
      client.once('data', () => {
        const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected by the fault proxy' });
        client.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      });
      return;
    }
    const upstream = connect(targetPort, target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // A request marked for a lost answer: whatever the target sends back resets the connection instead.
    let dropAnswer = false;
    client.on('data', (chunk: Buffer) => {
      if (lose && lose.times > 0 && chunk.includes(lose.marker)) {
        lose.times -= 1;
        dropAnswer = true;
      }
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    upstream.on('data', (chunk: Buffer) => {
      if (!dropAnswer) {
        client.write(chunk);
        return;
      }
      lostResponses += 1;
      client.resetAndDestroy();
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hang: () => {
      mode = 'hang';
      // Keep-alive connections already open would otherwise keep forwarding.
      for (const s of sockets) s.destroy();
    },
    fail: () => {
      mode = 'fail';
      for (const s of sockets) s.destroy();
    },
    heal: () => {
      mode = 'pass';
    },
    loseResponses: (marker, times = 1) => {
      lose = { marker, times };
    },
    get lostResponses() {
      return lostResponses;
    },
    get hungConnections() {
      return hungConnections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
