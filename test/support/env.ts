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
