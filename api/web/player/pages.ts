import { escapeHtml, layout, type WebPage } from '../layout.js';

/** A sign-in provider configured in kyc: FranceConnect's button is drawn by its guidelines, others plainly. */
export interface SignInProvider {
  /** The id in `/auth/<id>`. */
  readonly id: string;
  readonly profile: 'franceconnect' | 'generic';
  /** Label of a generic provider's button (default its id). */
  readonly label?: string;
}

/** What a refusal or failed sign-in means, in plain words (kyc's problem codes). */
const KYC_PAGES: Readonly<Record<string, { readonly title: string; readonly text: string }>> = {
  KYC_UNDERAGE: {
    title: 'Inscription refusée : vous devez avoir 18 ans',
    text: 'Les paris en ligne sont interdits aux mineurs. Selon votre identité vérifiée, vous avez moins de 18 ans aujourd’hui : aucun compte n’a été créé.',
  },
  KYC_SELF_EXCLUDED: {
    title: 'Inscription refusée : interdiction de jeu',
    text: 'Votre identité figure au fichier des interdits de jeu tenu par l’Autorité nationale des jeux (ANJ). Un opérateur ne peut pas vous ouvrir de compte tant que l’interdiction est en vigueur : aucun compte n’a été créé.',
  },
  KYC_DUPLICATE_PERSON: {
    title: 'Vous avez déjà un compte',
    text: 'Une seule personne, un seul compte : un compte existe déjà pour cette identité. Connectez-vous avec le fournisseur d’identité utilisé lors de votre inscription.',
  },
  KYC_ACCOUNT_SUSPENDED: {
    title: 'Compte suspendu',
    text: 'Votre compte est suspendu (par exemple après une inscription au fichier des interdits de jeu) : vous ne pouvez plus vous connecter.',
  },
  KYC_ASSURANCE_INSUFFICIENT: {
    title: 'Niveau de vérification insuffisant',
    text: 'Le fournisseur d’identité n’a pas confirmé un niveau de garantie suffisant pour ouvrir un compte de jeu.',
  },
  KYC_IDENTITY_INCOMPLETE: {
    title: 'Identité incomplète',
    text: 'Le fournisseur d’identité n’a pas transmis toutes les informations exigées pour ouvrir un compte (nom, prénoms, date et lieu de naissance).',
  },
  KYC_BIRTHDATE_INVALID: {
    title: 'Date de naissance invalide',
    text: 'La date de naissance transmise est impossible ou contradictoire : aucun compte n’a été créé.',
  },
  KYC_LOGIN_CANCELLED: {
    title: 'Connexion annulée',
    text: 'Vous avez annulé la connexion chez le fournisseur d’identité.',
  },
  KYC_LOGIN_STATE_INVALID: {
    title: 'Connexion expirée',
    text: 'Cette tentative de connexion a expiré ou a déjà servi. Recommencez depuis la page de connexion.',
  },
  KYC_IDP_UNAVAILABLE: {
    title: 'Fournisseur d’identité indisponible',
    text: 'Le fournisseur d’identité ne répond pas. Réessayez dans quelques instants.',
  },
  KYC_RATE_LIMITED: {
    title: 'Trop de tentatives',
    text: 'Trop de connexions ont été tentées depuis votre adresse. Patientez un moment avant de réessayer.',
  },
  KYC_NOT_AUTHENTICATED: {
    title: 'Connexion requise',
    text: 'Cette page demande d’être connecté.',
  },
  KYC_STAFF_FORBIDDEN: {
    title: 'Accès non autorisé',
    text: 'Votre compte du personnel n’a pas le rôle d’administration de Verdict : la connexion aux pages du personnel est refusée. Demandez ce rôle à un administrateur.',
  },
};

/** The HTML page of a kyc problem (refused signup, failed sign-in), in the site's layout; set on `res.locals.problemPage`. */
export function problemPage(problem: { code: string; status: number; title: string; detail: string }): string {
  const known = KYC_PAGES[problem.code];
  const title = known?.title ?? problem.title;
  const retry =
    problem.code === 'KYC_UNDERAGE' || problem.code === 'KYC_SELF_EXCLUDED'
      ? '<p><a href="/">Retour à l’accueil</a></p>'
      : problem.code === 'KYC_STAFF_FORBIDDEN'
        ? '<p><a href="/admin/auth/login">Se connecter avec un autre compte du personnel</a> · <a href="/">Accueil</a></p>'
        : '<p><a href="/signin">Retour à la page de connexion</a> · <a href="/">Accueil</a></p>';
  const help =
    problem.code === 'KYC_SELF_EXCLUDED' || problem.code === 'KYC_ACCOUNT_SUSPENDED'
      ? '<p>Pour toute question sur l’interdiction de jeu : <a href="https://anj.fr/">anj.fr</a>. Joueurs Info Service : 09 74 75 13 13.</p>'
      : '';
  return layout({
    path: '/refused',
    id: 'problem',
    title,
    main: `<section class="refusal" data-error-code="${escapeHtml(problem.code)}" aria-labelledby="refusal-reason">
<p id="refusal-reason" class="lead">${escapeHtml(known?.text ?? problem.detail)}</p>
${help}
<p class="muted">Code : <code>${escapeHtml(problem.code)}</code> (HTTP ${problem.status})</p>
${retry}
</section>`,
  });
}

/** The FranceConnect button as the partner guidelines draw it (DSFR `fr-connect`), with its mandatory link. */
function franceConnectButton(id: string): string {
  return `<div class="fc-group">
<a class="fc-button" href="/auth/${escapeHtml(id)}" id="signin-${escapeHtml(id)}">
<img class="fc-logo" src="/static/franceconnect-logo.svg" alt="" width="40" height="40">
<span class="fc-text"><span class="fc-login">S’identifier avec</span> <span class="fc-brand">FranceConnect</span></span>
</a>
<p><a href="https://franceconnect.gouv.fr/" target="_blank" rel="noopener" title="Qu’est-ce que FranceConnect ? - nouvelle fenêtre">Qu’est-ce que FranceConnect ?</a></p>
</div>`;
}

/** The player pages (paths, titles, markup; each with its module under `/static/player/`). */
export function playerPages(deps: { readonly providers: readonly SignInProvider[] }): WebPage[] {
  const fc = deps.providers.filter((p) => p.profile === 'franceconnect');
  const others = deps.providers.filter((p) => p.profile !== 'franceconnect');
  const otherButtons = others
    .map(
      (p) =>
        `<p><a class="button secondary" href="/auth/${escapeHtml(p.id)}" id="signin-${escapeHtml(p.id)}">S’identifier avec ${escapeHtml(p.label ?? p.id)}</a></p>`,
    )
    .join('\n');
  return [
    {
      path: '/',
      id: 'home',
      title: 'Paris en cours',
      scripts: ['/static/player/home.js'],
      main: `<div class="home-grid">
<section aria-labelledby="events-title" class="events">
<h2 id="events-title" class="visually-hidden">Événements et marchés</h2>
<p class="muted" id="events-status">Chargement des événements…</p>
<div id="events"></div>
</section>
<aside aria-labelledby="slip-title" class="slip" id="slip">
<h2 id="slip-title">Mon ticket</h2>
<p class="muted" id="slip-empty">Choisissez une sélection (bouton « Ajouter ») pour la mettre sur votre ticket.</p>
<p id="slip-signin" hidden><a href="/signin">Connectez-vous</a> pour valider un ticket.</p>
<form id="slip-form" novalidate hidden>
<div id="slip-lines"></div>
<p class="slip-total">Mise totale : <strong id="slip-total">0,00 €</strong> · Gain potentiel : <strong id="slip-return">0,00 €</strong></p>
<p class="muted small">Pari mutuel : le gain potentiel est calculé à la cote actuelle du pool ; la cote finale dépend de toutes les mises.</p>
<div class="problem" id="slip-problem" role="alert" hidden></div>
<p><button type="submit" id="slip-submit">Valider le ticket</button> <button type="button" class="secondary" id="slip-clear">Vider</button></p>
</form>
<p class="success" id="slip-result" role="status" hidden></p>
</aside>
</div>`,
    },
    {
      path: '/signin',
      id: 'signin',
      title: 'Se connecter ou s’inscrire',
      main: `<section aria-labelledby="signin-how">
<h2 id="signin-how">Une identité vérifiée, un seul compte</h2>
<p>Pour parier, Verdict vérifie votre identité auprès d’un fournisseur d’identité. Les personnes mineures et les personnes inscrites au fichier des interdits de jeu ne peuvent pas ouvrir de compte. Votre première connexion crée votre compte ; vous choisissez ensuite vos limites de dépôt et de mise.</p>
${fc.map((p) => franceConnectButton(p.id)).join('\n')}
${others.length > 0 ? `<h2>Autre fournisseur d’identité</h2>\n${otherButtons}` : ''}
</section>`,
    },
    {
      path: '/account/limits',
      id: 'limits',
      title: 'Vos limites de jeu',
      scripts: ['/static/player/limits.js'],
      main: `<p>Avant votre premier dépôt et votre premier pari, la loi vous demande de fixer vos limites. Elles s’appliquent sur 7 jours glissants ; vous pouvez les modifier à tout moment.</p>
<form id="limits-form" novalidate>
<fieldset>
<legend>Limites hebdomadaires (7 jours glissants)</legend>
<p><label for="weekly-deposit">Dépôts au plus (€)</label>
<input id="weekly-deposit" name="weeklyDeposit" type="text" inputmode="decimal" autocomplete="off" required aria-describedby="weekly-deposit-help">
<span class="help" id="weekly-deposit-help">Par exemple 200 ou 150,50.</span></p>
<p><label for="weekly-stake">Mises au plus (€)</label>
<input id="weekly-stake" name="weeklyStake" type="text" inputmode="decimal" autocomplete="off" required aria-describedby="weekly-stake-help">
<span class="help" id="weekly-stake-help">Le total de vos paris sur 7 jours ne pourra pas la dépasser.</span></p>
</fieldset>
<div class="problem" id="limits-problem" role="alert" hidden></div>
<p><button type="submit" id="limits-submit">Enregistrer mes limites</button></p>
</form>
<p class="success" id="limits-result" role="status" hidden></p>`,
    },
    {
      path: '/account/bets',
      id: 'bets',
      title: 'Mes paris',
      scripts: ['/static/player/bets.js'],
      main: `<p class="muted" id="bets-status">Chargement…</p>
<table id="bets-table" hidden>
<caption>Vos paris, du plus récent au plus ancien</caption>
<thead><tr><th scope="col">Placé le</th><th scope="col">Événement</th><th scope="col">Sélection</th><th scope="col" class="num">Mise</th><th scope="col">État</th><th scope="col">Résultat</th><th scope="col" class="num">Gain</th><th scope="col">Transaction oracle</th></tr></thead>
<tbody id="bets-body"></tbody>
</table>`,
    },
    {
      path: '/account/wallet',
      id: 'wallet',
      title: 'Mon compte',
      scripts: ['/static/player/wallet.js'],
      main: `<section aria-labelledby="balance-title">
<h2 id="balance-title">Solde disponible</h2>
<p class="balance" id="balance" aria-live="polite">—</p>
<p class="muted" id="limits-summary"></p>
</section>
<div class="two-columns">
<form id="deposit-form" novalidate>
<fieldset>
<legend>Déposer (bac à sable)</legend>
<p><label for="deposit-amount">Montant (€)</label>
<input id="deposit-amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required></p>
<p><button type="submit" id="deposit-submit">Déposer</button></p>
</fieldset>
<div class="problem" id="deposit-problem" role="alert" hidden></div>
</form>
<form id="withdraw-form" novalidate>
<fieldset>
<legend>Retirer (bac à sable)</legend>
<p><label for="withdraw-amount">Montant (€)</label>
<input id="withdraw-amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required></p>
<p><button type="submit" id="withdraw-submit">Retirer</button></p>
</fieldset>
<div class="problem" id="withdraw-problem" role="alert" hidden></div>
</form>
</div>
<p class="success" id="wallet-result" role="status" hidden></p>
<section aria-labelledby="statement-title">
<h2 id="statement-title">Relevé</h2>
<table id="statement-table">
<caption class="visually-hidden">Mouvements de votre compte, du plus récent au plus ancien</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Opération</th><th scope="col" class="num">Montant</th></tr></thead>
<tbody id="statement-body"></tbody>
</table>
<p><a href="/account/limits">Modifier mes limites</a></p>
</section>`,
    },
    {
      path: '/api-reference',
      id: 'api-reference',
      title: 'Référence de l’API',
      scripts: ['/static/reference.js'],
      main: `<p class="lead">Toutes les opérations de l’API JSON, lues de sa description OpenAPI 3.1 (<a href="/openapi.json"><code>/openapi.json</code></a>), générée des schémas qui valident les requêtes. Les erreurs sont des <code>application/problem+json</code> (RFC 9457) avec un <code>code</code> stable.</p>
<p class="muted" id="reference-status">Chargement…</p>
<nav aria-labelledby="reference-toc-title" id="reference-toc" hidden><h2 id="reference-toc-title">Sommaire</h2><ul id="reference-toc-list"></ul></nav>
<div id="reference-operations"></div>
<section aria-labelledby="reference-codes-title" id="reference-codes" hidden>
<h2 id="reference-codes-title">Codes d’erreur</h2>
<table>
<caption>Chaque <code>code</code> d’un problem+json et son statut HTTP</caption>
<thead><tr><th scope="col">code</th><th scope="col" class="num">HTTP</th></tr></thead>
<tbody id="reference-codes-body"></tbody>
</table>
</section>`,
    },
  ];
}
