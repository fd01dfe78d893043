/**
 * Modules that pull in the AWS SDK (≈250 ms of start-up for three clients) loaded on first use,
 * not at start-up: a Slack process must ack /charter within 3 s of a cold start, and most requests
 * never touch AWS. `require` is deliberate — it is synchronous, bundles with esbuild and keeps the
 * module's own types through `typeof import(…)`.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { Config } from './config';
import type { Logger } from './log';
import type { IntegrationSteps } from './pipeline/step-implementations';
import { LIFECYCLE_STEP_NAMES, STEP_NAMES, type StepImplementation } from './pipeline/types';

/** Memoises a loader: the first call loads, later calls return the same value. */
export function once<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** Integration steps whose adapters (and the AWS SDK) are built when the first step runs. */
export function lazyIntegrationSteps(config: Config, log: Logger, env?: Record<string, string | undefined>): IntegrationSteps {
  const load = once(() => {
    const { createStepImplementations } = require('./pipeline/step-implementations') as typeof import('./pipeline/step-implementations');
    return createStepImplementations({ config, log, ...(env ? { env } : {}) });
  });
  const steps = {} as IntegrationSteps;
  for (const name of [...STEP_NAMES, ...LIFECYCLE_STEP_NAMES]) {
    if (name === 'crew_notice') continue;
    steps[name] = (ctx) => (load()[name] as StepImplementation)(ctx);
  }
  return steps;
}

export function loadDoctor(): typeof import('./doctor/run') & typeof import('./doctor/format') {
  return { ...(require('./doctor/run') as typeof import('./doctor/run')), ...(require('./doctor/format') as typeof import('./doctor/format')) };
}
