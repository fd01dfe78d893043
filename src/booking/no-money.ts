/**
 * Compile-time guard for views that people without money access see (crew, guests): a key that
 * looks like money, at any depth, makes `HasNoMoneyKeys<T>` fail to satisfy `true`. Widening
 * MoneyWord or bypassing the guard is a visible decision in review.
 */
type MoneyWord =
  | 'cent' | 'Cent' | 'price' | 'Price' | 'fee' | 'Fee' | 'cost' | 'Cost' | 'revenue' | 'Revenue'
  | 'gross' | 'Gross' | 'net' | 'Net' | 'amount' | 'Amount' | 'pay' | 'Pay' | 'rate' | 'Rate' | 'dollar' | 'Dollar';
type MoneyKey = `${string}${MoneyWord}${string}`;
type DeepKeys<T> = T extends readonly (infer U)[]
  ? DeepKeys<U>
  : T extends object
    ? { [K in keyof T & string]: K | DeepKeys<T[K]> }[keyof T & string]
    : never;

/** `true` when no key of T looks like money; otherwise `false`, which AssertNoMoney rejects. */
export type HasNoMoneyKeys<T> = [Extract<DeepKeys<T>, MoneyKey>] extends [never] ? true : false;
export type AssertNoMoney<T extends true> = T;
