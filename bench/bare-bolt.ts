/**
 * The framework floor for P1 and P4: a bare Bolt app (HTTPReceiver, `authorize` returning the
 * token, a /charter handler that only acks and opens a modal) with a /healthz route like the
 * bot's. Run as its own process by the benchmarks: `node --require tsx/cjs bench/bare-bolt.ts`.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { ViewsOpenArguments } from '@slack/web-api';

type ModalView = ViewsOpenArguments['view'];

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

// BARE_VIEW_FILE: the modal to open, so the floor carries the same Slack payload as the bot (P1).
const view = process.env.BARE_VIEW_FILE
  ? (JSON.parse(readFileSync(process.env.BARE_VIEW_FILE, 'utf8')) as ModalView)
  : ({ type: 'modal', callback_id: 'booking_modal', title: { type: 'plain_text', text: 'New charter' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hello' } }] } satisfies ModalView);

app.command('/charter', async ({ ack, command, client }) => {
  await ack();
  await client.views.open({ trigger_id: command.trigger_id, view });
});

void app.start({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((server) => {
  const { port } = (server as Server).address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
