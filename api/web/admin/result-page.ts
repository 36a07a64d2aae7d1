import type { WebPage } from '../layout.js';

/** `/admin/results/:eventId`: attest an event's result and follow it to final. */
export function resultPage(): WebPage {
  return {
    path: '/admin/results/:eventId',
    id: 'admin-result',
    title: 'Résultat d’un événement',
    scripts: ['/static/admin/result.js'],
    main: `<p class="muted" id="result-status">Chargement…</p>`,
  };
}
