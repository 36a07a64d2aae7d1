import type { WebPage } from '../layout.js';

/** `/admin/operations`: the live operations view. */
export function operationsPage(): WebPage {
  return {
    path: '/admin/operations',
    id: 'admin-operations',
    title: 'Opérations',
    scripts: ['/static/admin/operations.js'],
    main: `<p class="muted" id="operations-status">Chargement…</p>`,
  };
}
