/**
 * Modules that pull in the AWS SDK (≈250 ms of start-up for three clients), undici, ical.js or
 * Handlebars loaded on first use, not at start-up: a Slack process must ack /charter within 3 s of
 * a cold start, and most requests never touch them. `require` is deliberate — it is synchronous,
 * bundles with esbuild (which then runs the module's top level only when the require runs) and
 * keeps the module's own types through `typeof import(…)`. Nothing here may be imported statically
 * on a Lambda function's start-up path, or its top level runs at require time again
 * (dist/lambda/NAME.meta.json shows what a bundle imports from where). The Lambda build splits at
 * this file's require()s of src/ modules: what they load goes into lazy.js, beside index.js, which a
 * cold start then does not even parse (scripts/build-lambda.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { Config } from './config';
import type { Integrations, IntegrationsOptions } from './integrations';
import type { IcalFeedClient } from './integrations/ical-feed';
import type { Logger } from './log';
import type { IntegrationSteps } from './pipeline/step-implementations';
import { LIFECYCLE_STEP_NAMES, STEP_NAMES, type StepImplementation } from './pipeline/types';

/** Memoises a loader: the first call loads, later calls return the same value. */
export function once<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** Steps that call into what `load` returns, loading it when the first of them runs. */
function stepsLoadedBy(load: () => IntegrationSteps): IntegrationSteps {
  const steps = {} as IntegrationSteps;
  for (const name of [...STEP_NAMES, ...LIFECYCLE_STEP_NAMES]) {
    if (name === 'crew_notice') continue;
    steps[name] = (ctx) => (load()[name] as StepImplementation)(ctx);
  }
  return steps;
}

/** Integration steps whose adapters (and the AWS SDK) are built when the first step runs. */
export function lazyIntegrationSteps(config: Config, log: Logger, env?: Record<string, string | undefined>): IntegrationSteps {
  return stepsLoadedBy(
    once(() => {
      const { createStepImplementations } = require('./pipeline/step-implementations') as typeof import('./pipeline/step-implementations');
      return createStepImplementations({ config, log, ...(env ? { env } : {}) });
    }),
  );
}

export interface LazyIntegrations {
  steps: IntegrationSteps;
  /** Releases the adapters' sockets if a step built them; nothing otherwise. */
  close(): Promise<void>;
}

/**
 * The same, for a host that closes what it built (the Lambda functions): the adapters — the S3 and
 * CloudFront clients, the dashboard and SCC HTTP pools — and the guest page renderer are loaded and
 * built when the first step runs, which most Slack requests and scheduled ticks never do.
 */
export function lazyIntegrations(config: Config, options: IntegrationsOptions = {}): LazyIntegrations {
  let integrations: Integrations | undefined;
  const steps = stepsLoadedBy(
    once(() => {
      const { createIntegrations } = require('./integrations') as typeof import('./integrations');
      const { createStepImplementations } = require('./pipeline/step-implementations') as typeof import('./pipeline/step-implementations');
      integrations = createIntegrations(config, options);
      return createStepImplementations({ config, ...integrations });
    }),
  );
  return { steps, close: async () => integrations?.close() };
}

/** The iCal feed client (undici, ical.js), loaded when the watcher first polls a feed. */
export function lazyIcalFeedClient(): Pick<IcalFeedClient, 'fetch' | 'close'> {
  let client: IcalFeedClient | undefined;
  const load = () => (client ??= new (require('./integrations/ical-feed') as typeof import('./integrations/ical-feed')).IcalFeedClient());
  return {
    fetch: (...args) => load().fetch(...args),
    close: async () => client?.close(),
  };
}

export function loadDoctor(): typeof import('./doctor/run') & typeof import('./doctor/format') {
  return { ...(require('./doctor/run') as typeof import('./doctor/run')), ...(require('./doctor/format') as typeof import('./doctor/format')) };
}
