/**
 * Builds every integration adapter from configuration — what the composition root (app.ts) and the
 * sandbox hand to createStepImplementations. `env` supplies the AWS SDK's own endpoint/credential
 * variables (process.env by default).
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import { createAwsClients, type AwsClients } from './aws-clients';
import { DashboardCalendar } from './calendar';
import { GuestSite } from './guest-site';
import type { HttpClientOptions, RetryEvent } from './http';
import { RevenueGuard, type RevenueGuardOptions } from './revenue-guard';
import { SccClient } from './scc';
import { SccEventItems } from './scc-item';

export interface Integrations {
  calendar: DashboardCalendar;
  scc: SccClient;
  revenueGuard: RevenueGuard;
  /** Reads SCC's item to tell whether a PATCH whose answer was lost landed. */
  sccItems: SccEventItems;
  guestSite: GuestSite;
  aws: AwsClients;
  /** Closes HTTP pools and AWS clients' sockets. */
  close(): Promise<void>;
}

export interface IntegrationsOptions {
  env?: Record<string, string | undefined>;
  /** Timeouts / retry policy / onRetry for the dashboard and SCC HTTP clients. */
  http?: Partial<Omit<HttpClientOptions, 'baseUrl' | 'system' | 'displayName' | 'authFix'>>;
  itemWait?: RevenueGuardOptions['itemWait'];
  /** Logs each HTTP retry (method, path, status or error code, delay) at warn. */
  log?: Logger;
}

export function createIntegrations(config: Config, options: IntegrationsOptions = {}): Integrations {
  const aws = createAwsClients(config, options.env ?? process.env);
  const log = options.log;
  const http = {
    connectTimeoutMs: config.liveness.connectTimeoutMs,
    headersTimeoutMs: config.liveness.callTimeoutMs,
    bodyTimeoutMs: config.liveness.callTimeoutMs,
    ...(options.http ?? {}),
    ...(log || options.http?.onRetry
      ? {
          onRetry: (event: RetryEvent) => {
            const { context, ...retry } = event;
            log?.warn({ ...context, retry }, 'retrying HTTP request');
            options.http?.onRetry?.(event);
          },
        }
      : {}),
  };
  const calendar = new DashboardCalendar({ url: config.dashboard.url, token: config.dashboard.token, http });
  const scc = new SccClient({ apiUrl: config.scc.apiUrl, serviceKey: config.scc.serviceKey, guestSiteUrl: config.guest.siteUrl, http });
  const revenueGuard = new RevenueGuard({
    dynamodb: aws.dynamodb,
    table: config.scc.eventsTable,
    moneyAttributes: config.scc.moneyAttributes,
    ...(config.scc.externalIdIndex ? { externalIdIndex: config.scc.externalIdIndex } : {}),
    ...(options.itemWait ? { itemWait: options.itemWait } : {}),
  });
  const sccItems = new SccEventItems({ dynamodb: aws.dynamodb, table: config.scc.eventsTable, moneyAttributes: config.scc.moneyAttributes });
  const guestSite = new GuestSite({
    s3: aws.s3,
    cloudfront: aws.cloudfront,
    bucket: config.guest.bucket,
    distributionId: config.guest.distributionId,
    siteUrl: config.guest.siteUrl,
  });
  return {
    calendar,
    scc,
    revenueGuard,
    sccItems,
    guestSite,
    aws,
    close: async () => {
      await Promise.all([calendar.close(), scc.close()]);
      aws.destroy();
    },
  };
}
