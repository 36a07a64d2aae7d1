import type { WebPage } from '../layout.js';

/**
 * `/admin/results/:eventId`: attest an event's result and follow it to final. The script
 * (`/static/admin/result.js`) reads the event id from the path, the event (`GET /events/{id}`) and the
 * admin (`GET /admin/me`), builds the outcome form from the event's schema, and signs three ways: the
 * admin's bound signer instance, a signature made elsewhere over the EIP-712 typed data it shows, or
 * the browser's wallet (`window.ethereum`, `eth_signTypedData_v4`). The oracle panel renders
 * `GET /admin/events/{id}/oracle` and follows the `admin` live channel, with what the chain phase means
 * and what comes next (a dispute lapses, a higher version corrects). Once a version is on the chain the
 * form is closed behind an explicit "Corriger le résultat (version n+1)" (none once final, except a
 * final Postponed); a receipt is dated, marked when the panel changed since, and cleared when the chain
 * moves on; one that reaches the quorum says when it is published (the panel's `chainHead`: the
 * relayer waits for a block dated from the end time on).
 */
export function resultPage(): WebPage {
  return {
    path: '/admin/results/:eventId',
    id: 'admin-result',
    title: 'Résultat d’un événement',
    scripts: ['/static/admin/result.js'],
    main: `<p class="muted" id="result-status">Chargement…</p>
<section id="event-section" aria-labelledby="event-title" hidden>
<h2 id="event-title">Événement</h2>
<dl class="facts" id="event-facts"></dl>
</section>
<section id="attest-section" aria-labelledby="attest-title" hidden>
<h2 id="attest-title">Attester le résultat</h2>
<p class="muted small" id="attester-info"></p>
<div class="notice" id="attest-closed" hidden>
<p id="attest-closed-text"></p>
<p><button type="button" id="attest-reopen" class="secondary" aria-controls="attest-form" aria-expanded="false" hidden></button></p>
</div>
<form id="attest-form" novalidate>
<fieldset>
<legend>Résultat constaté</legend>
<p><label for="result-kind">Statut</label>
<select id="result-kind" name="status" aria-describedby="result-kind-help">
<option value="1">Terminé (joué, score ou arrivée)</option>
<option value="2">Annulé</option>
<option value="3">Reporté</option>
<option value="4">Interrompu (abandonné)</option>
<option value="5">Nul et non avenu (void)</option>
</select>
<span class="help" id="result-kind-help">Seul un événement terminé porte un score ou une arrivée ; les paris d’un événement annulé, interrompu ou void sont remboursés, ceux d’un événement reporté attendent la version suivante.</span></p>
<fieldset id="values-football" hidden>
<legend>Score à la fin du temps réglementaire</legend>
<p><label for="home-goals" id="home-goals-label">Buts de l’équipe à domicile</label>
<input id="home-goals" name="homeGoals" type="number" min="0" step="1" inputmode="numeric" autocomplete="off" required></p>
<p><label for="away-goals" id="away-goals-label">Buts de l’équipe à l’extérieur</label>
<input id="away-goals" name="awayGoals" type="number" min="0" step="1" inputmode="numeric" autocomplete="off" required></p>
</fieldset>
<fieldset id="values-race" hidden aria-describedby="race-help">
<legend>Place d’arrivée de chaque partant</legend>
<p class="help" id="race-help">Une place par partant, dans l’ordre des numéros ; 0 pour un non-partant ou un cheval non classé (DNF). Ex-æquo : la même place, la suivante est sautée (1, 1, 3).</p>
<div class="runner-grid" id="race-runners"></div>
</fieldset>
<div class="two-columns">
<p><label for="result-version">Version</label>
<input id="result-version" name="version" type="number" min="1" step="1" inputmode="numeric" autocomplete="off" required aria-describedby="result-version-help">
<span class="help" id="result-version-help"></span></p>
<p><label for="result-ended">Fin de l’événement (heure locale)</label>
<input id="result-ended" name="endedAt" type="datetime-local" step="1" required aria-describedby="result-ended-help">
<span class="help" id="result-ended-help">Tous les attestataires doivent signer la même heure de fin : elle fait partie du résultat signé.</span></p>
</div>
</fieldset>
<div class="problem" id="attest-problem" role="alert" hidden></div>
<p class="actions">
<button type="submit" id="sign-bound" data-action="bound" hidden>Signer avec mon signataire</button>
<button type="submit" id="sign-wallet" data-action="wallet" class="secondary" hidden>Signer avec mon portefeuille</button>
<button type="submit" id="prepare-payload" data-action="payload" class="secondary">Préparer les données à signer ailleurs</button>
<button type="button" id="attest-collapse" class="secondary" hidden>Refermer sans attester</button>
</p>
</form>
<section id="payload-section" aria-labelledby="payload-title" hidden>
<h3 id="payload-title">Signer ailleurs (EIP-712)</h3>
<p>Signez ces données typées avec la clé de votre attestataire (portefeuille matériel, <code>npm run attest</code>, <code>eth_signTypedData_v4</code>), puis collez la signature ci-dessous.</p>
<p><label for="payload-json">Données typées à signer (JSON)</label>
<textarea id="payload-json" class="code-block" rows="14" readonly spellcheck="false"></textarea></p>
<form id="signature-form" novalidate>
<p><label for="signature-input">Signature (0x…)</label>
<textarea id="signature-input" name="signature" class="code-block" rows="3" spellcheck="false" autocomplete="off" required aria-describedby="signature-help"></textarea>
<span class="help" id="signature-help">65 octets en hexadécimal (130 chiffres après 0x).</span></p>
<div class="problem" id="signature-problem" role="alert" hidden></div>
<p><button type="submit" id="submit-signature">Envoyer la signature</button></p>
</form>
</section>
<div id="attest-receipt" hidden>
<p class="success" id="attest-result" role="status" hidden></p>
<p class="small muted" id="attest-receipt-meta"></p>
</div>
</section>
<section id="oracle-section" aria-labelledby="oracle-title" hidden>
<h2 id="oracle-title">Suivi oracle</h2>
<p class="small muted" id="oracle-live">Mise à jour à l’ouverture de la page.</p>
<dl class="facts" id="oracle-chain"></dl>
<p class="help" id="oracle-phase-help"></p>
<h3 id="groups-title">Attestations</h3>
<div id="oracle-groups"></div>
<h3 id="conflicts-title">Conflits</h3>
<div id="oracle-conflicts"></div>
<h3 id="publications-title">Publication sur la chaîne</h3>
<div id="oracle-publications"></div>
</section>`,
  };
}
