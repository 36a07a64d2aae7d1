import type { WebPage } from '../layout.js';

const healthRow = (part: string, label: string) =>
  `<tr data-part="${part}"><th scope="row">${label}</th><td data-field="health">—</td><td data-field="detail">—</td></tr>`;

/**
 * `/admin/operations`: the live operations view. Static markup; `operations.js` fills it from
 * `GET /admin/ops` every 2 s while the page is visible (docs/api.md, "Staff pages").
 */
export function operationsPage(): WebPage {
  return {
    path: '/admin/operations',
    id: 'admin-operations',
    title: 'Opérations',
    scripts: ['/static/admin/operations.js'],
    main: `<p class="muted" id="operations-status">Chargement…</p>
<div id="operations" hidden>
<p class="small muted" id="ops-refresh">Actualisé toutes les 2 secondes tant que la page est affichée. Mesure du <time id="ops-at">—</time>.</p>

<section aria-labelledby="ops-bets-title">
<h2 id="ops-bets-title">Paris</h2>
<dl class="ops-figures">
<div><dt>Paris par seconde (dernière minute)</dt><dd id="ops-rate">—</dd></div>
<div><dt>Paris acceptés dans la dernière minute</dt><dd id="ops-last-minute">—</dd></div>
<div><dt>Paris en cours (non réglés)</dt><dd id="ops-open-bets">—</dd></div>
<div><dt>Mises en cours</dt><dd id="ops-open-stake">—</dd></div>
</dl>
<p class="small muted">Toutes les instances de l’API (lu dans Postgres).</p>
</section>

<section aria-labelledby="ops-markets-title">
<h2 id="ops-markets-title">Mises par marché ouvert</h2>
<table id="ops-markets">
<caption>Marchés ouverts, par mise en cours décroissante (paris acceptés non réglés)</caption>
<thead><tr><th scope="col">Événement et marché</th><th scope="col" class="num">Paris</th><th scope="col" class="num">Mises</th><th scope="col">Clôture</th></tr></thead>
<tbody id="ops-markets-body"></tbody>
</table>
<p id="ops-markets-empty" hidden>Aucun marché ouvert.</p>
</section>

<section aria-labelledby="ops-rejections-title">
<h2 id="ops-rejections-title">Refus par code</h2>
<table id="ops-rejections">
<caption>Réponses en erreur de l’instance de l’API qui répond, depuis son démarrage (<time id="ops-rejections-since">—</time>)</caption>
<thead><tr><th scope="col">Code</th><th scope="col" class="num">Nombre</th></tr></thead>
<tbody id="ops-rejections-body"></tbody>
</table>
<p id="ops-rejections-empty" hidden>Aucun refus.</p>
<p class="small muted">Compteurs d’une seule instance : derrière un répartiteur, chaque actualisation peut venir d’une autre instance (le total est sur Prometheus, <code>verdict_rejections_total</code>).</p>
</section>

<section aria-labelledby="ops-health-title">
<h2 id="ops-health-title">Santé des services</h2>
<table id="ops-health">
<caption>Relayeur, indexeur, règlement et chaîne, d’après la base de données et le fournisseur RPC de l’API</caption>
<thead><tr><th scope="col">Service</th><th scope="col">État</th><th scope="col">Détail</th></tr></thead>
<tbody>
${healthRow('relayer', 'Relayeur')}
${healthRow('indexer', 'Indexeur')}
${healthRow('settler', 'Règlement (settler)')}
${healthRow('chain', 'Chaîne')}
</tbody>
</table>
<table id="ops-publications">
<caption>Publications du relayeur non terminées, par état et code d’échec</caption>
<thead><tr><th scope="col">État</th><th scope="col">Code d’échec</th><th scope="col" class="num">Nombre</th><th scope="col">La plus ancienne</th></tr></thead>
<tbody id="ops-publications-body"></tbody>
</table>
<p id="ops-publications-empty" hidden>Aucune publication en attente ni en échec.</p>
</section>
</div>`,
  };
}
