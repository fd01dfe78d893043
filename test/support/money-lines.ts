/** fast-check generators of note lines: ones that state an amount, and harmless ones that only mention a money word, a time, a date, a count, a phone number. */
import fc from 'fast-check';

const amount = fc.oneof(
  fc.integer({ min: 1, max: 99_999 }).map(String),
  fc.integer({ min: 1000, max: 999_999 }).map((n) => n.toLocaleString('en-US')),
  fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 99 })).map(([d, c]) => `${d}.${String(c).padStart(2, '0')}`),
);
const moneyWord = fc.constantFrom('pay', 'Paid', 'fee', 'Tip', 'rate', 'net', 'Gross', 'revenue', 'payout', 'price', 'cost', 'deposit', 'wage', 'commission', 'earnings');
const lead = fc.constantFrom('', 'Captain ', 'crew ', 'Guest ', 'Dock ', 'Note: ');
const trail = fc.constantFrom('', ' on Friday', ', thanks', ' via Boatsetter', ' (cash)');
export const moneyLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(lead, amount, trail).map(([l, a, t]) => `${l}$${a}${t}`),
  fc.tuple(lead, moneyWord, fc.constantFrom(' ', ': ', ' is ', ' of ', ' = '), amount, trail).map(([l, w, s, a, t]) => `${l}${w}${s}${a}${t}`),
  fc.tuple(amount, fc.constantFrom(' USD', ' dollars', ' bucks', ' cents', '¢')).map(([a, u]) => `${a}${u}`),
  fc.tuple(fc.constantFrom('USD ', 'US$'), amount).map(([u, a]) => `${u}${a}`),
  fc.tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom('', '.5'), fc.constantFrom('k', 'K')).map(([n, d, k]) => `prepaid ${n}${d}${k}`),
);
const hour = fc.integer({ min: 1, max: 12 });
export const safeLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('Pay attention', 'Tip', 'Note', 'Heads up'), fc.constantFrom(': tide turns at ', ': be at the dock by '), hour, fc.constantFrom(' pm', ' am', ':30 PM')).map((p) => p.join('')),
  fc.constantFrom('Tip: bring a jacket', 'Net bag on the bow', 'Birthday sunset sail', 'Guest paid in full on Boatsetter', 'Rate the trip in the app after'),
  fc.integer({ min: 1, max: 12 }).map((n) => `Party of ${n}, ${n} guests`),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([m, d]) => `Meet on ${m}/${d} at the fuel dock`),
  fc.tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 1000, max: 9999 })).map(([a, b]) => `Guest phone 619-${a}-${b}`),
  fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 99 })).map(([d, s]) => `Dock ${d}, slip ${s}`),
  fc.integer({ min: 1, max: 12 }).map((h) => `Tip for ${h} guests: they get seasick`),
  fc.integer({ min: 1, max: 12 }).map((h) => `Net: check it before ${h} pm`),
);

/** Operator notes mixing both kinds of line. */
export const notesArb: fc.Arbitrary<string> = fc.array(fc.oneof(moneyLine, safeLine), { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n'));
