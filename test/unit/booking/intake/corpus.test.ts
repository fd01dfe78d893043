/**
 * The confirmation corpus (test/fixtures/intake): each NN-name.txt parses to exactly the fields in
 * NN-name.json — no more (the parser invents nothing), no fewer — and every other field is reported
 * missing. Read "today" as 1 Dec 2026 in San Diego, so year-less dates land in the coming season.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { INTAKE_FIELDS, parseConfirmation, type IntakeFields } from '../../../../src/booking/intake/parse-confirmation';

const DIR = join(__dirname, '../../../fixtures/intake');
const CTX = { timezone: 'America/Los_Angeles', nowMs: DateTime.fromISO('2026-12-01T09:00', { zone: 'America/Los_Angeles' }).toMillis() };

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => {
    const name = f.replace(/\.txt$/, '');
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { fields: IntakeFields };
    return { name, text: readFileSync(join(DIR, f), 'utf8'), expected: expected.fields };
  });

describe('confirmation corpus', () => {
  it('has at least 20 varied confirmations', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$name', ({ text, expected }) => {
    const parsed = parseConfirmation(text, CTX);
    expect(parsed.fields).toEqual(expected);
    expect(parsed.missing).toEqual(INTAKE_FIELDS.filter((f) => !(f in expected)));
    for (const field of Object.keys(parsed.fields)) expect(text).toContain(parsed.evidence[field as keyof IntakeFields]);
  });
});
