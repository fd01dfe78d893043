/**
 * Cost breakdown in integer cents. Rounding rule: each line (crew, captain, port fees) is rounded
 * to the nearest cent, halves away from zero; net is gross minus the rounded lines, so the parts
 * always sum back to gross exactly.
 */
import type { Rates } from '../config';
import { mulDivRound } from './money';

export interface CostInput {
  grossCents: number;
  crewCount: number;
  crewHours: number;
  captainHours: number;
}

export interface CostBreakdown {
  grossCents: number;
  crewCount: number;
  crewHours: number;
  crewRateCentsPerHour: number;
  crewCents: number;
  captainHours: number;
  captainRateCentsPerHour: number;
  captainCents: number;
  portFeeBasisPoints: number;
  portFeeCents: number;
  netCents: number;
  warnings: string[];
}

/** Hours come in half-hour steps, so they are multiplied as half-hours to stay in integers. */
const halfHours = (hours: number) => Math.round(hours * 2);

export function computeCosts(input: CostInput, rates: Rates): CostBreakdown {
  const crewCents = mulDivRound(input.crewCount * rates.crewRateCentsPerHour, halfHours(input.crewHours), 2);
  const captainCents = mulDivRound(rates.captainRateCentsPerHour, halfHours(input.captainHours), 2);
  const portFeeCents = mulDivRound(input.grossCents, rates.portFeeBasisPoints, 10000);
  const netCents = input.grossCents - crewCents - captainCents - portFeeCents;
  const warnings: string[] = [];
  if (netCents < 0) warnings.push('Net is negative: this charter loses money at these rates.');
  return {
    grossCents: input.grossCents,
    crewCount: input.crewCount,
    crewHours: input.crewHours,
    crewRateCentsPerHour: rates.crewRateCentsPerHour,
    crewCents,
    captainHours: input.captainHours,
    captainRateCentsPerHour: rates.captainRateCentsPerHour,
    captainCents,
    portFeeBasisPoints: rates.portFeeBasisPoints,
    portFeeCents,
    netCents,
    warnings,
  };
}
