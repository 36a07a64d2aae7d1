import type { WebPage } from '../layout.js';

/**
 * `/admin/settlement-runs`: the settlements the settler ran (`GET /admin/settlements`, newest first):
 * event, market, the oracle result used, totals in euros, bets, date and reversal; "Plus anciens"
 * loads the next page; a run the settler writes or reverses appears without reload (`admin` live
 * channel, `settlement`). Rendered by `/static/admin/settlements.js`.
 */
export function settlementsPage(): WebPage {
  return {
    path: '/admin/settlement-runs',
    id: 'admin-settlements',
    title: 'Règlements',
    scripts: ['/static/admin/settlements.js'],
    main: `<p class="muted small">Chaque règlement d’un marché : le résultat oracle utilisé, ce que le pool a payé, prélevé, arrondi ou remboursé, et son annulation éventuelle (résultat retiré, marché annulé après règlement).</p>
<div class="problem" id="settlements-problem" role="alert" hidden></div>
<p class="muted" id="settlements-status">Chargement…</p>
<p class="muted small" id="settlements-live" role="status"></p>
<div class="table-scroll">
<table id="settlements-table" class="admin-settlements" hidden>
<caption>Règlements, du plus récent au plus ancien</caption>
<thead><tr><th scope="col">Réglé le</th><th scope="col">Événement</th><th scope="col">Marché</th><th scope="col">Résultat utilisé</th><th scope="col" class="num">Pool</th><th scope="col" class="num">Payé</th><th scope="col" class="num">Prélèvement</th><th scope="col" class="num">Arrondis</th><th scope="col" class="num">Remboursé</th><th scope="col" class="num">Paris</th><th scope="col">Annulation</th></tr></thead>
<tbody id="settlements-body"></tbody>
</table>
</div>
<p><button type="button" class="secondary" id="settlements-more" hidden>Plus anciens</button></p>`,
  };
}
