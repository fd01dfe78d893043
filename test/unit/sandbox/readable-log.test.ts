import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log';
import { readableLogLines } from '../../../src/sandbox/readable-log';

function capture() {
  let out = '';
  const destination = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return { destination, text: () => out };
}

describe("the sandbox's readable log lines", () => {
  it('show a failed step in one line plus the error’s message, code and fix, without its stack, and still scrubbed', () => {
    const { destination, text } = capture();
    const log = createLogger({ level: 'warn', secretValues: ['scc-service-key-123'], destination: readableLogLines(destination, false) });
    const err = Object.assign(new Error('SCC POST /events → 401 (key scc-service-key-123)'), { code: 'SCC_UNAUTHORIZED', operatorMessage: 'SCC rejected the service key — check SCC_SERVICE_KEY' });
    log.warn({ bookingId: 'QNVMHFTNV040', step: 'scc_event', err, attempt: 1, willRetry: false }, 'step failed');
    log.info('not shown at warn');
    const out = text();
    expect(out.split('\n')[0]).toMatch(/^\[\d\d:\d\d:\d\d UTC\] WARN: step failed \{"bookingId":"QNVMHFTNV040","step":"scc_event","attempt":1,"willRetry":false\}$/);
    expect(out).toContain('"code": "SCC_UNAUTHORIZED"');
    expect(out).toContain('"operatorMessage": "SCC rejected the service key — check SCC_SERVICE_KEY"');
    expect(out).not.toMatch(/\n\s+at /);
    expect(out).not.toContain('scc-service-key-123');
    expect(out).not.toContain('not shown');
    expect(out).not.toContain('"app"');
  });
});
