/** Jest runs TypeScript through SWC: fast, and it installs cleanly (ts-jest pins older TypeScript). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  testTimeout: 30000,
  // Integration tests start real servers; two cores do not gain from more workers.
  maxWorkers: 2,
};
