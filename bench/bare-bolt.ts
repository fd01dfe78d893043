/**
 * The framework floor for P1 and P4: a bare Bolt app (HTTPReceiver, `authorize` returning the
 * token, a /charter handler that only acks and opens a modal) with a /healthz route like the
 * bot's. Run as its own process by the benchmarks: `node --import tsx bench/bare-bolt.ts`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  endpoints: '/slack/events',
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}') }],
});
const app = new App({
  receiver,
  authorize: async () => ({ botToken: process.env.SLACK_BOT_TOKEN ?? '' }),
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
  logLevel: LogLevel.ERROR,
});

app.command('/charter', async ({ ack, command, client }) => {
  await ack();
  await client.views.open({
    trigger_id: command.trigger_id,
    view: { type: 'modal', callback_id: 'booking_modal', title: { type: 'plain_text', text: 'New charter' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hello' } }] },
  });
});

void app.start({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((server) => {
  const { port } = (server as Server).address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
