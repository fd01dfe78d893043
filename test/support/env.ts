/** A complete, valid configuration environment for tests that need one. Values are obviously fake. */
export function validEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    CHARTER_APPROVERS: 'U0APPROVER1,U0APPROVER2',
    DASHBOARD_URL: 'http://127.0.0.1:9/dashboard',
    DASHBOARD_TOKEN: 'dash-token-secret-value',
    SCC_API_URL: 'https://abc123.execute-api.us-west-2.amazonaws.com/prod',
    SCC_SERVICE_KEY: 'scc-service-key-secret',
    SCC_EVENTS_TABLE: 'scc-events',
    GUEST_BUCKET: 'queenofsandiego.com',
    GUEST_DISTRIBUTION_ID: 'E1TESTDIST',
    GUEST_SITE_URL: 'https://queenofsandiego.com',
    ...overrides,
  };
}

export interface StandinAppEnv {
  /** The stand-ins' own variables (Standins.env). */
  standins: Record<string, string>;
  slackApiUrl: string;
  signingSecret: string;
  approver: string;
  opsChannel: string;
  /** CHARTER_STORE, e.g. `sqlite:/tmp/x.db` or `dynamodb:table`. */
  store: string;
}

/** A valid environment aimed at the local stand-ins and the Slack stand-in, as a deployed app would read it. */
export function standinAppEnv(o: StandinAppEnv, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return validEnv({
    ...o.standins,
    SLACK_SIGNING_SECRET: o.signingSecret,
    SLACK_API_URL: o.slackApiUrl,
    CHARTER_APPROVERS: o.approver,
    CHARTER_OPS_CHANNEL: o.opsChannel,
    CHARTER_STORE: o.store,
    ...overrides,
  });
}
