import type { WebPage } from '../layout.js';

/** `/admin/settlement-runs`: the settlements the settler ran. */
export function settlementsPage(): WebPage {
  return {
    path: '/admin/settlement-runs',
    id: 'admin-settlements',
    title: 'Règlements',
    scripts: ['/static/admin/settlements.js'],
    main: `<p class="muted" id="settlements-status">Chargement…</p>`,
  };
}
