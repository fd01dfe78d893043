/** The doctor's table: one line per check, and one fix line under each that is not ✅. */
import type { CheckResult, CheckStatus } from './checks';

const ICON: Record<CheckStatus, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

export function formatReport(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${ICON[r.status]} ${r.name.padEnd(width)}  ${r.detail}`);
    if (r.status !== 'ok' && r.fix) lines.push(`   ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  lines.push('');
  lines.push(failed === 0 && warned === 0 ? 'All checks passed.' : `${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}.`);
  return lines.join('\n');
}
