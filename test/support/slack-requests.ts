/** The signed Slack request helpers live in src/sandbox (the sandbox driver uses them too). */
export * from '../../src/sandbox/slack-requests';
