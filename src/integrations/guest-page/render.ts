/**
 * Renders the guest page from templates/guest-page.hbs and templates/partials/*.hbs. Handlebars runs
 * in strict mode (a missing field is a bug, not a blank on the guest's screen) with default escaping;
 * templates are read and compiled once per process, not per render.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { IntegrationError } from '../errors';
import type { GuestPageView } from './view';

export const GUEST_PAGE_TEMPLATE = 'guest-page.hbs';
/** What the same URL shows once the charter is cancelled (same view, same partials). */
export const GUEST_CANCELLED_TEMPLATE = 'guest-cancelled.hbs';

export type GuestPageRenderer = (view: GuestPageView) => string;

const COMPILE_OPTIONS = { strict: true, noEscape: false } as const;

/** Compiles the page and every partial in `templatesDir` into an isolated Handlebars environment. */
export function createGuestPageRenderer(templatesDir: string, templateName: string = GUEST_PAGE_TEMPLATE): GuestPageRenderer {
  const mainPath = path.join(templatesDir, templateName);
  if (!existsSync(mainPath)) throw templatesMissing(templatesDir);
  const hbs = Handlebars.create();
  const partialsDir = path.join(templatesDir, 'partials');
  if (existsSync(partialsDir)) {
    for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs')).sort()) {
      const source = readFileSync(path.join(partialsDir, file), 'utf8');
      hbs.registerPartial(path.basename(file, '.hbs'), hbs.compile(source, COMPILE_OPTIONS));
    }
  }
  const template = hbs.compile<GuestPageView>(readFileSync(mainPath, 'utf8'), COMPILE_OPTIONS);
  return (view) => template(view);
}

let cached: GuestPageRenderer | undefined;
let cachedCancelled: GuestPageRenderer | undefined;

export function renderGuestPage(view: GuestPageView): string {
  cached ??= createGuestPageRenderer(defaultTemplatesDir());
  return cached(view);
}

/** The kind "this charter was cancelled — contact us" page, served at the same key as the guest page. */
export function renderCancelledGuestPage(view: GuestPageView): string {
  cachedCancelled ??= createGuestPageRenderer(defaultTemplatesDir(), GUEST_CANCELLED_TEMPLATE);
  return cachedCancelled(view);
}

/**
 * templates/ at the project root, found by walking up from this file so it works from src/ (tsx,
 * jest), dist/ (tsc) and a bundle that ships templates/ beside it.
 */
export function defaultTemplatesDir(start: string = __dirname): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'templates');
    if (existsSync(path.join(candidate, GUEST_PAGE_TEMPLATE))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw templatesMissing(path.join(start, 'templates'));
}

function templatesMissing(dir: string): IntegrationError {
  return new IntegrationError(`guest page template not found under ${dir}`, {
    code: 'GUEST_TEMPLATE_MISSING',
    retryable: false,
    system: 'guest-site',
    operatorMessage: `The guest page template (templates/${GUEST_PAGE_TEMPLATE}) is missing from this deployment; redeploy with the templates folder.`,
  });
}
