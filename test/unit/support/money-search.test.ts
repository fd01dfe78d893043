/** The tests' own money search must find this booking's amounts and nothing that merely holds their digits. */
import { findMoney } from '../../support/money-search';

const AMOUNTS = [2500, 122500];

it('finds an amount written on its own, with or without a sign or thousands separator', () => {
  expect(findMoney({ note: 'Captain $25.00' }, AMOUNTS).map((f) => f.why)).toEqual(['currency sign', 'amount 25.00']);
  expect(findMoney({ note: 'net 1,225.00 today' }, AMOUNTS).map((f) => f.why)).toEqual(['amount 1,225.00']);
  expect(findMoney({ note: '25.00' }, AMOUNTS)).toHaveLength(1);
});

it('does not take digits inside a timestamp or a larger amount for the amount', () => {
  expect(findMoney({ createdAt: '2030-04-15T14:41:25.003Z' }, AMOUNTS)).toEqual([]);
  expect(findMoney({ note: 'net 1,225.00' }, [2500])).toEqual([]);
  expect(findMoney({ note: '125.00 and 25.001' }, [2500])).toEqual([]);
});
