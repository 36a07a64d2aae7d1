import type { WebPage } from '../layout.js';

/**
 * `/admin`: the events and their markets (`GET /admin/events`), a form to create an event
 * (`POST /admin/events`), per event a form to create a market (`POST /admin/events/{id}/markets`) and
 * per market the commands its state allows (`POST /admin/markets/{id}/{open|suspend|close|void}`; void
 * asks for a reason). Rendered by `/static/admin/events.js`.
 */
export function eventsPages(): WebPage[] {
  return [
    {
      path: '/admin',
      id: 'admin-events',
      title: 'Événements et marchés',
      scripts: ['/static/admin/events.js'],
      main: `<section aria-labelledby="new-event-title" class="admin-block" id="new-event">
<h2 id="new-event-title">Nouvel événement</h2>
<form id="event-form" novalidate>
<fieldset>
<legend>Événement</legend>
<p><label for="event-name">Nom</label>
<input id="event-name" name="name" type="text" maxlength="200" autocomplete="off" required aria-describedby="event-name-help">
<span class="help" id="event-name-help">Par exemple « Lyon – Lens » ou « Prix d’Amérique ».</span></p>
<p><label for="event-schema">Type d’événement</label>
<select id="event-schema" name="schema">
<option value="football.match/v1">Match de football (football.match/v1)</option>
<option value="horse-racing.race/v1">Course hippique (horse-racing.race/v1)</option>
</select></p>
<p id="event-runners-field" hidden><label for="event-runners">Nombre de partants</label>
<input id="event-runners" name="runners" type="number" min="2" max="64" step="1" inputmode="numeric" autocomplete="off"></p>
<p><label for="event-start">Début (heure locale)</label>
<input id="event-start" name="startsAt" type="datetime-local" required></p>
<p><label for="event-oracle-id">Identifiant oracle de l’événement</label>
<input id="event-oracle-id" name="oracleEventId" type="text" class="hash" spellcheck="false" autocomplete="off" required aria-describedby="event-oracle-id-help">
<button type="button" class="small secondary" id="event-oracle-generate">Générer</button>
<span class="help" id="event-oracle-id-help">Les 32 octets que les attesteurs signent : 0x suivi de 64 chiffres hexadécimaux. « Générer » en tire un nouveau au hasard.</span></p>
</fieldset>
<div class="problem" id="event-problem" role="alert" hidden></div>
<p><button type="submit" id="event-submit">Créer l’événement</button></p>
</form>
<p class="success" id="event-result" role="status" hidden></p>
</section>
<section aria-labelledby="events-title">
<h2 id="events-title">Événements</h2>
<p class="muted small">Du plus récent au plus ancien (date de début). Chaque marché n’offre que les commandes permises par son état.</p>
<div class="problem" id="events-problem" role="alert" hidden></div>
<p class="muted" id="events-status">Chargement…</p>
<div id="events"></div>
<p><button type="button" class="secondary" id="events-more" hidden>Plus anciens</button></p>
</section>`,
    },
  ];
}
