import { givenName, greetingName, inSpokenOrder } from '../../../src/booking/person-name';

describe('inSpokenOrder', () => {
  test.each([
    ['Delgado, Maria Elena', 'Maria Elena Delgado'],
    ['De la Cruz, Ana', 'Ana De la Cruz'],
    ['García-López, Ana María', 'Ana María García-López'],
    ['Delgado, Maria and Jose', 'Maria and Jose Delgado'],
    ['Delgado, Maria & Jose', 'Maria & Jose Delgado'],
    ['Smith, Dr. & Mrs.', 'Dr. & Mrs. Smith'],
    // Before the comma one word, after it given names: read as "Surname, Given" (a first name and two more
    // people reads the same, and then crew get one of those given names, never a surname).
    ['Maria, Jose & Ana', 'Jose & Ana Maria'],
    // A list of people, a suffix, or more than one comma: as typed.
    ['Maria, Jose and the kids', 'Maria, Jose and the kids'],
    ['John Smith, Jr.', 'John Smith, Jr.'],
    ['Maria, Jose, Ana', 'Maria, Jose, Ana'],
    [' Maria Delgado ', 'Maria Delgado'],
    // More than one name before the comma is no surname: what follows is about the party.
    ['Maria Delgado, Smith wedding', 'Maria Delgado, Smith wedding'],
    ['Maria Delgado, Jose Delgado', 'Maria Delgado, Jose Delgado'],
    // One surname, then no given name: as typed.
    ['Delgado, party of 6', 'Delgado, party of 6'],
    ['Delgado, Acme Corp', 'Delgado, Acme Corp'],
    ['Delgado, RN', 'Delgado, RN'],
  ])('%j → %j', (typed, spoken) => expect(inSpokenOrder(typed)).toBe(spoken));
});

describe('givenName (crew: the first name, never a surname, a company or a stray word)', () => {
  test.each([
    ['Maria Delgado, Smith wedding', 'Maria'],
    ['Maria Delgado, Delgado family', 'Maria'],
    ['Maria Delgado, Jose Delgado', 'Maria'],
    ['Maria Delgado, Acme Corp', 'Maria'],
    ['Maria Delgado, party of 6', 'Maria'],
    ['Maria Delgado, RN', 'Maria'],
    ['Maria Delgado, CPA', 'Maria'],
    ['Maria Delgado, MBA', 'Maria'],
    ['Maria Delgado, Ph.D.', 'Maria'],
    ['Delgado, Maria and Jose', 'Maria'],
    ['Delgado, Maria & Jose', 'Maria'],
    ['Delgado, Maria + Jose', 'Maria'],
    ['Delgado, Maria', 'Maria'],
    ['de la Cruz, Ana', 'Ana'],
    ['García-López, Ana María', 'Ana'],
    ["O'Brien, Siobhán", 'Siobhán'],
    ['Maria, Jose and the kids', 'Maria'],
    ['John Smith, Jr.', 'John'],
    // A title is no first name: skipped when a given name and a surname follow it.
    ['Dr. Maria Delgado', 'Maria'],
    ['Mr. and Mrs. John Smith', 'John'],
    ['Lopez, Dr. Maria', 'Maria'],
    // Only a surname is left: no name at all rather than the surname.
    ['Smith, Dr. & Mrs.', ''],
    ['Mr. Smith', ''],
    ['Mr. & Mrs. Smith', ''],
    ['Smith, Jr.', ''],
    ['Smith, M.D.', ''],
    ['Smith, J.R.', 'J.R.'],
    ['👨‍👩‍👧‍👦', ''],
  ])('%j → %j', (typed, given) => expect(givenName(typed)).toBe(given));
});

describe('greetingName', () => {
  test.each([
    ['Maria Delgado', 'Maria'],
    ['“Maria” Delgado', 'Maria'],
    ['[Maria] Delgado', 'Maria'],
    ['«Zoë» Family', 'Zoë'],
    ["O'Brien, Siobhán", 'Siobhán'],
    ['🎉 🎉 Ana', 'Ana'],
    ['🎉 J. Smith', 'J. Smith'],
    ['Dr. Maria Lopez', 'Dr. Maria Lopez'],
    ['DELGADO, MARIA', 'MARIA'],
    ['J Smith', 'J Smith'],
    ['王小明', '王小明'],
    ['', ''],
    ['   ', ''],
    ['123', ''],
    ['Maria Delgado, Smith wedding', 'Maria'],
    ['Maria Delgado, RN', 'Maria'],
    ['Delgado, Maria and Jose', 'Maria'],
    // The guest's own page may name them by title and surname, in spoken order.
    ['Mr. Smith', 'Mr. Smith'],
    ['Smith, Dr. & Mrs.', 'Dr. & Mrs. Smith'],
    // A surname and a suffix: the guest's own page may greet them by it (crew get no name).
    ['Smith, Jr.', 'Smith'],
    ['Smith, J.R.', 'J.R. Smith'],
    ['Smith, M.D.', 'Smith'],
  ])('%j → %j', (typed, greeted) => expect(greetingName(typed)).toBe(greeted));
});
