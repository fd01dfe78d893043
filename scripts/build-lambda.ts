/**
 * `npm run build:lambda`: one esbuild bundle per Lambda function, each in its own folder with the
 * guest page templates beside it (the renderer finds templates/ by walking up from the bundle):
 *
 *   dist/lambda/slack/index.js      + templates/   handler index.handler (src/lambda.ts)
 *   dist/lambda/pipeline/index.js   + templates/   handler index.handler (src/lambda-pipeline.ts)
 *
 * Everything is bundled, the AWS SDK v3 included (the runtime's copy is whatever version AWS ships
 * that week). Nothing native goes in: the SQLite adapter is replaced by a stub that refuses to
 * open (Lambda always uses DynamoDB, and config says so), so better-sqlite3 is never required;
 * express, which only Bolt's unused ExpressReceiver loads, is stubbed the same way.
 * Fails when a bundle exceeds MAX_BUNDLE_BYTES or still references better-sqlite3.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

export const MAX_BUNDLE_BYTES = 3 * 1024 * 1024;
const ROOT = path.resolve(__dirname, '..');

export const LAMBDA_FUNCTIONS = {
  slack: 'src/lambda.ts',
  pipeline: 'src/lambda-pipeline.ts',
} as const;
export type LambdaFunctionName = keyof typeof LAMBDA_FUNCTIONS;

export interface BuiltBundle {
  name: LambdaFunctionName;
  /** Absolute path of index.js. */
  file: string;
  bytes: number;
}

/** The typed error of a stubbed adapter, in the same shape as the rest of the code base. */
const SQLITE_STUB = `
class SqliteNotInBundleError extends Error {
  constructor() {
    super('SQLite is not part of the Lambda bundle: set CHARTER_STORE=dynamodb:TABLE');
    this.name = 'SqliteNotInBundleError';
    this.code = 'SQLITE_NOT_IN_BUNDLE';
    this.retryable = false;
    this.operatorMessage = 'On AWS Lambda the booking store must be DynamoDB (CHARTER_STORE=dynamodb:TABLE).';
  }
}
class SqliteBookingStore {
  static async open() { throw new SqliteNotInBundleError(); }
}
module.exports = { SqliteBookingStore, SqliteNotInBundleError };
`;

/**
 * Bolt's index loads ExpressReceiver, which loads express (and body-parser, send, iconv-lite…):
 * about 1 MB that Lambda never runs, since the app is built with an AwsLambdaReceiver.
 */
const EXPRESS_STUB = `
function expressNotInBundle() {
  throw new Error('express is not part of the Lambda bundle: the app uses AwsLambdaReceiver');
}
expressNotInBundle.Router = expressNotInBundle;
module.exports = expressNotInBundle;
`;

const STUBS: Record<string, string> = { 'sqlite-store': SQLITE_STUB, express: EXPRESS_STUB };

const stubUnusedOnLambda: Plugin = {
  name: 'stub-unused-on-lambda',
  setup(b) {
    b.onResolve({ filter: /(^|\/)sqlite-store$/ }, () => ({ path: 'sqlite-store', namespace: 'lambda-stub' }));
    b.onResolve({ filter: /^express$/ }, () => ({ path: 'express', namespace: 'lambda-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'lambda-stub' }, (args) => ({ contents: STUBS[args.path] ?? '', loader: 'js' }));
  },
};

export async function buildLambdaBundles(outDir: string = path.join(ROOT, 'dist', 'lambda')): Promise<BuiltBundle[]> {
  const bundles: BuiltBundle[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_FUNCTIONS) as [LambdaFunctionName, string][]) {
    const dir = path.join(outDir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.js');
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [path.join(ROOT, entry)],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      // ES module builds of the AWS SDK tree-shake better than its CommonJS ones.
      mainFields: ['module', 'main'],
      // Those ES builds load node:http lazily with import(); as require() the bundle also loads in
      // hosts without an ESM loader hook (jest's vm, which runs the bundle in the tests).
      supported: { 'dynamic-import': false },
      // better-sqlite3 is listed only as a tripwire: the stub means nothing imports it. ws's optional
      // speed-ups are native and absent; ws falls back to JavaScript when require() fails.
      external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
      plugins: [stubUnusedOnLambda],
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const native = inputs.filter((i) => /node_modules\/(better-sqlite3|bindings|classic-level|leveldown)\//.test(i) || i.endsWith('.node'));
    if (native.length > 0) throw new Error(`${name}: native modules in the bundle: ${native.join(', ')}`);
    if (readFileSync(file, 'utf8').includes('better-sqlite3')) throw new Error(`${name}: the bundle still references better-sqlite3`);
    cpSync(path.join(ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
    const bytes = statSync(file).size;
    if (bytes > MAX_BUNDLE_BYTES) throw new Error(`${name}: bundle is ${formatBytes(bytes)}, over the ${formatBytes(MAX_BUNDLE_BYTES)} limit`);
    bundles.push({ name, file, bytes });
  }
  return bundles;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

if (require.main === module) {
  buildLambdaBundles(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (bundles) => {
      for (const b of bundles) process.stdout.write(`${b.name.padEnd(9)} ${formatBytes(b.bytes).padStart(8)}  ${path.relative(process.cwd(), b.file)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`build:lambda failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
