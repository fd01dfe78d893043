/** `npm run doctor`: checks the process environment's configuration against the real systems. Exits 1 on any ❌. */
import { formatReport } from './format';
import { hasFailure, runDoctor } from './run';

async function main(): Promise<number> {
  const results = await runDoctor({ env: process.env });
  process.stdout.write(`charter-bot doctor\n\n${formatReport(results)}\n`);
  return hasFailure(results) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`doctor could not run: ${(err as { name?: string }).name ?? 'Error'}\n`);
    process.exit(2);
  },
);
