/**
 * Finds the system Chromium for browser tests (Debian's `chromium`; never a downloaded build).
 * When there is none the browser suite skips LOUDLY — `.ci/run` installs it, so CI always runs it.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export type ChromiumLookup = { found: true; executablePath: string } | { found: false; reason: string };

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(env: Record<string, string | undefined> = process.env): ChromiumLookup {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    return isExecutable(configured)
      ? { found: true, executablePath: configured }
      : { found: false, reason: `CHROMIUM_PATH=${configured} is not an executable file` };
  }
  const executablePath = CANDIDATES.find(isExecutable);
  return executablePath
    ? { found: true, executablePath }
    : {
        found: false,
        reason: `no Chromium at ${CANDIDATES.join(' or ')} and CHROMIUM_PATH is unset — install Debian's chromium (apt-get install chromium) or run .ci/run`,
      };
}

/**
 * `describe` when Chromium is present; otherwise a skipped describe plus a warning that names the
 * reason, so a green run without a browser is never mistaken for a checked page.
 */
export function describeWithChromium(name: string, body: (executablePath: string) => void): void {
  const lookup = findChromium();
  if (lookup.found) {
    describe(name, () => body(lookup.executablePath));
    return;
  }
  console.warn(`\n*** SKIPPING browser tests "${name}": ${lookup.reason} ***\n`);
  describe.skip(name, () => {
    test('needs Chromium', () => undefined);
  });
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
