/** The sandbox's thread printer: mentions as names, emoji shortcodes as emoji, updates as changed lines only. */
import { ThreadPrinter } from '../../../src/sandbox/printer';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

function printer() {
  let out = '';
  const p = new ThreadPrinter({ write: (t) => void (out += t), startMs: 1000, users: new Map([['U0CAPTAIN1', 'Sam Ortiz']]), channels: { C0OPS00001: 'charter-ops' } });
  return { p, out: () => out };
}

const call = (method: string, body: Record<string, unknown>, response: Record<string, unknown> = { ok: true }): RecordedSlackCall => ({ method, body, status: 200, response, atMs: 2500 });

it('prints a posted message in full with names and emoji, then only the lines an update changed', () => {
  const { p, out } = printer();
  p.print(call('chat.postMessage', { channel: 'C0OPS00001', thread_ts: '1.1', blocks: [section('*Setting up*\n:hourglass_flowing_sand: Calendar entry — running\n:white_circle: Crew notified — waiting'), section('Captain <@U0CAPTAIN1>')] }, { ok: true, ts: '2.2' }));
  expect(out()).toContain('[+1.50s] #charter-ops › thread — progress');
  expect(out()).toContain('│ ⏳ Calendar entry — running');
  expect(out()).toContain('│ Captain @Sam Ortiz');
  const before = out().length;
  p.print(call('chat.update', { channel: 'C0OPS00001', ts: '2.2', blocks: [section('*Setting up*\n:white_check_mark: Calendar entry — done\n:white_circle: Crew notified — waiting'), section('Captain <@U0CAPTAIN1>')] }));
  const update = out().slice(before);
  expect(update).toContain('#charter-ops › thread — progress updated');
  expect(update).toContain('│ ✅ Calendar entry — done');
  expect(update).not.toContain('Crew notified');
  expect(update).not.toContain('Setting up');
});

it('prints nothing for an update that changed nothing, for failed calls and for reads', () => {
  const { p, out } = printer();
  const blocks = [section(':white_check_mark: Calendar entry — done\nCalendar entry')];
  p.print(call('chat.postMessage', { channel: 'C0OPS00001', blocks }, { ok: true, ts: '3.3' }));
  const before = out().length;
  p.print(call('chat.update', { channel: 'C0OPS00001', ts: '3.3', blocks }));
  p.print({ ...call('chat.postMessage', { channel: 'C0OPS00001', text: 'rate limited' }), status: 429 });
  p.print(call('users.info', { user: 'U0CAPTAIN1' }));
  expect(out().slice(before)).toBe('');
});
