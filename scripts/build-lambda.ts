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
 * what Lambda never runs is stubbed the same way (STUBS below: express, raw-body, source-map,
 * Bolt's Socket Mode and OAuth dependencies) and undici is cut to the Pool and RetryAgent the
 * dashboard/SCC client uses. Each stub throws a typed error if it is ever reached. The AWS SDK's
 * credential chain keeps only the links Lambda uses (CREDENTIALS_FROM_ENV).
 * Fails when a bundle exceeds MAX_BUNDLE_BYTES, still references better-sqlite3, or loads one of
 * LOADED_ON_FIRST_USE when index.js is required.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * The build's hard ceiling per function: what a bundle must never outgrow (Lambda cold starts grow
 * with it). The tighter size goal (2 MB, issue 18) is a benchmark figure: bench/p4-startup.ts.
 */
export const MAX_BUNDLE_BYTES = 3 * 1024 * 1024;
const ROOT = path.resolve(__dirname, '..');

/**
 * Packages a cold start must not load: the code that needs them loads them on first use
 * (src/lazy-modules.ts). Bundled, a module's top level runs when it is first imported, so one
 * static import from the start-up path would put theirs back into every cold require.
 */
export const LOADED_ON_FIRST_USE = ['@aws-sdk/client-s3', '@aws-sdk/client-cloudfront', 'undici', 'handlebars', 'ical.js'] as const;

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

/** A module Lambda never loads for real: requiring it works, using it throws. */
const notInBundle = (what: string, why: string, exportsCode: string) => `
function notInBundle() {
  const err = new Error(${JSON.stringify(`${what} is not part of the Lambda bundle: ${why}`)});
  err.code = 'NOT_IN_LAMBDA_BUNDLE';
  throw err;
}
${exportsCode}
`;

/**
 * Bolt reads a request body with raw-body only in its HTTP and Express receivers; on Lambda the
 * body arrives in the event and AwsLambdaReceiver never calls it. Its real module costs ~8 ms of a
 * cold require (http-errors builds an error class per status and depd walks the stack) and
 * pulled in iconv-lite (~480 KB minified) for non-UTF-8 bodies.
 */
const RAW_BODY_STUB = notInBundle('raw-body', 'request bodies on Lambda arrive in the event (AwsLambdaReceiver)', `
module.exports = notInBundle;
module.exports.default = notInBundle;
`);

/** Handlebars loads source-map only for precompiled source maps, inside a try; a throwing require makes it use its own fallback. */
const SOURCE_MAP_STUB = notInBundle('source-map', 'Handlebars falls back without it', 'notInBundle();');

/** Bolt's SocketModeReceiver (app.ts uses it only with SLACK_APP_TOKEN, never on Lambda). */
const SOCKET_MODE_STUB = notInBundle('@slack/socket-mode', 'the Lambda app uses AwsLambdaReceiver', `
class SocketModeClient { constructor() { notInBundle(); } }
module.exports = { SocketModeClient };
`);

/** Bolt's OAuth install flow (and jsonwebtoken with it): this app has one workspace and a bot token. */
const OAUTH_STUB = notInBundle('@slack/oauth', 'the app is installed with a bot token, not the OAuth flow', `
class InstallProvider { constructor() { notInBundle(); } }
class FileInstallationStore { constructor() { notInBundle(); } }
class MemoryInstallationStore { constructor() { notInBundle(); } }
module.exports = { InstallProvider, FileInstallationStore, MemoryInstallationStore };
`);

/**
 * undici's index loads every dispatcher, interceptor, mock and cache (~530 KB); src/integrations/http.ts
 * uses Pool and RetryAgent. The index also puts request() and friends on Dispatcher.prototype, so
 * this does the same.
 */
const UNDICI_SLIM = `
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
Object.assign(Dispatcher.prototype, require('undici/lib/api'));
module.exports = { Pool: require('undici/lib/dispatcher/pool'), RetryAgent: require('undici/lib/dispatcher/retry-agent'), Dispatcher };
`;

/**
 * ical.js (~110 KB) parses platforms' iCal feeds, which only the periodic tasks poll; on Lambda the
 * pipeline function runs those on its schedule, never the Slack function. Stubbed there only.
 */
const ICAL_STUB = notInBundle('ical.js', 'the Slack function never polls feeds (the pipeline function runs the periodic tasks)', `
class Unavailable { constructor() { notInBundle(); } }
module.exports = { parse: notInBundle, Component: Unavailable, Event: Unavailable, Timezone: Unavailable, Time: Unavailable, TimezoneService: { has: notInBundle, register: notInBundle } };
`);

/**
 * The AWS SDK's default credential chain holds SSO, ini files, credential processes, web identity,
 * IMDS and the STS and SSO clients they use: ~97 KB parsed at every cold require. Lambda puts the
 * execution role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), and a host that serves them over HTTP names the endpoint in
 * AWS_CONTAINER_CREDENTIALS_*: those two links are kept, each from the SDK's own provider, with
 * the chain's rule of fetching again five minutes before credentials that expire do.
 */
export const CREDENTIALS_FROM_ENV = `
const { fromEnv } = require('@aws-sdk/credential-provider-env');
const REFRESH_BEFORE_MS = 300000;
function defaultProvider(init = {}) {
  let cached;
  let pending;
  const fresh = (c) => c.expiration === undefined || c.expiration.getTime() - Date.now() >= REFRESH_BEFORE_MS;
  const resolve = async (props) => {
    try {
      return await fromEnv(init)(props);
    } catch (envError) {
      try {
        // Loaded only here: with the role's keys in the environment it is never needed.
        const { fromHttp } = require('@aws-sdk/credential-provider-http');
        return await fromHttp(init)(props);
      } catch (httpError) {
        const err = new Error('No AWS credentials: on Lambda the execution role sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (' + envError.message + '; ' + String(httpError.message).split('\\n')[0] + ')');
        err.name = 'CredentialsProviderError';
        err.tryNextLink = false;
        throw err;
      }
    }
  };
  return (props) => {
    if (cached && fresh(cached)) return Promise.resolve(cached);
    pending ??= resolve(props).then((c) => (cached = c)).finally(() => (pending = undefined));
    return pending;
  };
}
module.exports = { defaultProvider };
`;

/** Modules stubbed in one function's bundle only. */
const STUBBED_PER_FUNCTION: Record<LambdaFunctionName, readonly string[]> = { slack: ['ical.js'], pipeline: [] };

const STUBS: Record<string, string> = {
  'ical.js': ICAL_STUB,
  'sqlite-store': SQLITE_STUB,
  express: EXPRESS_STUB,
  'raw-body': RAW_BODY_STUB,
  'source-map': SOURCE_MAP_STUB,
  '@slack/socket-mode': SOCKET_MODE_STUB,
  '@slack/oauth': OAUTH_STUB,
  undici: UNDICI_SLIM,
  '@aws-sdk/credential-provider-node': CREDENTIALS_FROM_ENV,
};

const stubUnusedOnLambda = (fn: LambdaFunctionName): Plugin => ({
  name: 'stub-unused-on-lambda',
  setup(b) {
    for (const mod of STUBBED_PER_FUNCTION[fn]) {
      b.onResolve({ filter: new RegExp(`^${mod.replace(/[.]/g, '\\.')}$`) }, () => ({ path: mod, namespace: 'lambda-stub' }));
    }
    b.onResolve({ filter: /(^|\/)sqlite-store$/ }, () => ({ path: 'sqlite-store', namespace: 'lambda-stub' }));
    b.onResolve({ filter: /^(express|raw-body|source-map|@slack\/socket-mode|@slack\/oauth|undici|@aws-sdk\/credential-provider-node)$/ }, (args) => ({ path: args.path, namespace: 'lambda-stub' }));
    // resolveDir: the slim undici requires undici's own files from node_modules
    b.onLoad({ filter: /.*/, namespace: 'lambda-stub' }, (args) => ({ contents: STUBS[args.path] ?? '', loader: 'js', resolveDir: ROOT }));
  },
});

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
      plugins: [stubUnusedOnLambda(name)],
      metafile: true,
      logLevel: 'error',
    });
    // Beside the function's folder, not in it (SAM zips the folder): what went in, for esbuild's analyzer.
    writeFileSync(path.join(outDir, `${name}.meta.json`), JSON.stringify(result.metafile));
    const inputs = Object.keys(result.metafile.inputs);
    const native = inputs.filter((i) => /node_modules\/(better-sqlite3|bindings|classic-level|leveldown)\//.test(i) || i.endsWith('.node'));
    if (native.length > 0) throw new Error(`${name}: native modules in the bundle: ${native.join(', ')}`);
    if (readFileSync(file, 'utf8').includes('better-sqlite3')) throw new Error(`${name}: the bundle still references better-sqlite3`);
    const atRequire = [...loadedAtRequire(result.metafile, path.relative(ROOT, path.join(ROOT, entry)))];
    const early = LOADED_ON_FIRST_USE.filter((pkg) => atRequire.some((i) => i.includes(`node_modules/${pkg}/`) || i === `lambda-stub:${pkg}`));
    if (early.length > 0) throw new Error(`${name}: loaded when the bundle is required, not on first use: ${early.join(', ')} (see src/lazy-modules.ts)`);
    cpSync(path.join(ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
    const bytes = statSync(file).size;
    if (bytes > MAX_BUNDLE_BYTES) throw new Error(`${name}: bundle is ${formatBytes(bytes)}, over the ${formatBytes(MAX_BUNDLE_BYTES)} limit`);
    bundles.push({ name, file, bytes });
  }
  return bundles;
}

/**
 * The inputs whose top level runs when the bundle is required: those reachable from the entry by
 * static imports, and by require() in dependencies (which require at their top level). A require()
 * in src/ is a deferred load (src/lazy-modules.ts, openStore) and is not followed.
 */
export function loadedAtRequire(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set([entry]);
  const todo = [entry];
  for (let input = todo.pop(); input !== undefined; input = todo.pop()) {
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      const eager = imported.kind === 'import-statement' || (imported.kind === 'require-call' && !input.startsWith('src/'));
      if (eager && !imported.external && !seen.has(imported.path)) {
        seen.add(imported.path);
        todo.push(imported.path);
      }
    }
  }
  return seen;
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
