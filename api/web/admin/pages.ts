import { fileURLToPath } from 'node:url';
import type { NavLink, WebPage } from '../layout.js';
import { eventsPages } from './events-page.js';
import { operationsPage } from './operations-page.js';
import { resultPage } from './result-page.js';
import { settlementsPage } from './settlements-page.js';

/**
 * The staff pages (`area: 'admin'`), served by the API's web module next to the player pages. Each
 * page is static HTML rendered once plus an ES module under `/static/admin/` that calls the admin JSON
 * API (`/admin/...`, staff session cookie) and follows the `admin` live channel. Page paths never
 * collide with JSON routes: the web router is mounted first and would shadow them.
 *
 * | page | what |
 * | --- | --- |
 * | `/admin` | events and their markets: create, open, suspend, close, void |
 * | `/admin/results/:eventId` | attest the event's result; quorum, conflicts, publication, dispute window, final |
 * | `/admin/settlement-runs` | the settlements the settler ran (and reversals) |
 * | `/admin/operations` | bets/s, open bets, stakes by market, rejections by code, process health, chain head and lag |
 */
export const ADMIN_NAV: readonly NavLink[] = [
  { href: '/admin', label: 'Événements' },
  { href: '/admin/settlement-runs', label: 'Règlements' },
  { href: '/admin/operations', label: 'Opérations' },
];

/** Folder of the staff pages' scripts, served at `/static/admin/`. */
export const ADMIN_STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** Every staff page, with the admin area and navigation set. */
export function adminPages(): WebPage[] {
  return [...eventsPages(), resultPage(), settlementsPage(), operationsPage()].map((p) => ({
    ...p,
    area: 'admin' as const,
    nav: ADMIN_NAV,
  }));
}
