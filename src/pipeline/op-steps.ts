/**
 * Where an operation's steps live and what its DAG is. The create operation's steps stay in
 * `record.steps` (every record ever written has them there); a follow-up operation's steps live in
 * its entry of `record.operations`, holding only the steps it planned. Everything that claims,
 * completes or inspects a step goes through these accessors with an operation id, so the runner's
 * claims, leases and idempotency are the same for every operation.
 */
import {
  OPERATION_DAGS,
  STEP_NAMES,
  type AnyStepName,
  type BookingRecord,
  type Operation,
  type OperationKind,
  type StepState,
} from './types';

export const CREATE_OP = 'create';

export type OpSteps = Partial<Record<AnyStepName, StepState>>;

export function findOperation(record: BookingRecord, opId: string): Operation | undefined {
  return record.operations?.find((o) => o.id === opId);
}

export function kindOf(record: BookingRecord, opId: string): OperationKind {
  if (opId === CREATE_OP) return 'create';
  const op = findOperation(record, opId);
  if (!op) throw new Error(`booking ${record.id} has no operation ${opId}`);
  return op.kind;
}

export function stepsOf(record: BookingRecord, opId: string): OpSteps {
  if (opId === CREATE_OP) return record.steps;
  return findOperation(record, opId)?.steps ?? {};
}

/** The operation's planned steps, in DAG order. */
export function stepNamesOf(record: BookingRecord, opId: string): AnyStepName[] {
  if (opId === CREATE_OP) return [...STEP_NAMES];
  const steps = stepsOf(record, opId);
  return OPERATION_DAGS[kindOf(record, opId)].steps.filter((s) => steps[s] !== undefined);
}

/** A step's dependencies within its operation; a dependency the operation did not plan is no dependency. */
export function dependenciesOf(record: BookingRecord, opId: string, step: AnyStepName): AnyStepName[] {
  const deps = OPERATION_DAGS[kindOf(record, opId)].deps[step] ?? [];
  if (opId === CREATE_OP) return [...deps];
  const steps = stepsOf(record, opId);
  return deps.filter((d) => steps[d] !== undefined);
}

export function stepState(record: BookingRecord, opId: string, step: AnyStepName): StepState {
  const state = stepsOf(record, opId)[step];
  if (!state) throw new Error(`operation ${opId} of booking ${record.id} has no step ${step}`);
  return state;
}

export function withOperation(record: BookingRecord, op: Operation): BookingRecord {
  const operations = (record.operations ?? []).map((o) => (o.id === op.id ? op : o));
  return { ...record, operations };
}

export function withOpStep(record: BookingRecord, opId: string, step: AnyStepName, state: StepState, nowMs: number): BookingRecord {
  if (opId === CREATE_OP) return { ...record, steps: { ...record.steps, [step]: state }, updatedAtMs: nowMs };
  const op = findOperation(record, opId);
  if (!op) throw new Error(`booking ${record.id} has no operation ${opId}`);
  return { ...withOperation(record, { ...op, steps: { ...op.steps, [step]: state } }), updatedAtMs: nowMs };
}
