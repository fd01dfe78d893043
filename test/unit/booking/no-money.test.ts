import type { AssertNoMoney, HasNoMoneyKeys } from '../../../src/booking/no-money';

// These lines are checked by `npm run typecheck`: each @ts-expect-error fails the build if the
// guard stops rejecting a money-like key.
type _Clean = AssertNoMoney<HasNoMoneyKeys<{ guestFirstName: string; roster: { name: string }[] }>>;
// @ts-expect-error a money key at the top level
type _Top = AssertNoMoney<HasNoMoneyKeys<{ priceCents: number }>>;
// @ts-expect-error a money key nested in an array of objects
type _Nested = AssertNoMoney<HasNoMoneyKeys<{ roster: { name: string; hourlyRate: number }[] }>>;

describe('HasNoMoneyKeys', () => {
  it('is a compile-time guard (see the type lines above, checked by tsc)', () => {
    const clean: _Clean = true;
    expect(clean).toBe(true);
  });
});
