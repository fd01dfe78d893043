import { greetingName, inSpokenOrder } from '../../../src/booking/person-name';

describe('inSpokenOrder', () => {
  test.each([
    ['Delgado, Maria Elena', 'Maria Elena Delgado'],
    ['De la Cruz, Ana', 'Ana De la Cruz'],
    // A list of people, a suffix, or more than one comma: as typed.
    ['Maria, Jose and the kids', 'Maria, Jose and the kids'],
    ['Maria, Jose & Ana', 'Maria, Jose & Ana'],
    ['John Smith, Jr.', 'John Smith, Jr.'],
    ['Maria, Jose, Ana', 'Maria, Jose, Ana'],
    [' Maria Delgado ', 'Maria Delgado'],
  ])('%j → %j', (typed, spoken) => expect(inSpokenOrder(typed)).toBe(spoken));
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
  ])('%j → %j', (typed, greeted) => expect(greetingName(typed)).toBe(greeted));
});
