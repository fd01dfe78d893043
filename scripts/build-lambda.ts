/**
 * `npm run build:lambda`: one esbuild bundle per Lambda function, each in its own folder with the
 * guest page templates beside it (the renderer finds templates/ by walking up from the bundle):
 *
 *   dist/lambda/slack/index.js    + lazy.js + templates/   handler index.handler (src/lambda.ts)
 *   dist/lambda/pipeline/index.js + lazy.js + templates/   handler index.handler (src/lambda-pipeline.ts)
 *
 * index.js is what a cold start requires; lazy.js holds what src/lazy-modules.ts loads on first use
 * and takes every module index.js also holds from it (buildFunction).
 *
 * Everything is bundled, the AWS SDK v3 included (the runtime's copy is whatever version AWS ships
 * that week). Nothing native goes in: the SQLite adapter is replaced by a stub that refuses to
 * open (Lambda always uses DynamoDB, and config says so), so better-sqlite3 is never required;
 * what Lambda never runs is stubbed the same way (STUBS below: Bolt's receivers other than
 * AwsLambdaReceiver, and with them express and Socket Mode; raw-body, source-map, Bolt's OAuth
 * dependency, pino's transport worker) and undici is cut to the Pool and RetryAgent the
 * dashboard/SCC client uses. Each stub throws a typed error if it is ever reached. The AWS SDK's
 * credential chain keeps only the links Lambda uses (CREDENTIALS_FROM_ENV).
 * Fails when a bundle exceeds MAX_BUNDLE_BYTES, still references better-sqlite3, loads one of
 * LOADED_ON_FIRST_USE when index.js is required, or holds a module in both files.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  /** Absolute path of index.js, what the handler names and a cold start requires. */
  file: string;
  /** Absolute path of lazy.js beside it, required when a step or a feed poll first runs. */
  lazyFile: string;
  /** Both files: the function's code. */
  bytes: number;
  /** index.js alone: what a cold start parses. */
  indexBytes: number;
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
 * openStore picks the server's store adapter and require()s it. esbuild keeps every export of a
 * module that is require()d, and of the SDK barrel that module imports from, so its require of
 * dynamodb-store put all 63 of DynamoDB's commands and their schemas into index.js (~50 KB, ~6% of a
 * cold require). The Lambda functions open their DynamoDB store themselves (src/lambda-app.ts) and
 * hand it to buildApp, which then never calls openStore.
 */
const OPEN_STORE_STUB = notInBundle('openStore', 'each Lambda function opens its DynamoDB store itself (src/lambda-app.ts) and passes it to buildApp', `
module.exports = { openStore: async () => notInBundle() };
`);

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

/** Bolt's OAuth install flow (and jsonwebtoken with it): this app has one workspace and a bot token. */
const OAUTH_STUB = notInBundle('@slack/oauth', 'the app is installed with a bot token, not the OAuth flow', `
class InstallProvider { constructor() { notInBundle(); } }
class FileInstallationStore { constructor() { notInBundle(); } }
class MemoryInstallationStore { constructor() { notInBundle(); } }
module.exports = { InstallProvider, FileInstallationStore, MemoryInstallationStore };
`);

/**
 * Bolt's index and App.js load its HTTP, Express and Socket Mode receivers, and with them express
 * (body-parser, send, iconv-lite…: about 1 MB), @slack/socket-mode and path-to-regexp. The Lambda
 * app is built with an AwsLambdaReceiver (src/lambda-app.ts) and constructs none of them. Stubbing
 * the receivers rather than express alone took another ~38 KB out of index.js, ~5 ms of a cold
 * require (median of 25 fresh processes each, alternating).
 */
const BOLT_RECEIVER_STUB = notInBundle("Bolt's HTTP, Express and Socket Mode receivers", 'the Lambda app uses AwsLambdaReceiver', `
class Receiver { constructor() { notInBundle(); } }
module.exports = { __esModule: true, default: Receiver };
`);
const BOLT_RECEIVERS = /^\.\/receivers\/(HTTPReceiver|ExpressReceiver|SocketModeReceiver)$/;

/**
 * pino loads thread-stream for its transports (a worker thread per transport); src/log.ts uses one
 * only for pretty output on a terminal, which a Lambda's stdout never is.
 */
const THREAD_STREAM_STUB = notInBundle('thread-stream', 'pino transports run only for pretty output on a terminal (src/log.ts)', `
class ThreadStream { constructor() { notInBundle(); } }
module.exports = ThreadStream;
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

const STUBS: Record<string, string> = {
  'sqlite-store': SQLITE_STUB,
  'open-store': OPEN_STORE_STUB,
  'raw-body': RAW_BODY_STUB,
  'source-map': SOURCE_MAP_STUB,
  '@slack/oauth': OAUTH_STUB,
  undici: UNDICI_SLIM,
  '@aws-sdk/credential-provider-node': CREDENTIALS_FROM_ENV,
  'thread-stream': THREAD_STREAM_STUB,
  'bolt-receivers': BOLT_RECEIVER_STUB,
};

const stubUnusedOnLambda: Plugin = {
  name: 'stub-unused-on-lambda',
  setup(b) {
    b.onResolve({ filter: /(^|\/)sqlite-store$/ }, () => ({ path: 'sqlite-store', namespace: 'lambda-stub' }));
    b.onResolve({ filter: /(^|\/)open-store$/ }, () => ({ path: 'open-store', namespace: 'lambda-stub' }));
    b.onResolve({ filter: BOLT_RECEIVERS }, (args) => (args.importer.includes(`${path.sep}@slack${path.sep}bolt${path.sep}dist${path.sep}`) ? { path: 'bolt-receivers', namespace: 'lambda-stub' } : undefined));
    b.onResolve({ filter: /^(raw-body|source-map|@slack\/oauth|undici|@aws-sdk\/credential-provider-node|thread-stream)$/ }, (args) => ({ path: args.path, namespace: 'lambda-stub' }));
    // resolveDir: the slim undici requires undici's own files from node_modules
    b.onLoad({ filter: /.*/, namespace: 'lambda-stub' }, (args) => ({ contents: STUBS[args.path] ?? '', loader: 'js', resolveDir: ROOT }));
  },
};

/**
 * How a bundle's code reaches a module the other file of the same function holds (see
 * buildFunction): this expression, in the generated code. One per function: where both bundles
 * load into one process (the tests), one's lazy.js must not take the other's modules.
 */
const moduleRegistry = (fn: LambdaFunctionName) => `globalThis[Symbol.for(${JSON.stringify(`charter-bot.lambda-modules.${fn}`)})]`;
/** The file beside index.js that holds what src/lazy-modules.ts loads on first use. */
export const LAZY_FILE = 'lazy.js';
/**
 * The suffix of lazy.js's stand-in for a module index.js holds: an ES module naming each export where
 * they are known (esmExportNames), CommonJS otherwise. esbuild reads a module's format from its
 * extension first (luxon's is .mjs). Both suffixes are the same length.
 */
const FROM_INDEX_ESM = '.from-index.mjs';
const FROM_INDEX_CJS = '.from-index.cjs';
/** Marks a resolve a plugin asked for itself, so its own onResolve lets it through. */
const OWN_RESOLVE = { ownResolve: true };

/** A module's name in esbuild's metafile: its path from the root, or namespace:path for a virtual one. */
function inputKey(resolved: { path: string; namespace: string }): string {
  return resolved.namespace === 'file' ? path.relative(ROOT, resolved.path) : `${resolved.namespace}:${resolved.path}`;
}

/** The specifier that names, from the root, the module a metafile names `key` (a stub by its own name). */
function specifierOf(key: string): string {
  return JSON.stringify(/^[a-z-]+:/.test(key) ? key.replace(/^[a-z-]+:/, '') : `./${key}`);
}

/**
 * In index.js: src/lazy-modules.ts's require()s of src/ modules load them from lazy.js instead, and
 * `exposed` (registryCode) is added to the entry.
 */
function splitAtLazyLoads(entry: string, lazyTargets?: Set<string>, exposed?: string): Plugin {
  const lazyModules = path.join(ROOT, 'src', 'lazy-modules.ts');
  return {
    name: 'split-at-lazy-loads',
    setup(b) {
      b.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData === OWN_RESOLVE || args.importer !== lazyModules || args.kind !== 'require-call') return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: OWN_RESOLVE });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const key = inputKey(resolved);
        lazyTargets?.add(key);
        return { path: key, namespace: 'lazy-file' };
      });
      b.onResolve({ filter: /.*/, namespace: 'lazy-file' }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-file' }, (args) => ({ contents: `module.exports = require('./${LAZY_FILE}').load(${JSON.stringify(args.path)});`, loader: 'js' }));
      if (!exposed) return;
      b.onResolve({ filter: /^charter-bot:module-registry$/ }, () => ({ path: 'module-registry', namespace: 'lazy-file-link' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-file-link' }, () => ({ contents: exposed, loader: 'js', resolveDir: ROOT }));
      b.onLoad({ filter: /\.ts$/ }, (args) =>
        args.path === path.join(ROOT, entry) ? { contents: `${readFileSync(args.path, 'utf8')}\nimport 'charter-bot:module-registry';\n`, loader: 'ts' } : undefined,
      );
    },
  };
}

/** The modules a build kept code from: one tree-shaken away holds nothing to share. */
function codeIn(metafile: Metafile): Set<string> {
  return new Set(Object.values(metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([key]) => key)));
}

/**
 * The module that hands lazy.js the modules it shares with index.js, through one global function,
 * so both files use one copy of each: one class for instanceof, one cache, one logger. A module
 * index.js loads at require is imported statically: a require() here would make esbuild wrap it
 * (and what it imports) in a lazy initialiser, which cost a cold require more than the split
 * saved. One index.js loads later (openStore's) is required, so it still loads only then.
 */
function registryCode(shared: ReadonlyMap<string, number>, index: Metafile, entry: string, fn: LambdaFunctionName): string {
  const eager = loadedAtRequire(index, entry);
  const byId = [...shared].sort((a, b) => a[1] - b[1]).map(([key]) => key);
  const imported = (key: string) => eager.has(key) && index.inputs[key]?.format === 'esm';
  return `${byId.map((key, id) => (imported(key) ? `import * as m${id} from ${specifierOf(key)};\n` : '')).join('')}
// An ES module's namespace, marked as one, as esbuild's own require() of an ES module would be.
const asRequired = (ns) => {
  const exports = Object.defineProperty({}, '__esModule', { value: true });
  for (const name of Object.keys(ns)) Object.defineProperty(exports, name, { enumerable: true, get: () => ns[name] });
  return exports;
};
const loaders = [
${byId.map((key, id) => `  () => ${imported(key) ? `asRequired(m${id})` : `require(${specifierOf(key)})`},`).join('\n')}
];
const handedOut = new Map();
${moduleRegistry(fn)} = (id) => {
  if (!handedOut.has(id)) handedOut.set(id, loaders[id]());
  return handedOut.get(id);
};
`;
}

/**
 * A barrel: a module of `export … from` lines only. lazy.js bundles the barrel itself and takes what
 * it re-exports one module at a time, so index.js exposes the modules it already holds, not the
 * barrel, which would make it keep everything behind the barrel (the DynamoDB client's 63
 * commands, for one). A barrel holds no state, so its two copies are harmless.
 */
export function reExportsOnly(file: string): boolean {
  if (!/\.(m?js|ts)$/.test(file) || !existsSync(file)) return false;
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return code.replace(/export\s*(\*(\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])[^'"]+\3\s*;?/g, '').trim() === '';
}

/**
 * The export names of index.js's ES modules, for their stand-ins in lazy.js. A stand-in that names
 * its exports lets esbuild see through a barrel in lazy.js that re-exports it (`export * from`), and
 * keep only what lazy.js uses; behind a CommonJS stand-in it cannot, and kept every export of the
 * barrel and copied each onto it at load (the DynamoDB client's 63 commands, @smithy/core's
 * submodules: ~30 ms of a first step). A module with `export *` (names esbuild cannot list without
 * bundling) or `export let` (a stand-in copies each export once, and a `let` may change later)
 * keeps a CommonJS stand-in.
 */
async function esmExportNames(index: Metafile): Promise<Map<string, readonly string[]>> {
  const named = [...codeIn(index)].filter((key) => {
    const file = path.join(ROOT, key);
    if (index.inputs[key]?.format !== 'esm' || !/\.(m?js|ts)$/.test(key) || !existsSync(file)) return false;
    return !/export\s*\*|export\s+let\b/.test(readFileSync(file, 'utf8'));
  });
  const listed = await build({ absWorkingDir: ROOT, entryPoints: named, bundle: false, format: 'esm', write: false, metafile: true, outdir: path.join(ROOT, 'dist', 'export-names'), outbase: ROOT, logLevel: 'error' });
  return new Map(Object.values(listed.metafile.outputs).flatMap((o) => (o.entryPoint ? [[o.entryPoint, o.exports] as const] : [])));
}

/** A stand-in's code: the module index.js hands out (by its id in the registry), as CommonJS or with each export named. */
function standInCode(id: number, names: readonly string[] | undefined, fn: LambdaFunctionName): string {
  const handedOut = `${moduleRegistry(fn)}(${id})`;
  if (!names) return `module.exports = ${handedOut};`;
  const exportName = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
  return `const m = ${handedOut};\n${names.map((name, i) => `const e${i} = m[${JSON.stringify(name)}];`).join('\n')}\nexport { ${names.map((name, i) => `e${i} as ${exportName(name)}`).join(', ')} };`;
}

/** In lazy.js: every module index.js also holds comes from index.js (recorded in `shared`), the rest is bundled. */
function takeSharedFromIndex(inIndex: ReadonlySet<string>, shared: Map<string, number>, exportNames: ReadonlyMap<string, readonly string[]>, fn: LambdaFunctionName): Plugin {
  return {
    name: 'take-shared-from-index',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === OWN_RESOLVE || args.kind === 'entry-point' || args.namespace === 'from-index') return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, namespace: args.namespace, resolveDir: args.resolveDir, pluginData: OWN_RESOLVE });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return { path: resolved.path, external: true };
        const key = inputKey(resolved);
        if (!inIndex.has(key) || (resolved.namespace === 'file' && reExportsOnly(resolved.path))) return { path: resolved.path, namespace: resolved.namespace, pluginData: resolved.pluginData, sideEffects: resolved.sideEffects, suffix: resolved.suffix };
        if (!shared.has(key)) shared.set(key, shared.size);
        return { path: `${key}${exportNames.has(key) ? FROM_INDEX_ESM : FROM_INDEX_CJS}`, namespace: 'from-index' };
      });
      b.onLoad({ filter: /.*/, namespace: 'from-index' }, (args) => {
        const key = args.path.slice(0, -FROM_INDEX_ESM.length);
        const id = shared.get(key);
        if (id === undefined) throw new Error(`no registry id for ${key}`);
        return { contents: standInCode(id, args.path.endsWith(FROM_INDEX_ESM) ? exportNames.get(key) : undefined, fn), loader: 'js' };
      });
    },
  };
}

/**
 * lazy.js's entry. It imports every deferred module statically, so their imports are tree-shaken:
 * a require() of each made esbuild keep every export of every SDK client's index they import from
 * (all 113 S3 and 168 CloudFront commands, built and copied at load). So the first load runs each
 * deferred module's top level, the doctor's too. The guard comes first: it runs before them.
 */
function lazyEntryCode(lazyTargets: ReadonlySet<string>): string {
  const keys = [...lazyTargets];
  return `import 'charter-bot:lazy-guard';
${keys.map((key, i) => `import * as l${i} from ${specifierOf(key)};`).join('\n')}
const modules = { ${keys.map((key, i) => `${JSON.stringify(key)}: l${i}`).join(', ')} };
export function load(key) {
  return modules[key];
}
`;
}

const lazyGuard = (fn: LambdaFunctionName): Plugin => ({
  name: 'lazy-guard',
  setup(b) {
    b.onResolve({ filter: /^charter-bot:lazy-guard$/ }, () => ({ path: 'lazy-guard', namespace: 'lazy-guard' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-guard' }, () => ({
      contents: `if (typeof ${moduleRegistry(fn)} !== 'function') throw new Error('${LAZY_FILE} takes modules from index.js: require index.js first (the handler does)');`,
      loader: 'js',
    }));
  },
});

/**
 * One function, two files. index.js is what a cold start requires; lazy.js holds what
 * src/lazy-modules.ts loads on first use (the S3 and CloudFront clients, undici, Handlebars, the
 * guest page, the doctor). Bundled into one file that code ran only later, but V8 still parsed all
 * of it at require: about half the bytes, and a quarter of a cold require's time. esbuild splits
 * only ES modules, and an ES module bundle loaded slower than CommonJS (bench/README.md, P4), so the
 * split is made here, in three builds: index.js once to learn what it holds, lazy.js taking every
 * module index.js holds from it (with a fourth, small build listing those modules' export names),
 * and index.js again exposing exactly those.
 */
async function buildFunction(name: LambdaFunctionName, entry: string, dir: string): Promise<{ index: Metafile; lazy: Metafile }> {
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node' as const,
    target: 'node20',
    format: 'cjs' as const,
    minify: true,
    sourcemap: false,
    legalComments: 'none' as const,
    // ES module builds of the AWS SDK tree-shake better than its CommonJS ones.
    mainFields: ['module', 'main'],
    // Those ES builds load node:http lazily with import(); as require() the bundle also loads in
    // hosts without an ESM loader hook (jest's vm, which runs the bundle in the tests).
    supported: { 'dynamic-import': false },
    // better-sqlite3 is listed only as a tripwire: the stub means nothing imports it. ws's optional
    // speed-ups are native and absent; ws falls back to JavaScript when require() fails.
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    metafile: true as const,
    logLevel: 'error' as const,
  };
  const lazyTargets = new Set<string>();
  const first = await build({ ...common, entryPoints: [path.join(ROOT, entry)], write: false, outfile: path.join(dir, 'index.js'), plugins: [splitAtLazyLoads(entry, lazyTargets), stubUnusedOnLambda] });
  const shared = new Map<string, number>();
  const lazy = await build({
    ...common,
    stdin: { contents: lazyEntryCode(lazyTargets), resolveDir: ROOT, sourcefile: 'lazy-entry.js', loader: 'js' },
    outfile: path.join(dir, LAZY_FILE),
    plugins: [lazyGuard(name), takeSharedFromIndex(codeIn(first.metafile), shared, await esmExportNames(first.metafile), name), stubUnusedOnLambda],
  });
  const index = await build({ ...common, entryPoints: [path.join(ROOT, entry)], outfile: path.join(dir, 'index.js'), plugins: [splitAtLazyLoads(entry, undefined, registryCode(shared, first.metafile, entry, name)), stubUnusedOnLambda] });
  return { index: index.metafile, lazy: lazy.metafile };
}

export async function buildLambdaBundles(outDir: string = path.join(ROOT, 'dist', 'lambda')): Promise<BuiltBundle[]> {
  const bundles: BuiltBundle[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_FUNCTIONS) as [LambdaFunctionName, string][]) {
    const dir = path.join(outDir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.js');
    const lazyFile = path.join(dir, LAZY_FILE);
    const built = await buildFunction(name, entry, dir);
    const metafile: Metafile = { inputs: { ...built.lazy.inputs, ...built.index.inputs }, outputs: { ...built.index.outputs, ...built.lazy.outputs } };
    // Beside the function's folder, not in it (SAM zips the folder): what went in, for esbuild's analyzer.
    writeFileSync(path.join(outDir, `${name}.meta.json`), JSON.stringify(metafile));
    const inputs = Object.keys(metafile.inputs);
    const native = inputs.filter((i) => /node_modules\/(better-sqlite3|bindings|classic-level|leveldown)\//.test(i) || i.endsWith('.node'));
    if (native.length > 0) throw new Error(`${name}: native modules in the bundle: ${native.join(', ')}`);
    if ([file, lazyFile].some((f) => readFileSync(f, 'utf8').includes('better-sqlite3'))) throw new Error(`${name}: the bundle still references better-sqlite3`);
    const atRequire = [...loadedAtRequire(built.index, entry)];
    const early = LOADED_ON_FIRST_USE.filter((pkg) => atRequire.some((i) => i.includes(`node_modules/${pkg}/`) || i === `lambda-stub:${pkg}`));
    if (early.length > 0) throw new Error(`${name}: loaded when the bundle is required, not on first use: ${early.join(', ')} (see src/lazy-modules.ts)`);
    const inLazy = codeIn(built.lazy);
    const twice = [...codeIn(built.index)].filter((i) => inLazy.has(i) && !reExportsOnly(path.join(ROOT, i)));
    if (twice.length > 0) throw new Error(`${name}: modules in both index.js and lazy.js (two copies, two states): ${twice.join(', ')}`);
    cpSync(path.join(ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
    const indexBytes = statSync(file).size;
    const bytes = indexBytes + statSync(lazyFile).size;
    if (bytes > MAX_BUNDLE_BYTES) throw new Error(`${name}: bundle is ${formatBytes(bytes)}, over the ${formatBytes(MAX_BUNDLE_BYTES)} limit`);
    bundles.push({ name, file, lazyFile, bytes, indexBytes });
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
      for (const b of bundles) {
        const lazyBytes = b.bytes - b.indexBytes;
        process.stdout.write(`${b.name.padEnd(9)} ${formatBytes(b.bytes).padStart(8)}  ${path.relative(process.cwd(), path.dirname(b.file))}/  (index.js ${formatBytes(b.indexBytes)}, ${LAZY_FILE} ${formatBytes(lazyBytes)})\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`build:lambda failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
