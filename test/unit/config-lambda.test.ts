import { loadConfig } from '../../src/config';
import { validEnv } from '../support/env';

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' };
const RULE = /^CHARTER_STORE must be dynamodb:TABLE on AWS Lambda/;

describe('configuration on AWS Lambda', () => {
  it('refuses the default SQLite store when AWS_LAMBDA_FUNCTION_NAME is set', () => {
    const env: Record<string, string | undefined> = { ...validEnv(), ...LAMBDA };
    delete env.CHARTER_STORE;
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.filter((p) => RULE.test(p))).toHaveLength(1);
  });

  it('refuses an explicit sqlite: store on Lambda', () => {
    const result = loadConfig({ ...validEnv(), ...LAMBDA, CHARTER_STORE: 'sqlite:/tmp/charter.db' });
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(RULE)]);
  });

  it('accepts a dynamodb: store on Lambda', () => {
    const result = loadConfig({ ...validEnv(), ...LAMBDA, CHARTER_STORE: 'dynamodb:charter-bookings' });
    expect(result.ok && result.config.store).toEqual({ kind: 'dynamodb', table: 'charter-bookings' });
  });

  it('still allows SQLite off Lambda', () => {
    const result = loadConfig({ ...validEnv(), CHARTER_STORE: 'sqlite:/tmp/charter.db' });
    expect(result.ok && result.config.store).toEqual({ kind: 'sqlite', path: '/tmp/charter.db' });
  });

  it('reports the rule together with other problems', () => {
    const result = loadConfig({ ...validEnv(), ...LAMBDA, CHARTER_STORE: 'sqlite:x.db', DASHBOARD_TOKEN: '' });
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(RULE), expect.stringMatching(/^DASHBOARD_TOKEN /)]));
  });
});
