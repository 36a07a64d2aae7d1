import type { WebPage } from '../layout.js';

/** `/admin`: the events and their markets (create, open, suspend, close, void). */
export function eventsPages(): WebPage[] {
  return [
    {
      path: '/admin',
      id: 'admin-events',
      title: 'Événements et marchés',
      scripts: ['/static/admin/events.js'],
      main: `<p class="muted" id="events-status">Chargement…</p>`,
    },
  ];
}
