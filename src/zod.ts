/**
 * What the two schemas (configuration, the booking request) share now that they are written with
 * zod/mini — the same zod core behind a functional, tree-shakable API. `import { z } from 'zod'`
 * put all of zod in each Lambda bundle (~450 KB of 2 MB, every locale included), because the
 * full build's methods keep everything reachable. Each schema file imports `* as z from 'zod/mini'`
 * itself: re-exporting that namespace from here would keep all of it in the bundle again.
 *
 * zod/mini loads no locale, so importing this module installs English: the messages zod writes
 * itself (e.g. "Invalid input: expected string, received number") read as they did with `zod`.
 */
import { config, NEVER, type core } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

/**
 * A transform's failure, reported as the full build's `ctx.addIssue({ code: 'custom', message })`
 * reports it (zod/mini's transforms have no addIssue): a custom issue that stops the checks after it.
 */
export function failTransform(ctx: core.ParsePayload, message: string): typeof NEVER {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return NEVER;
}
