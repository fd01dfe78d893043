/**
 * Deep search for money in anything crew can see: money-named keys at any depth (the detector's
 * word-part rule, so Slack's `event_payload` is not "pay"), currency signs, and this booking's amounts.
 */
import { formatCents } from '../../src/booking/money';
import { isMoneyKey } from '../../src/booking/money-detector';
import type { CostBreakdown } from '../../src/booking/costs';


export interface MoneyFinding {
  path: string;
  why: string;
}

/** Amounts of one booking worth looking for (small ones would match ordinary numbers like party size). */
export function amountsOf(costs: CostBreakdown): number[] {
  return [costs.grossCents, costs.crewCents, costs.captainCents, costs.portFeeCents, costs.netCents].filter((c) => Math.abs(c) >= 1000);
}

/**
 * The amount as a number of its own, not digits inside another one: a timestamp such as
 * `2026-12-03T14:41:25.003Z` holds "25.00" but no $25.00.
 */
function containsAmount(text: string, amount: string): boolean {
  const escaped = amount.replace(/[.,]/g, (ch) => `\\${ch}`);
  return new RegExp(`(?<![\\d.,])${escaped}(?!\\d)`).test(text);
}

export function findMoney(value: unknown, amountsCents: readonly number[], path = '$'): MoneyFinding[] {
  const out: MoneyFinding[] = [];
  if (typeof value === 'string') {
    if (/[$€£]/.test(value)) out.push({ path, why: 'currency sign' });
    for (const c of amountsCents) {
      const dollars = formatCents(Math.abs(c)).slice(1);
      if (containsAmount(value, dollars) || containsAmount(value, (Math.abs(c) / 100).toFixed(2))) out.push({ path, why: `amount ${dollars}` });
    }
  } else if (typeof value === 'number') {
    for (const c of amountsCents) if (value === c || (Math.abs(c) >= 10000 && value === c / 100)) out.push({ path, why: 'amount as number' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findMoney(v, amountsCents, `${path}[${i}]`)));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (isMoneyKey(k)) out.push({ path: `${path}.${k}`, why: 'money-like key' });
      out.push(...findMoney(v, amountsCents, `${path}.${k}`));
    }
  }
  return out;
}
