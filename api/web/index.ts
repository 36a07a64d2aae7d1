import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { ProblemPage } from '../../kyc/index.js';
import { layout, type WebPage } from './layout.js';
import { playerPages, problemPage, type SignInProvider } from './player/pages.js';

export { escapeHtml, layout, PLAYER_NAV, type NavLink, type WebPage } from './layout.js';
export type { SignInProvider } from './player/pages.js';

/**
 * Content-Security-Policy of every page and asset: same origin only (scripts, styles, images, fetch
 * and the `/live` WebSocket); no inline script or style, no plugin, no framing. `form-action` is left
 * open on purpose: the logout form's 303 goes on to the identity provider's end-session endpoint, and
 * Chromium applies `form-action` to the redirects of a form submission.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Dependencies of {@link createWebModule}. */
export interface WebModuleDeps {
  /** The sign-in providers configured in kyc (FranceConnect first, then the others), for the sign-in page. */
  readonly providers: readonly SignInProvider[];
  /** More pages (e.g. the admin pages of `api/web/admin/`), each rendered once with {@link layout}. */
  readonly pages?: readonly WebPage[];
  /**
   * More asset folders: URL prefix → folder (e.g. `{ '/static/admin': adminStaticDir }`). The
   * built-in ones are `/static` → `api/web/static` and `/static/player` → `api/web/player/static`.
   */
  readonly assets?: Readonly<Record<string, string>>;
}

/** One asset kept in memory: its bytes, content type and strong ETag. */
interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The live client of helper live's WebSocket server (`connectLive()`), announced to pages when present. */
const LIVE_CLIENT = '/static/live.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Folder of the shared assets (`/static/style.css`, `/static/app.js`, `/static/live.js`…). */
export const STATIC_DIR = join(here, 'static');
/** Folder of the player pages' scripts (`/static/player/*.js`). */
export const PLAYER_STATIC_DIR = join(here, 'player', 'static');

/** Every file under `dir` (recursively) as `prefix/relative/path` → asset; a missing folder is empty. */
function loadAssets(prefix: string, dir: string, into: Map<string, Asset>): void {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return;
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return;
  }
  for (const name of names) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const type = CONTENT_TYPES[extname(name).toLowerCase()];
    if (!type) continue;
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    into.set(`${prefix}/${name.split('\\').join('/')}`, { body, type, etag });
  }
}

/** Headers of every page and asset of the web module. */
function secure(res: Response): Response {
  return res.set({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
}

/**
 * Answers with `asset`, or 304 when the client holds it (`If-None-Match`). Assets are revalidated on
 * every use (`no-cache` + strong ETag): module scripts import each other by plain URL, so a versioned,
 * immutable URL scheme would need a build step; a revalidation on loopback or a LAN costs one 304.
 */
function sendAsset(req: Request, res: Response, asset: Asset, cacheControl: string): void {
  secure(res).set({ 'cache-control': cacheControl, etag: asset.etag });
  const inm = req.get('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === asset.etag || t.trim() === `W/${asset.etag}`)) {
    res.status(304).end();
    return;
  }
  res.status(200).type(asset.type).send(asset.body);
}

/**
 * The web pages of Verdict, served by the API on the same origin as the JSON routes they call: the
 * player pages (home with live odds and the bet slip, sign-in, limits, my bets, wallet), the pages
 * passed in `deps.pages`, the assets under `/static`, and the HTML page kyc's errors render for
 * browsers ({@link WebModule.problemPages}).
 *
 * Pages are static HTML documents rendered once at start; each loads a small ES module that calls
 * the JSON API with the session cookie. Mount the router behind the session middleware, before the
 * API's routes; mount `problemPages` before kyc's router.
 */
export function createWebModule(deps: WebModuleDeps) {
  const assets = new Map<string, Asset>();
  loadAssets('/static', STATIC_DIR, assets);
  loadAssets('/static/player', PLAYER_STATIC_DIR, assets);
  for (const [prefix, dir] of Object.entries(deps.assets ?? {})) loadAssets(prefix.replace(/\/+$/, ''), dir, assets);

  const liveClient = assets.has(LIVE_CLIENT) ? LIVE_CLIENT : undefined;
  const pages = [...playerPages({ providers: deps.providers }), ...(deps.pages ?? [])];
  const rendered = new Map<string, Asset>();
  for (const page of pages) {
    if (rendered.has(page.path)) throw new Error(`two web pages at ${page.path}`);
    const body = Buffer.from(layout(page, { liveClient }), 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    rendered.set(page.path, { body, type: 'text/html; charset=utf-8', etag });
  }

  const router: Router = express.Router({ caseSensitive: true, strict: false });
  router.get('/static/*path', (req, res, next) => {
    const asset = assets.get(req.path);
    if (!asset) {
      next();
      return;
    }
    sendAsset(req, res, asset, 'no-cache');
  });
  for (const [path, page] of rendered) {
    router.get(path, (req, res) => sendAsset(req, res, page, 'no-cache'));
  }

  /** Sets `res.locals.problemPage`: kyc's error pages (refused signup, failed sign-in) in the site's layout. */
  const problemPages: RequestHandler = (_req, res, next) => {
    (res.locals as { problemPage?: ProblemPage }).problemPage = (problem) => {
      secure(res);
      return problemPage(problem);
    };
    next();
  };

  return {
    router,
    problemPages,
    /** The paths of the pages served, in order. */
    pagePaths: [...rendered.keys()],
    /** The URL paths of the assets served. */
    assetPaths: [...assets.keys()],
  };
}

export type WebModule = ReturnType<typeof createWebModule>;
