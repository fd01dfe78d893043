/**
 * `npm run build` (and `npm start`'s prestart): the long-running server, `src/main.ts`, as one
 * esbuild bundle at dist/main.js, with dist/main.meta.json beside it.
 *
 * Our own ~100 modules go into the one file: loaded from tsc's output they cost ~70 ms of
 * start-up resolving and compiling one file each. Every package stays in node_modules, as a
 * plain `npm start` of any Node app loads it, except zod: its CommonJS entry loads all of zod's
 * 92 files, the 60 locales and the JSON Schema generator among them (~66 ms here), where bundled
 * only what our two schemas reach is kept. What src/lazy-modules.ts loads on first use (the AWS
 * SDK's S3 and CloudFront clients, undici, Handlebars, ical.js) still loads on first use: esbuild
 * runs a bundled module's top level, and its packages' require()s, when it is first required.
 *
 * Type checking is `npm run typecheck`; esbuild only strips the types.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');
export const SERVER_ENTRY = 'src/main.ts';

/** Packages compiled into the bundle rather than required from node_modules (see above). */
export const BUNDLED_PACKAGES = ['zod'] as const;

function isBundledPackage(specifier: string): boolean {
  return BUNDLED_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/** Leaves every bare import (a package or a node: built-in) to node's own resolution at run time. */
const packagesStayInNodeModules: Plugin = {
  name: 'packages-stay-in-node-modules',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (isBundledPackage(args.path) ? undefined : { path: args.path, external: true }));
  },
};

export interface BuiltServer {
  file: string;
  bytes: number;
  /** Every source file in the bundle, relative to the repository root. */
  inputs: string[];
}

export async function buildServer(outfile: string = path.join(ROOT, 'dist', 'main.js')): Promise<BuiltServer> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [SERVER_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Unminified: stack traces in the logs keep our function names and readable lines.
    minify: false,
    plugins: [packagesStayInNodeModules],
    metafile: true,
    logLevel: 'error',
  });
  const metafile = result.metafile;
  writeFileSync(outfile.replace(/\.js$/, '.meta.json'), JSON.stringify(metafile));
  const output = Object.values(metafile.outputs)[0];
  return { file: outfile, bytes: output?.bytes ?? 0, inputs: Object.keys(metafile.inputs) };
}

if (require.main === module) {
  buildServer().then(
    (built) => process.stdout.write(`${path.relative(ROOT, built.file)}: ${(built.bytes / 1024).toFixed(0)} KB, ${built.inputs.length} modules\n`),
    (err: unknown) => {
      process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
