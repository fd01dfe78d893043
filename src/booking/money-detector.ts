/**
 * The one money detector. Everything that decides whether crew may see a piece of text or a field
 * uses it: the crew-safe projection of operator notes (crew-safe.ts), the revenue guard on SCC's
 * DynamoDB item (integrations/revenue-guard.ts) and the tests that search every crew surface.
 *
 * A LINE carries money when it states an amount, not when it merely contains a money word:
 * - an amount with a currency: "$150", "€40", "150 USD", "USD 1200", "1200 bucks", "50 dollars",
 *   "75¢", "50 cents", "2 grand", "fifty bucks", and "k" amounts ("1.2k", "$2k");
 * - a money word NEXT TO a number: "net 584", "crew pay: 150", "tip of 20%", "150 tip.", "rate is 50/h".
 *   "Next to" allows a few filler words ("of", "is", "about", "per hour"…) and punctuation, and the
 *   number must not be a time ("3 pm", "3:30"), a date ("12/5"), a phone number, a count of people or
 *   hours ("6 guests", "5 hours") or a list label ("Tip 1:"). So "Pay attention: tide turns at 3 pm",
 *   "Tip: bring a jacket" and "Net bag on the bow" stay.
 * When in doubt the detector says "money": a dropped harmless line costs crew a note, a kept amount
 * breaks the promise.
 *
 * A FIELD holds money when a word part of its name is a money word ("captainPay", "crew_pay",
 * "netRevenue", "TipAmount"), case-insensitively and camelCase/snake_case/kebab-case aware, or when its
 * name is in an explicit list (SCC_MONEY_ATTRIBUTES, for names that are not split into words).
 */
import { BoundedCache } from '../bounded-cache';

/** Words that make a line money when next to a number. */
const TEXT_MONEY_WORDS = [
  'pay', 'pays', 'paid', 'payment', 'payments', 'payout', 'payouts', 'fee', 'fees', 'tip', 'tips', 'tipped', 'gratuity',
  'rate', 'rates', 'net', 'gross', 'revenue', 'revenues', 'price', 'prices', 'priced', 'cost', 'costs', 'deposit', 'deposits',
  'wage', 'wages', 'commission', 'commissions', 'earnings', 'earn', 'earns', 'earned', 'salary', 'bonus', 'profit', 'profits',
  'refund', 'refunded', 'charge', 'charged', 'owe', 'owes', 'owed', 'balance', 'total', 'subtotal', 'invoice', 'invoiced', 'cash',
  'venmo', 'zelle', 'amount',
];
/** Money words that also count AFTER a number ("150 tip", "584 net") when the clause ends there. Not "total": "we are 6 total". */
const TRAILING_MONEY_WORDS = [
  'pay', 'paid', 'payout', 'fee', 'fees', 'tip', 'tips', 'gratuity', 'net', 'gross', 'revenue', 'price', 'cost', 'costs',
  'deposit', 'wage', 'wages', 'commission', 'profit', 'bonus', 'refund', 'cash', 'owed',
];
/** Word parts that make a field name money. */
const KEY_MONEY_PARTS = new Set([
  'pay', 'paid', 'payment', 'payments', 'payout', 'payouts', 'fee', 'fees', 'tip', 'tips', 'gratuity', 'gratuities', 'amount',
  'amounts', 'rate', 'rates', 'price', 'prices', 'pricing', 'cost', 'costs', 'revenue', 'revenues', 'net', 'gross', 'deposit',
  'deposits', 'wage', 'wages', 'commission', 'commissions', 'earning', 'earnings', 'cent', 'cents', 'dollar', 'dollars', 'usd',
  'profit', 'profits', 'salary', 'bonus', 'refund', 'charge', 'charges', 'invoice', 'money', 'cash', 'balance', 'subtotal',
]);

const NUMBER_WORDS = 'a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|few|couple|several';

/** A whole number as people write amounts: 5, 1200, 1,200, 584.00. Never a part of a longer number. */
const NUM = String.raw`(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![.,]?\d)`;
/** What right after a number makes it something other than an amount. */
const NOT_AN_AMOUNT = String.raw`(?!\s*(?:[ap]\.?m\b|o'?clock|:\d|:(?:\s|$)|/\d|-\d{3}-\d|hours?\b|hrs?\b|mins?\b|minutes?\b|guests?\b|people\b|persons?\b|pax\b|adults?\b|kids?\b|children\b|ft\b|feet\b|foot\b|knots?\b|kts?\b|miles?\b|nm\b|st\b|nd\b|rd\b|th\b|x\b|×))`;
/** Filler allowed between a money word and its number: "pay: 150", "tip of 20%", "rate per hour is 50". */
const FILLER = String.raw`[\s:=~\-–—]*(?:(?:of|is|was|are|were|will|be|about|around|approx\.?|approximately|roughly|only|just|per|each|the|a|an|to|came|comes|totals?|hour|hr|h|head|person|guest|day|night|trip|charter)\b[\s:=~\-–—]*){0,3}`;

const CURRENCY = new RegExp(
  [
    String.raw`[$€£¢]\s*\d`,
    String.raw`\d\s*[$€£¢]`,
    String.raw`\b(?:usd|us\$|eur|gbp)\s*\d`,
    String.raw`\d\s*(?:usd|eur|gbp|dollars?|bucks?|cents?|grand)\b`,
    String.raw`\b(?:${NUMBER_WORDS})\s+(?:dollars?|bucks|grand)\b`,
    // "1.2k", "2K": thousands of something, which in an operator's note is money.
    String.raw`(?<![\w.])\d+(?:\.\d+)?\s?k\b`,
  ].join('|'),
  'i',
);
const WORD_THEN_NUMBER = new RegExp(String.raw`\b(?:${TEXT_MONEY_WORDS.join('|')})\b${FILLER}[-−]?${NUM}${NOT_AN_AMOUNT}`, 'i');
const NUMBER_THEN_WORD = new RegExp(
  String.raw`${NUM}\s*(?:[-–]\s*)?(?:${TRAILING_MONEY_WORDS.join('|')})\b(?=\s*(?:$|[,.;)!]|\s(?:each|per|for|to|from|after|before|total|paid|owed|tonight|today|ok)\b))`,
  'i',
);

/**
 * Answers by line. The revenue guard runs every string of every SCC item through here and the same
 * lines (checklist, dock, vessel, notes) come back booking after booking; three case-insensitive
 * regexes a line were ~0.3 ms of a booking's CPU (issue 18). Long lines are not kept.
 */
const moneyLines = new BoundedCache<string, boolean>(2000);
const MEMO_LINE_MAX = 500;

/** A line of free text that states an amount of money. */
export function isMoneyLine(line: string): boolean {
  if (line.length > MEMO_LINE_MAX) return testMoneyLine(line);
  return moneyLines.get(line, () => testMoneyLine(line));
}

function testMoneyLine(line: string): boolean {
  return CURRENCY.test(line) || WORD_THEN_NUMBER.test(line) || NUMBER_THEN_WORD.test(line);
}

export interface MoneyFreeText {
  /** The text without its money lines (line breaks of kept lines preserved). */
  text: string;
  removedLines: number;
}

/** Drops every line that carries money; keeps every other line exactly as written. */
export function withoutMoneyLines(text: string): MoneyFreeText {
  const lines = text.split(/\r?\n/);
  const kept = lines.filter((l) => !isMoneyLine(l));
  return { text: kept.join('\n'), removedLines: lines.length - kept.length };
}

/** "captainPay" → ["captain", "pay"]; "crew_pay_cents" → ["crew", "pay", "cents"]; "TIPAmount" → ["tip", "amount"]. */
export function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)|(\d)([A-Za-z])/g, '$1$3 $2$4')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
}

/** Field names are few and asked for on every item the guard reads. */
const moneyKeyNames = new BoundedCache<string, boolean>(2000);

/** A field name that holds money: a money word part, or a name on the explicit list (any case). */
export function isMoneyKey(name: string, explicit: ReadonlySet<string> = new Set()): boolean {
  return explicit.has(name.toLowerCase()) || moneyKeyNames.get(name, () => nameParts(name).some((p) => KEY_MONEY_PARTS.has(p)));
}

export interface MoneyFinding {
  /** "$.roster[0].crewPay" */
  path: string;
  why: 'money field' | 'money text';
}

/**
 * Money anywhere in a plain JSON-like value: money-named keys at any depth (lists included) and
 * strings with a money line. For tests and for checking what crew surfaces would show.
 */
export function findMoney(value: unknown, explicitKeys: ReadonlySet<string> = new Set(), path = '$'): MoneyFinding[] {
  if (typeof value === 'string') return value.split(/\r?\n/).some(isMoneyLine) ? [{ path, why: 'money text' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findMoney(v, explicitKeys, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      isMoneyKey(k, explicitKeys) ? [{ path: `${path}.${k}`, why: 'money field' as const }] : findMoney(v, explicitKeys, `${path}.${k}`),
    );
  }
  return [];
}
