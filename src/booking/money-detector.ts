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
 *   number must not be a time ("3 pm", "3:30", "at 5", "@ 1530"), a date ("12/5"), a year ("from
 *   2019"), a phone number, a position ("32.71, -117.23"), a unit ("5 stars", "3°", "6-pack"), a
 *   count of people or hours ("6 guests", "5 hours"), one digit with a noun ("Tip: 3 layers") or a
 *   list label ("Tip 1:"). So "Pay attention: tide turns at 3 pm", "Tip: bring a jacket" and "Net
 *   bag on the bow" stay.
 * - a money word or pay verb ANYWHERE on a line that also holds a number that is not a time, a date,
 *   a phone number, a label ("dock 7", "B-12", "#2") or a count of something ("6 guests", "2 coolers"):
 *   "Balance due 400 on arrival", "Venmo Sam 150", "Captain gets 300 for this one", "20% tip";
 * - a split of money: a ratio adding up to 100 beside a split word, a party or a money word
 *   ("Revenue share 70/30", "60-40 with the owner", "Tips 50/50"), splitting money ("split the tips",
 *   "Lee and Sam split 300"). A ratio with none of those is odds or a mix ("50/50 chance of rain"), and
 *   no date, time or range adds up to 100;
 * - a party's part of the money: a percentage beside a party ("owner 70%", "30% to captain",
 *   "Owner receives seventy percent"), numbers beside parties adding up to 100 ("70 owner / 30 crew"),
 *   a party's pay with the plain verb ("Deckhands get 125", "Owner wants 840"), a cut,
 *   share or take ("captain's cut 30%", "Crew share 150", "Today's take 1200", "take-home: 450"), a
 *   fraction of the money ("Half the take", "Owner takes half", "Half goes to the owner"), a party with a number of two digits
 *   or more ("Deckhand 150", "Owner 70 / Captain 30", "840 to the owner"). A party takes no count
 *   ("Crew 2", "Captain 12 years") and "Fog 70%", "Half the guests" have no party or money word;
 * - a word that only ever means the operator's or crew's money, amount or not: "Payout pending",
 *   "Revenue looks good", "Commission comes off first", "Tip pool to Lee" (not "out of commission",
 *   "non-profit", nor "Tips welcome", "Gratuity included", "Guest paid in full": crew serve guests
 *   with those, and they say nothing of what anyone is paid);
 * - other currencies and slang ("5000 pesos", "MXN 500", "CAD 500", "¥5000", "500 US dollars", "300 quid",
 *   "20 bux", "200 yen", "a 50-dollar tip"), rates ("25 an hour", "125/hr", "50 hourly"), amounts
 *   with cents ("Fuel 85.40"), amounts in words after a money word ("Crew pay: one fifty", "Tip:
 *   twenty percent") and bills ("a twenty for Sam", "Hand Lee a fifty");
 * - an amount with no money word, two digits or more: per person or day ("85 per head", "85/pp",
 *   "1200/day", "150/crew"), each ("150 each"), "150 flat", "1200 all-in", "Crew x2 @ 150",
 *   "2 x 150", "1200 for the charter", the charter's price ("Charter was 1200", "Trip came to 900"),
 *   money for something ("Gas money 40") and a discount ("50% off", "Half off");
 * - earning, spending, pricing, handing over and bookkeeping words with an amount, as money words
 *   are: "Captain makes 300", "Owner nets 850", "Spent 85 on fuel", "Quoted 1200", "Sold for 1200",
 *   "Gave Sam 150", "Tax 95", "Fuel surcharge 40", "Holdback 200", "Bal 400", "Pmt rec'd 400".
 *   "on the house" and "comped" with no amount are not money: crew must know not to charge, and
 *   no amount is stated ("Comp'd the drinks, worth 60" is).
 * Lines are read after NFKC, with every decimal digit made ASCII and format characters (zero-width
 * space…) removed: notes are pasted from phones and mail, and "Tip ５００" or "$\u200b500" must not slip by.
 * Text of several lines is judged line by line, except that a label ending in ":" is also read with
 * the next line ("Owner split:" then "70/30"): see moneyLineIndexes.
 * When in doubt the detector says "money": a dropped harmless line costs crew a note, a kept amount
 * breaks the promise.
 *
 * A FIELD holds money when a word part of its name is a money word ("captainPay", "crew_pay",
 * "netRevenue", "TipAmount", "salesTax", "payable", "currency"), case-insensitively and
 * camelCase/snake_case/kebab-case aware; when a share word (split, share, cut, take) stands beside a
 * party or a percentage ("ownerSplit", "captainCut", "crewShare", "splitPct", "revShare"), a
 * percentage beside a party ("ownerPct", "crewPercent") or it is "take home" ("take_home"); or when
 * its name is in an explicit list (SCC_MONEY_ATTRIBUTES, for names that are not split into words).
 * "split", "share", "cut" and "pct" alone are not money: "splitGroup", "shareUrl", "shareWithCrew",
 * "batteryPct" are the app's own words, and a field that only says "split" carries no amount.
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
  'deposit', 'wage', 'wages', 'commission', 'profit', 'bonus', 'refund', 'cash', 'owed', 'take-?home',
  // "50 hourly", "18% grat", "Ice 24 reimbursed", "400 outstanding", "1200 all-in", "150 flat", "60 apiece".
  'hourly', 'grat', 'reimbursed', 'outstanding', 'all[-\\s]in', 'flat(?:\\s+(?:rate|fee))?', 'apiece', 'a\\s+piece',
  // What is still to come in: "300 balance due at dock", "450 still owes", "1200 total paid online".
  // Not "total" alone: "6 total" is a count. "450 left to collect" is LEFT_TO_COLLECT below.
  'balance', 'owes', 'total\\s+(?:paid|owed|due|charged|collected)',
];
/**
 * "450 left to collect", "450 still to collect": three digits or more, as "6 still to collect from
 * the dock" and "2 left to collect" are gear and people. Not "left" or "to collect" alone: "2 left on
 * the dock", "back at 5 to collect" are counts and times.
 */
const LEFT_TO_COLLECT = String.raw`(?:left|still)\s+to\s+(?:collect|pay|be\s+paid)`;
/** Who gets a part of the money: "Owner 70%", "captain's cut", "60-40 with the owner". */
const PARTIES = String.raw`owners?|captains?|capt|skipper|crew|deckhands?|mates?|boatsetter|getmyboat|house|platform|operator`;
/** Of those, the ones a bare number after means pay ("Deckhand 150", "Owner 840"); "house 12" may be an address. */
const PAID_PARTIES = String.raw`owners?|captain|capt|skipper|crew|deckhands?|mate|boatsetter`;
/** Word parts that make a field name money. */
const KEY_MONEY_PARTS = new Set([
  'pay', 'paid', 'payment', 'payments', 'payout', 'payouts', 'fee', 'fees', 'tip', 'tips', 'gratuity', 'gratuities', 'amount',
  'amounts', 'rate', 'rates', 'price', 'prices', 'pricing', 'cost', 'costs', 'revenue', 'revenues', 'net', 'gross', 'deposit',
  'deposits', 'wage', 'wages', 'commission', 'commissions', 'earning', 'earnings', 'cent', 'cents', 'dollar', 'dollars', 'usd',
  'profit', 'profits', 'salary', 'bonus', 'refund', 'charge', 'charges', 'invoice', 'money', 'cash', 'balance', 'subtotal',
  'total', 'totals', 'payroll', 'compensation', 'income', 'margin', 'margins', 'fare', 'fares', 'proceeds', 'discount', 'discounts',
  // What is added to, held from or owed on a price, and the books: "salesTax", "fuelSurcharge", "payable".
  'tax', 'taxes', 'surcharge', 'surcharges', 'expense', 'expenses', 'reimbursement', 'reimbursements', 'payable', 'payables',
  'receivable', 'receivables', 'owed', 'penalty', 'penalties', 'rebate', 'rebates', 'holdback', 'chargeback', 'chargebacks',
  'billing', 'billed', 'ledger', 'finance', 'finances', 'financial', 'financials', 'budget', 'salaries', 'quid',
  // Pay by another name: "captainHourly", "crewStipend", "gratAmt".
  'hourly', 'stipend', 'stipends', 'grat',
  // A currency field only ever stands beside amounts.
  'currency', 'currencies',
]);
/**
 * Word parts that are money only beside a party or a percentage: "ownerSplit", "captainCut",
 * "crewShare", "ownerTake", "splitPct", "splitRatio", "revShare". Alone, or beside anything else,
 * they are the app's own words ("shareUrl", "splitGroup", "shareWithCrew", "cutoff" is one word).
 */
const KEY_SHARE_PARTS = new Set(['split', 'splits', 'share', 'shares', 'cut', 'cuts', 'take']);
const KEY_PARTY_PARTS = new Set(['owner', 'owners', 'captain', 'captains', 'capt', 'skipper', 'crew', 'deckhand', 'deckhands', 'mate', 'house', 'platform', 'boatsetter', 'operator', 'rev']);
/** A percentage beside a party is its share ("ownerPct", "crewPercent"); beside anything else a gauge ("batteryPct", "percentComplete"). */
const KEY_PERCENT_PARTS = new Set(['pct', 'percent', 'percentage']);
const KEY_RATIO_PARTS = new Set([...KEY_PERCENT_PARTS, 'ratio']);
/** Word parts that make a "total" field a count ("totalGuests", "total_hours"), not money. */
const KEY_COUNT_PARTS = new Set(['guest', 'guests', 'people', 'person', 'persons', 'pax', 'passenger', 'passengers', 'adults', 'kids', 'children', 'hour', 'hours', 'hrs', 'minutes', 'mins', 'days', 'nights', 'count', 'items', 'seats']);

const NUMBER_WORDS = 'a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|few|couple|several';

/** A whole number as people write amounts: 5, 1200, 1,200, 584.00. Never a part of a longer number. */
const NUM = String.raw`(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![.,]?\d)`;
/**
 * Units and hyphenated counts: "Rate of turn 3°/s", "Rate 5 stars", "20 lb", "Tip: 6-pack license
 * only", "3-hour sail". Not "-ish" or "-dollar": "150-ish", "a 50-dollar tip" are amounts.
 */
const UNITS = String.raw`°|degrees?\b|deg\b|stars?\b|lbs?\b|kgs?\b|gal(?:lons?|s)?\b|hp\b|mph\b|yards?\b|yds?\b|[-–](?:pack|hours?|hrs?|days?|nights?|person|people|man|foot|ft|footer|years?|yrs?|minutes?|mins?|stroke|seat(?:er)?s?|passengers?|guests?|miles?|knots?|gal(?:lons?)?|stars?)\b`;
/** What right after a number makes it something other than an amount. */
const NOT_AN_AMOUNT = String.raw`(?!\s*(?:[ap]\.?m\b|o'?clock|:\d|:(?:\s|$)|/\d|-\d{3}-\d|hours?\b|hrs?\b|mins?\b|minutes?\b|guests?\b|people\b|persons?\b|pax\b|adults?\b|kids?\b|children\b|ft\b|feet\b|foot\b|knots?\b|kts?\b|miles?\b|nm\b|st\b|nd\b|rd\b|th\b|x\b|×|${UNITS}))`;
/**
 * Words that may follow an amount ("400 on arrival", "150 each", "25 an hour"). Any other word after
 * a number makes it a count of that thing ("6 net bags", "2 coolers", "12 tons", "1880 Harbor Dr").
 */
const AMOUNT_FOLLOWERS = 'between|among|evenly|two|three|four|five|on|at|for|each|ea|to|from|via|in|by|if|when|after|before|per|and|or|plus|with|into|upon|up|upfront|back|due|now|then|but|so|today|tonight|tomorrow|ok|okay|please|pls|thanks|thx|cash|check|cheque|card|extra|more|less|off|only|max|a|an|was|is|are|percent|pct|pp|venmo|zelle|paypal|cashapp|received|rec\'?d|recvd|rcvd|outstanding';
/** Filler allowed between a money word and its number: "pay: 150", "tip of 20%", "rate per hour is 50". */
const FILLER = String.raw`[\s:=~\-–—]*(?:(?:of|is|was|are|were|will|be|about|around|approx\.?|approximately|roughly|only|just|per|each|the|a|an|to|came|comes|totals?|hour|hr|h|head|person|guest|day|night|trip|charter)\b[\s:=~\-–—]*){0,3}`;

/** ISO codes of currencies an operator in San Diego meets (Mexican, Canadian, Australian guests…). */
const CURRENCY_CODES = 'usd|eur|gbp|mxn|mxp|cad|aud|nzd|jpy|cny|rmb|inr|php|chf|hkd|sgd';
/** Money by name, after a number: slang and the currencies of guests from abroad. */
const CURRENCY_NAMES = String.raw`quid|bux|yen|yuan|francs?|rupees?|loonies|toonies|(?:pounds?\s+)?sterling`;
const CURRENCY = new RegExp(
  [
    // \p{Sc}: every currency sign ($ € £ ¢ ¥ ₱ ₹ ₩ …), so a guest's own currency is not a way round.
    // Slack formatting between the sign and the digits: "$*500*", "$`500`".
    String.raw`\p{Sc}[\s*_~${'`'}]*\d`,
    // An amount's digits stand on their own: inside a code like a booking ID ("7DR9BZZ60MXP") they
    // are not one, and calling them money would fail that booking's guest page for good.
    // Never from inside a number ("1,2,3,…"): a start after each comma made a long list quadratic.
    String.raw`(?<![\p{L}\p{N}]|\d[.,])\d+(?:[.,]\d+)*\s*\p{Sc}`,
    String.raw`\b(?:${CURRENCY_CODES}|us\$|rs\.?)\s*\d[\d,.]*(?![\p{L}\p{N}])`,
    // "-" too: "a 50-dollar tip". Slang and the currencies guests name: "300 quid", "20 bux", "200 yen".
    // Not "pounds" (a dog of 40 pounds) unless "sterling", nor "bones" or "clams" (bait, dinner).
    String.raw`(?<![\p{L}\p{N}]|\d[.,])\d+(?:[.,]\d+)*[\s-]*(?:${CURRENCY_CODES}|(?:(?:us|u\.s\.|american|canadian|australian|mexican|cdn|aus)\s*)?(?:dollars?|bucks?)|cents?|grand|(?:mexican\s*)?pesos?|euros?|${CURRENCY_NAMES})\b`,
    String.raw`\b(?:${NUMBER_WORDS})\s+(?:dollars?|bucks|grand|pesos|euros|${CURRENCY_NAMES})\b`,
    // "1.2k", "2K": thousands of something, which in an operator's note is money.
    String.raw`(?<![\w.])\d+(?:\.\d+)?\s?k\b`,
  ].join('|'),
  'iu',
);
/**
 * One digit with a noun after it is a count even after a money word: "Tip: 3 layers", "Tip: 2 jackets
 * each", "Rate 5 stars". Two digits or more, or one digit with no noun ("Tip 5", "Fee 5 per guest"),
 * are an amount.
 */
const NOT_A_COUNT_OF_ONE_DIGIT = String.raw`(?:(?<=[\d,.]\d)|(?!\s*(?!(?:${AMOUNT_FOLLOWERS})\b)[A-Za-z]))`;
const WORD_THEN_NUMBER = new RegExp(String.raw`\b(?:${TEXT_MONEY_WORDS.join('|')})\b${FILLER}[-−]?${NUM}${NOT_AN_AMOUNT}${NOT_A_COUNT_OF_ONE_DIGIT}`, 'i');
/**
 * Where a clause with a trailing money word ends: at a stop, at when or where the money comes
 * ("due", "online", "at the dock": not any "at", "2 net at the stern" is gear) or at how it came
 * ("1200 paid in full", "900 paid by card": "in full" was no end, so the number went with the phrase).
 */
const CLAUSE_END = String.raw`(?=\s*(?:$|[,.;)!]|\s(?:each|per|for|to|from|after|before|total|paid|owed|due|online|tonight|today|ok|already|upfront|up\s+front|via|in\s+(?:full|cash|advance)|by\s+(?:the\s+)?(?:guest|renter|customer|client|card|check|cheque|cash|venmo|zelle|paypal|cashapp|wire|transfer)|at\s+(?:the\s+)?(?:dock|slip|pier|marina|end|boarding|check-?in|return|drop-?off))\b))`;
const NUMBER_THEN_WORD = new RegExp(
  // "still" may stand between ("450 still owed").
  String.raw`${NUM}\s*(?:[-–]\s*)?(?:still\s+)?(?:${TRAILING_MONEY_WORDS.join('|')})\b${CLAUSE_END}` +
    String.raw`|(?=\d,?\d,?\d)${NUM}\s*(?:[-–]\s*)?${LEFT_TO_COLLECT}\b${CLAUSE_END}`,
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

/**
 * Words that make a line money wherever they stand, once the line also holds a number that reads as
 * an amount: the money words plus pay verbs ("Captain gets 300", "Boatsetter took 20%") and the ways
 * people get paid.
 */
const ANYWHERE_MONEY_WORDS = [
  ...TEXT_MONEY_WORDS,
  'paying', 'due', 'bonuses', 'tipping', 'charges', 'fares?', 'discount', 'discounted', 'discounts', 'margin', 'margins', 'income',
  'proceeds', 'payroll', 'compensation', 'compensated', 'reimburse', 'reimbursed', 'reimbursement', 'collect', 'collected',
  'collecting', 'gets', 'got', 'takes', 'took', 'receives', 'received', 'percent', 'paypal', 'cashapp', 'stripe', 'square',
  // Someone's part of the money: "captain's cut 30%", "Owner's share 70%", "Crew share 150". Not
  // "Share photos", "cut the engine": a cut or share belongs to someone.
  String.raw`(?:${PARTIES}|our|my|his|her|their|your|\w+'s|rev|revenue|profit|tip)\s+(?:cut|share)`,
  String.raw`share\s+of\s+(?:the\s+)?(?:tips?|take|gross|net|revenue|profits?)`,
  // The take as a noun: "Today's take 1200", "Take: 1200", "Take was 1200". Not "Take 2 coolers".
  String.raw`(?:the|today's|tonight's|our|total|daily|gross|net|house)\s+take`, String.raw`take\s*(?=[:=]|\s(?:was|is|came|were)\b)`,
  String.raw`take[-\s]home`, 'keeps', 'kept',
  // A party's pay with the plain verb: "Deckhands get 125", "Owners keep 840", "Owner wants 840".
  // Not "get" alone: "Get 10 minutes early" has its unit, but "Get 2" is a count of something.
  String.raw`(?:${PARTIES})\s+(?:get|receive|keep|wants?)`,
  // What money is for: "Gas money 40", "Money for fuel: 85" ("Bring money for parking" has no amount).
  'money',
  // Earning, spending, pricing and handing over money: "Captain makes 300", "Owner nets 850", "Spent
  // 85 on fuel", "Quoted them 1200", "Sold for 1200", "Gave Sam 150", "Brought in 1200". Not
  // "make" ("Make 10 sandwiches" has its noun anyway, "Make it 3" has none).
  'makes', 'making', 'made', 'nets', 'netted', 'grossed', 'grosses', 'spent', 'spend', 'sold', 'quote', 'quoted', 'worth', 'listed', 'listing', String.raw`went\s+for`,
  'gave', 'give', 'giving', 'send', 'sent', 'handed', String.raw`hands?\s+(?:you|him|her|them|over)`, String.raw`(?:brought|bring|bringing|took|pulled)\s+in`,
  String.raw`comp(?:'?d|ed)`, 'venmoed', 'zelled',
  // What is added to or held from a price: "Fuel surcharge 40", "Tax 95", "Holdback 200", "Late fine 50".
  'budget', 'surcharges?', 'penalty', 'penalties', 'tax', 'taxes', 'insurance', 'expenses?', 'holdback', 'withheld', 'grat',
  'hourly', String.raw`(?:late|parking|cancel(?:lation)?|no-show)\s+fines?`,
  // Bookkeeping shorthand: "Bal 400", "Pmt rec'd 400", "IOU Sam 150", "400 outstanding".
  'bal', 'pmts?', 'pymts?', "rec'?d", 'recvd', 'rcvd', 'iou', 'outstanding',
];
const ANYWHERE_WORD = new RegExp(String.raw`\b(?:${ANYWHERE_MONEY_WORDS.join('|')})\b`, 'i');
/** "Charge the batteries to 100%" is about power, not a card. */
const BATTERY = /\bbatter(?:y|ies)\b/i;
const CHARGE = /\b(?:charges?|charged)\b/gi;

const MONTHS = 'jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december';

/** Pieces of a line whose digits are never an amount; blanked out before looking for one. */
const NOT_AMOUNT_SPANS = new RegExp(
  [
    // times: 4 pm, 4:30 PM, 4.30pm, 16:30, 4 o'clock
    String.raw`\b\d{1,2}(?:[:.]\d{2})?\s*[ap]\.?\s?m\b\.?`,
    String.raw`\b\d{1,2}:\d{2}(?::\d{2})?\b`,
    String.raw`\b\d{1,2}\s*o'?clock\b`,
    // an hour without am/pm after a word of time: "ready by 3", "from 10 to 2", "Pulled in at 5",
    // "Meet @ 10" (not "at 20%"); a 24-hour time after "@": "Crew call @ 1530"
    String.raw`(?:\b(?:by|until|till|before|after|around|from|between|at)\s+|@\s*)(?:[01]?\d|2[0-3])(?:\s*(?:-|to|and)\s*(?:[01]?\d|2[0-3]))?\b(?![.,:]?\d)(?!\s*(?:%|percent|pct))`,
    String.raw`@\s*(?:[01]\d|2[0-3])[0-5]\d\b`,
    // a year after a word of time: "photos from 2019", "Made in 2019", "since 2015"
    String.raw`\b(?:in|since|from|of|year|model|built|refit|circa|est\.?)\s+(?:19|20)\d{2}\b(?![.,]?\d)`,
    // "Lunch made for 6", "Beds for 4": one digit after "for" counts people.
    String.raw`\bfor\s+[1-9]\b(?![.,]?\d)(?!\s*(?:%|percent|pct|k\b|grand|bucks|dollars|hours?\b|hrs?\b|h\b|days?\b|nights?\b))`,
    // dates: 2026-12-05, 12/5, 12/5/26, 12-05-2026, 05.12.2026, Dec 5, Dec 5th, 2026, 5 Dec, the 5th of December
    String.raw`\b\d{4}-\d{1,2}-\d{1,2}\b`,
    String.raw`\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b`,
    String.raw`\b\d{1,2}[-.]\d{1,2}[-.]\d{2,4}\b`,
    String.raw`\b(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4}\b)?`,
    String.raw`\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:${MONTHS})\b\.?(?:,?\s+\d{4}\b)?`,
    // a position: "GPS 32.71, -117.23", "32.7157,-117.1611" (San Diego's longitude is negative)
    String.raw`\b\d{1,2}\.\d{2,}\s*°?\s*,?\s*-1\d{2}\.\d{2,}\b`,
    // phone numbers: 619-555-0100, (619) 555 0100, +1 619 555 0100, +52 664 123 4567
    String.raw`(?:\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b`,
    String.raw`\+\d[\d\s().-]{6,}\d`,
  ].join('|'),
  'gi',
);

/** Words before a number that make it a label, a place or a count, not an amount: "dock 7", "guests: 6". */
const LABEL_BEFORE = String.raw`(?<!\b(?:dock|slip|pier|gate|berth|buoy|marker|channel|ch|vhf|exit|suite|ste|unit|apt|room|row|lot|space|spot|stall|hwy|highway|route|rte|interstate|no|number|step|item|line|page|table|seat|version|v|drawer|locker|hatch|cabin|bunk|bin|shelf|compartment|bay|deck|level|floor|winch|cleat|guests?|people|pax|adults?|kids?|children|passengers?|persons?|hours?|hrs?|party(?:\s+of)?|group(?:\s+of)?|crew\s+of|size)\s{0,3}[:=#.]?\s{0,3})`;
/** A number that reads as an amount in a line already stripped of times, dates and phone numbers. */
const BARE_AMOUNT = new RegExp(
  String.raw`(?=\d)(?<![\w.,#/])(?<![A-Za-z]-)${LABEL_BEFORE}\d[\d,]*(?:\.\d+)?(?![.,]?\d)${NOT_AN_AMOUNT}(?!\s*/\s*\d)(?!\s*[-–]\s*\d+\s*(?!(?:${AMOUNT_FOLLOWERS})\b)[A-Za-z])(?!\s*(?!(?:${AMOUNT_FOLLOWERS})\b)[A-Za-z])`,
  'i',
);
/**
 * A number of two digits or more that reads as an amount (not a range like "10-2", not a count like
 * "12 guests"): for words that take small counts too ("split the group: 4 on the bow").
 */
const BIG_AMOUNT = new RegExp(
  String.raw`(?=\d,?\d)(?<![\w.,#/])(?<![A-Za-z]-)(?<!\d\s{0,3}[-–]\s{0,3})${LABEL_BEFORE}\d[\d,]*(?:\.\d+)?(?![.,]?\d)${NOT_AN_AMOUNT}(?!\s*[-–/]\s*\d)(?!\s*(?!(?:${AMOUNT_FOLLOWERS})\b)[A-Za-z])`,
  'i',
);
/** "85.40", "1,200.00": two decimals are cents (times like 4.30 pm are blanked before). Not a position ("32.71 N", "lat 32.71"). */
const CENTS = new RegExp(String.raw`(?=\d)(?<![\w.,#/])(?<!\b(?:lat|latitude|lon|lng|long|longitude)\s{0,3}[:=]?\s{0,3}-?)\d[\d,]*\.\d{2}(?![.,]?\d)${NOT_AN_AMOUNT}(?!\s*(?:°|[NSEW]\b|in\b|inch))`, 'i');

/** An amount in words right after a money word: "Crew pay: one fifty", "Price was twelve hundred". */
const CARDINAL = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand';
const WORDS_AMOUNT = new RegExp(
  String.raw`\b(?:${TEXT_MONEY_WORDS.join('|')})\b${FILLER}(?:${CARDINAL})(?:[\s-]+(?:and\s+)?(?:${CARDINAL}))*\b(?=\s*(?:$|[,.;)!]|\s(?:each|per|for|to|on|at|cash|an?|tonight|today|percent|pct)\b))`,
  'i',
);
/** "25 an hour", "25 per hour", "125/hr", "40/h", "twenty five an hour". */
const RATE = new RegExp(
  String.raw`(?:${NUM}${NOT_AN_AMOUNT}|\b(?:${CARDINAL})(?:[\s-]+(?:${CARDINAL}))*)\s*(?:(?:an?|per)\s+|/\s*)(?:hour|hr|h)\b`,
  'i',
);
/** A money word glued to its amount ("tip500", "TIP500"), not the start of a code ("NET10SR1VNF1", a booking ID). */
const GLUED = new RegExp(String.raw`\b(${TEXT_MONEY_WORDS.join('|')})(?=\d[\d.,]*(?![A-Za-z0-9]))`, 'gi');

/** The ASCII digit for any Unicode decimal digit. Decimal digits come in runs of 0–9 (a Unicode rule). */
function asciiDigit(d: string): string {
  const cp = d.codePointAt(0) as number;
  if (cp < 0x80) return d;
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return String((cp - start) % 10);
}

/**
 * An amount grouped the European way: "1.250,50", "12.500,00", "1.250.000". Its dots and comma
 * break every number pattern here, so "Captain gets 1.250,50" read as no amount at all. Only the
 * unmistakable shapes: a comma with cents after dot-grouped thousands, or two dot groups or more. A
 * lone "1.250" stays a decimal ("32.715, -117.161" is a position).
 */
const EUROPEAN_AMOUNT = /(?<![\w.,])(\d{1,3}(?:\.\d{3})+),(\d{1,2})(?![.,]?\d)|(?<![\w.,])\d{1,3}(?:\.\d{3}){2,}(?![.,]?\d)/g;

/** "1.250,50" as the detector's patterns read amounts: "1,250.50". */
function asUsGrouping(whole: string, grouped: string | undefined, cents: string | undefined): string {
  return grouped === undefined ? whole.replaceAll('.', ',') : `${grouped.replaceAll('.', ',')}.${cents}`;
}

/**
 * An amount grouped the Swiss way: "1'250.50", "Captain gets 1'250", "12’500". The apostrophe split it
 * into "1" and "250", so "Deckhand 1'250" read as a count. Only whole groups of three: "5'10"" (a
 * height) and "24'" (a boat's length) are no amount.
 */
const SWISS_AMOUNT = /(?<![\w.,'’])\d{1,3}(?:['’]\d{3})+(?=(?:\.\d+)?(?![.,'’]?\d))/g;

/** The line as the detector reads it: pasted look-alikes and invisible characters made plain. */
export function normaliseForMoney(line: string): string {
  return line
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Nd}/gu, asciiDigit)
    .replace(GLUED, '$1 ')
    .replace(EUROPEAN_AMOUNT, asUsGrouping)
    .replace(SWISS_AMOUNT, (amount) => amount.replace(/['’]/g, ','));
}

/** A link: its digits are coordinates, ids and paths ("?ll=32.72,-117.19" reads like cents), never an amount shown. */
const URL_SPAN = /\b(?:https?:\/\/|www\.)\S+/gi;

/**
 * An identifier: a UUID ("evt_8b010aa7-afe4-44e3-…", SCC's event ids) or a long hex run (a content
 * hash). Its letters and digits read as money glued to a number ("…-4cad-…" as CAD, "…-fee2-…" as a
 * fee) in about one UUID in 1,300; it is never an amount.
 */
const ID_SPAN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-z])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}(?![0-9a-z])/gi;
/**
 * A booking id (src/booking/session-id.ts: twelve of Crockford's upper-case base32) that starts
 * with digits and ends in letters: "1234567890PP" reads as "1234567890 pp", an amount per person,
 * and the guest page and SCC event carrying it would be refused for good. Case-sensitive: "85pp" and
 * "1200PP" are amounts, and an id has no lower case.
 */
const BOOKING_ID_SPAN = /(?<![0-9A-Za-z])(?=\d)(?=\d*[A-HJKMNP-TV-Z])[0-9A-HJKMNP-TV-Z]{12}(?![0-9A-Za-z])/g;

// ---- splits ---------------------------------------------------------------------------------------

/**
 * Words that make a ratio a split of money: "Revenue share 70/30", "60-40 with the owner", "Tips
 * 50/50". Without one a ratio is odds or a mix ("50/50 chance of rain", "70/30 adults and kids").
 */
const SPLIT_CONTEXT = new RegExp(
  String.raw`\b(?:split(?:s|ting)?|shares?|cut|take-?home|(?:${PARTIES})(?:'s)?|tips?|gratuity|revenues?|rev|gross|net|profits?|pay|paid|payouts?|earnings|commission|money|cash|proceeds|fees?|wages?)\b`,
  'i',
);
/**
 * Two or three numbers joined by "/", "-" or ":" ("70/30", "60-40", "40/30/30", "70%/30%"). Only
 * ones adding up to 100 are a split (checked in code): no date (month ≤ 12, day ≤ 31), time (hour ≤
 * 23, minutes ≤ 59), range of wind, swell or ages in a note does. One character of look-ahead and
 * look-behind, and no two optional runs of spaces side by side, keep a long line of digits, slashes
 * and spaces linear.
 */
const RATIO = /(?<![\d.,/:-])(\d{1,2})(?:\s*%)?\s*([/:\-–])\s*(\d{1,2})(?:\s*%)?(?:\s*\2\s*(\d{1,2})(?:\s*%)?)?(?![.,/:\-–]?\d)/g;

function hasRevenueSplit(line: string): boolean {
  if (!SPLIT_CONTEXT.test(line)) return false;
  for (const m of line.matchAll(RATIO)) {
    const parts = [m[1], m[3], m[4]].filter((p): p is string => p !== undefined).map(Number);
    if (parts.every((p) => p > 0) && parts.reduce((a, b) => a + b, 0) === 100) return true;
  }
  return false;
}

/** What is split when a split is money: "split the tips", "tips are split", "split of the take". */
const SPLIT_NOUNS = 'tips?|gratuity|take|gross|revenues?|profits?|payouts?|money|cash|proceeds|earnings|fees';
const SPLIT_OF_MONEY = new RegExp(
  String.raw`\bsplit(?:s|ting)?\s+(?:(?:of|up|evenly)\s+)?(?:(?:the|our|today's|tonight's)\s+)?(?:${SPLIT_NOUNS})\b|\b(?:${SPLIT_NOUNS})\s+(?:(?:are|get|gets|got|were|was|is|to\s+be)\s+)?split\b`,
  'i',
);
/** "split" beside a number of two digits or more that is no range: "Split 1,200 three ways", "Lee and Sam split 300". Not "Split shifts: Lee 10-2". */
const SPLIT_WORD = /\bsplit(?:s|ting)?\b/i;

// ---- parts of the money -----------------------------------------------------------------------------

/** A percentage: "30%", "30 percent", "20 pct", "seventy percent", "twenty-five percent". */
const PCT = String.raw`(?:\d{1,3}(?:\.\d+)?\s*(?:%|percent\b|pct\b|per\s+cent\b)|\b(?:${CARDINAL})(?:[\s-]+(?:${CARDINAL}))*\s+(?:percent|pct|per\s+cent)\b)`;
/** A percentage right beside a party: "owner 70%", "Boatsetter keeps 20 pct", "30% to captain". Not "Fog 70%", "Battery at 80%". */
const PARTY_PERCENT = new RegExp(
  String.raw`\b(?:${PARTIES})(?:'s)?[\s:=\-–—]*(?:(?:gets?|keeps?|takes?|receives?)\s+)?${PCT}|${PCT}\s*(?:(?:goes\s+)?(?:to|for)\s+)?(?:the\s+)?(?:${PARTIES})\b`,
  'i',
);
/** A fraction of the money: "Half the take", "A quarter of the tips", "Owner takes half", "Captain gets a third". Not "Half the guests", "1/2 hour early". */
const FRACTION = String.raw`(?:half|(?:a|one|two)\s+thirds?|(?:a|one|three)\s+quarters?|1/2|1/3|2/3|1/4|3/4)`;
const SHARED_NOUNS = String.raw`(?:take|tips?|gratuity|gross|net|revenue|profits?|pay|payout|money|cash|proceeds|earnings|fees?|cut|deposit|balance|price|cost|total)\b(?!\s+bags?\b)`;
const FRACTION_OF_MONEY = new RegExp(
  String.raw`\b${FRACTION}\s+(?:of\s+)?(?:(?:the|our|his|her|their|today's|tonight's)\s+)?${SHARED_NOUNS}` +
    String.raw`|\b(?:${PARTIES})(?:'s)?\s+(?:gets?|keeps?|takes?|receives?|is\s+owed)\s+${FRACTION}(?!\s+(?:of\s+)?(?:the\s+)?(?!${SHARED_NOUNS})[A-Za-z])` +
    // "Half goes to the owner", "A third to the captain".
    String.raw`|\b${FRACTION}\s+(?:goes\s+)?(?:to|for)\s+(?:the\s+)?(?:${PARTIES})\b`,
  'i',
);
/**
 * A party and a number of two digits or more: "Deckhand 150", "Captain — 300", "Owner 70 / Captain 30",
 * "Owner's 840", "Captain 300-350"; or the other way round with three: "840 to the owner". A party
 * takes no count (not "Captain 12 years", "Crew 10 min early", "Crew 2"), nor hours ("Crew 10-2").
 */
const AMOUNT_TAIL = String.raw`\d[\d,]*(?:\.\d+)?(?![.,]?\d)${NOT_AN_AMOUNT}(?!\s*[-–]\s*\d{1,2}\b)(?!\s*(?!(?:${AMOUNT_FOLLOWERS})\b)[A-Za-z])`;
const PARTY_AMOUNT = new RegExp(
  String.raw`\b(?:${PAID_PARTIES})(?:'s)?[\s:=\-–—]*(?=\d,?\d)${AMOUNT_TAIL}` +
    String.raw`|(?=\d,?\d,?\d)(?<![\w.,#/])${LABEL_BEFORE}\d[\d,]*(?:\.\d+)?(?![.,]?\d)\s+(?:goes\s+)?(?:to|for|after)\s+(?:the\s+)?(?:${PAID_PARTIES}|house)\b`,
  'i',
);

/** A number beside a party, as splits are written number first: "70 owner / 30 crew", "70% to the owner, 30 to crew". */
const NUMBER_THEN_PARTY = new RegExp(String.raw`(?<![\d.,/:-])(\d{1,2})\s*%?\s*(?:(?:goes\s+)?(?:to|for)\s+)?(?:the\s+)?(?:${PARTIES})\b`, 'gi');

/** Two parties or more whose numbers add up to 100 split the money between them. */
function hasPartySplit(line: string): boolean {
  const parts = [...line.matchAll(NUMBER_THEN_PARTY)].map((m) => Number(m[1]));
  return parts.length >= 2 && parts.every((p) => p > 0) && parts.reduce((a, b) => a + b, 0) === 100;
}

/**
 * What is left of the money, with no money word: "Rest (450) at dock", "Get the other 300 from him",
 * "Remainder 450". Three digits or more and no noun or % after: "Rest 15 then swim", "the rest (12) inside",
 * "the other 2 coolers" are people, minutes and gear, "Rest 100% sure" is not an amount.
 */
const REST_AMOUNT = new RegExp(String.raw`\b(?:rest|remainder|remaining|the\s+other)\b[\s:=\-–—(]*(?=\d,?\d,?\d)${AMOUNT_TAIL}(?!\s*%)`, 'i');

/**
 * Money due where it is handed over, then its amount: "Balance due at dock: 900", "Due at the slip –
 * 900", "Pay at check-in: 450". The place says where, and the number after the colon is the amount,
 * not the dock's number as in "Dock: 7" (the label rule read "dock: 900" so). Two digits or more, as
 * "Crew due at dock: 8" is a time; no separator ("Balance due at slip 12") stays the place's number.
 */
const DUE_AT_PLACE = new RegExp(
  String.raw`\b(?:due|owed|owing|payable|paid|pay|payment|collect(?:ed|ing)?|balance|bal|deposit|cash|rest|remainder)\s+(?:at|on|upon)\s+(?:the\s+)?(?:dock|slip|pier|marina|berth|boarding|check-?in|arrival|return|drop-?off)\s*[:=\-–—]\s*(?=\d,?\d)${AMOUNT_TAIL}`,
  'i',
);

/** The charter's price with no money word: "Charter was 1200", "Booking is 1,450", "Trip came to 900". */
const CHARTER_AMOUNT = new RegExp(
  String.raw`\b(?:charter|booking|trip|cruise|sail)\s+(?:(?:was|is|came\s+to|comes\s+to)\b|:)\s*(?=\d,?\d)${AMOUNT_TAIL}`,
  'i',
);

// ---- amounts without a money word --------------------------------------------------------------

/**
 * Ways of stating an amount that need no money word, all with two digits or more (one digit is a
 * count: "2 per guest", "Crew gets 2 drinks each"):
 * - a price per person or per day: "85 per head", "85/pp", "85 a head", "1200/day", "150/crew",
 *   "Per head 85", and with three digits "1200 per charter";
 * - a share each: "150 each", "~60 each" (not "Crew gets 2 drinks each");
 * - an amount at "@" or times a count: "Crew x2 @ 150", "2 x 150 for crew";
 * - an amount for the whole charter, three digits or more: "1200 for the charter", "1200 for 4 hours";
 * - a bill: "a twenty for Sam", "Hand Lee a fifty";
 * - a discount: "50% off", "Half off", "half price".
 */
const AMOUNT_PHRASE = new RegExp(
  [
    String.raw`(?=\d,?\d)(?<![\w.,#/])\d[\d,]*(?:\.\d+)?\s*(?:(?:an?|per)\s+|/\s*)(?:head|person|guest|pax|day|night|crew)\b`,
    String.raw`(?=\d,?\d)(?<![\w.,#/])\d[\d,]*(?:\.\d+)?\s*/?\s*p/?p\b`,
    String.raw`(?=\d,?\d,?\d)(?<![\w.,#/])\d[\d,]*(?:\.\d+)?\s*(?:(?:an?|per)\s+|/\s*)(?:charter|trip|booking|boat)\b`,
    String.raw`\bper\s+(?:head|person|guest|pax)\s*[:=]?\s*\d{2}`,
    String.raw`(?=\d,?\d)(?<![\w.,#/])${LABEL_BEFORE}\d[\d,]*(?:\.\d+)?\s*(?:each|ea\.?)(?=\s*(?:$|[,.;)!]|\s+(?:for|to|cash|in|plus|and)\b))`,
    String.raw`(?:@|(?<![\w.])\d{1,2}\s*[x×])\s*(?=\d,?\d)${AMOUNT_TAIL}`,
    String.raw`(?=\d,?\d,?\d)(?<![\w.,#/])${LABEL_BEFORE}\d[\d,]*(?:\.\d+)?\s+for\s+(?:(?:the|a|this|that|one|our)\s+)?(?:\d+\s*(?:hours?|hrs?|h)\b|(?:charter|trip|sail|boat|day|night|booking|cruise|afternoon|evening|morning|weekend)s?\b)`,
    String.raw`\b(?:a|one|two|three|four|five)\s+(?:twenty|fifty|hundred)s?\b(?=\s*(?:$|[,.;!)]|\s+(?:for|to|each|apiece|tip|cash|in\s+cash)\b))`,
    String.raw`\b\d{1,3}\s*(?:%|percent\b|pct\b)\s*off\b|\bhalf\s+(?:off|price)\b`,
  ].join('|'),
  'i',
);

// ---- money on its own ----------------------------------------------------------------------------

/**
 * Words that only ever mean the operator's or crew's money, so a line with one is about money even
 * with no amount: "Payout pending", "Revenue looks good", "Commission comes off first", "Tip pool
 * to Lee". Not a boat "out of commission", a "non-profit" group, nor the words crew need to serve
 * guests ("Tips welcome", "Gratuity included", "Guest paid in full", "Full refund if we cancel"):
 * those say nothing of what anyone is paid. Not "wages" either: it is a surname, and a guest name
 * that reads as money is refused (schema.ts); "crew wages 150" is caught by its amount.
 */
const MONEY_ON_ITS_OWN = new RegExp(
  String.raw`\b(?:pay-?outs?|paid\s+out|revenues?|rev\s+share|(?<!\b(?:non-?|not-for-|for-))profits?|earnings|(?<!\b(?:out\s+of|in)\s+)commissions?|payroll|salary|salaries|chargebacks?|tip\s*pool|c-?notes?)\b`,
  'i',
);

function testMoneyLine(raw: string): boolean {
  const line = normaliseForMoney(raw.replace(ID_SPAN, ' ').replace(BOOKING_ID_SPAN, ' ')).replace(URL_SPAN, ' ');
  if (CURRENCY.test(line) || WORD_THEN_NUMBER.test(line) || NUMBER_THEN_WORD.test(line) || RATE.test(line) || WORDS_AMOUNT.test(line)) return true;
  if (MONEY_ON_ITS_OWN.test(line) || SPLIT_OF_MONEY.test(line) || hasRevenueSplit(line) || PARTY_PERCENT.test(line) || FRACTION_OF_MONEY.test(line)) return true;
  const stripped = line.replace(NOT_AMOUNT_SPANS, ' ');
  if (CENTS.test(stripped) || PARTY_AMOUNT.test(stripped) || AMOUNT_PHRASE.test(stripped) || CHARTER_AMOUNT.test(stripped) || DUE_AT_PLACE.test(stripped) || REST_AMOUNT.test(stripped) || hasPartySplit(stripped)) return true;
  if (SPLIT_WORD.test(stripped) && BIG_AMOUNT.test(stripped)) return true;
  const words = BATTERY.test(stripped) ? stripped.replace(CHARGE, ' ') : stripped;
  return ANYWHERE_WORD.test(words) && BARE_AMOUNT.test(stripped);
}

export interface MoneyFreeText {
  /** The text without its money lines (line breaks of kept lines preserved). */
  text: string;
  removedLines: number;
}

/**
 * The indexes of the lines that carry money. A label ending in ":" is read with the next line that
 * is not blank, and both go when together they state money: "Owner split:" then "70/30" is a split
 * that neither line is alone.
 */
export function moneyLineIndexes(lines: readonly string[]): Set<number> {
  const flagged = new Set<number>();
  lines.forEach((line, i) => {
    if (isMoneyLine(line)) flagged.add(i);
    const label = line.trim();
    if (!label.endsWith(':')) return;
    let next = i + 1;
    while (next < lines.length && (lines[next] as string).trim() === '') next++;
    if (next < lines.length && !isMoneyLine(lines[next] as string) && isMoneyLine(`${label} ${(lines[next] as string).trim()}`)) {
      flagged.add(i).add(next);
    }
  });
  return flagged;
}

/** Drops every line that carries money; keeps every other line exactly as written. */
export function withoutMoneyLines(text: string): MoneyFreeText {
  const lines = text.split(/\r?\n/);
  const flagged = moneyLineIndexes(lines);
  return { text: lines.filter((_, i) => !flagged.has(i)).join('\n'), removedLines: flagged.size };
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
  return explicit.has(name.toLowerCase()) || moneyKeyNames.get(name, () => isMoneyNameParts(nameParts(name)));
}

function isMoneyNameParts(parts: string[]): boolean {
  if (isShareName(parts)) return true;
  const money = parts.filter((p) => KEY_MONEY_PARTS.has(p));
  if (money.length === 0) return false;
  // "total" alone is ambiguous: SCC's own "totalGuests" must survive the guard, a "charterTotal" must not.
  return !money.every((p) => p === 'total' || p === 'totals') || !parts.some((p) => KEY_COUNT_PARTS.has(p));
}

/** "ownerSplit", "captain_cut", "splitPct", "revShare", "ownerPct", "take_home": a party's part of the money. */
function isShareName(parts: string[]): boolean {
  return parts.some((p, i) => {
    const beside = [parts[i - 1], parts[i + 1]].filter((q): q is string => q !== undefined);
    if (p === 'take' && parts[i + 1] === 'home') return true;
    if (KEY_SHARE_PARTS.has(p)) return beside.some((q) => KEY_PARTY_PARTS.has(q) || KEY_RATIO_PARTS.has(q));
    if (KEY_PERCENT_PARTS.has(p)) return beside.some((q) => KEY_PARTY_PARTS.has(q));
    return false;
  });
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
  if (typeof value === 'string') return withoutMoneyLines(value).removedLines > 0 ? [{ path, why: 'money text' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findMoney(v, explicitKeys, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      isMoneyKey(k, explicitKeys) ? [{ path: `${path}.${k}`, why: 'money field' as const }] : findMoney(v, explicitKeys, `${path}.${k}`),
    );
  }
  return [];
}
