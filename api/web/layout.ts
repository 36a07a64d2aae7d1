/** A link of the navigation bar. */
export interface NavLink {
  readonly href: string;
  readonly label: string;
}

/**
 * One page of the site: a static HTML document rendered once by {@link layout}. Its content is the
 * `<main>` element's inner HTML (trusted markup written in the source, never data: data comes from
 * the JSON API through the page's script, as DOM nodes).
 */
export interface WebPage {
  /** Express path, e.g. `/account/bets`. */
  readonly path: string;
  /** `<title>` and the page's `<h1>` (plain text). */
  readonly title: string;
  /** Inner HTML of `<main>`, after the `<h1>`. */
  readonly main: string;
  /** ES modules loaded after `/static/app.js` (e.g. `/static/player/home.js`). */
  readonly scripts?: readonly string[];
  /**
   * `player` (default): the player navigation, whose signed-in part `app.js` shows after `GET /auth/me`;
   * `admin`: `nav` links and the staff sign-in/out (`/admin/auth/login`, `POST /admin/auth/logout`).
   */
  readonly area?: 'player' | 'admin';
  /** Navigation links (default {@link PLAYER_NAV} for the player area). */
  readonly nav?: readonly NavLink[];
  /** A short identifier on `<body data-page>` (tests and scripts); default the path. */
  readonly id?: string;
}

/** The player pages' navigation. */
export const PLAYER_NAV: readonly NavLink[] = [
  { href: '/', label: 'Paris' },
  { href: '/account/bets', label: 'Mes paris' },
  { href: '/account/wallet', label: 'Mon compte' },
];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as HTML (element content or a quoted attribute value). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * The page layout: skip link, header with the brand and the navigation (sign-in link or balance and
 * logout form), a polite live region (`#live-region`, announcements of live changes), an alert region
 * (`#problem`, problem+json shown by `app.js`), `<main>` with the page's `<h1>`, and the footer with
 * the responsible-gambling notice. No inline script or style (CSP `'self'`). `<body data-ready>` turns
 * from `false` to `true` once `app.js` and the promises pages gave to its `whenReady()` have settled;
 * `<body data-live-client>` names the live client module (`/static/live.js`) when the server has it.
 */
export function layout(page: WebPage, options: { readonly liveClient?: string | undefined } = {}): string {
  const area = page.area ?? 'player';
  const nav = page.nav ?? (area === 'player' ? PLAYER_NAV : []);
  const links = nav.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></li>`).join('');
  const signIn = area === 'admin' ? '/admin/auth/login' : '/signin';
  const signOut = area === 'admin' ? '/admin/auth/logout' : '/auth/logout';
  const scripts = ['/static/app.js', ...(page.scripts ?? [])]
    .map((s) => `<script type="module" src="${escapeHtml(s)}"></script>`)
    .join('\n');
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Verdict</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${scripts}
</head>
<body data-page="${escapeHtml(page.id ?? page.path)}" data-area="${area}" data-ready="false"${
    options.liveClient ? ` data-live-client="${escapeHtml(options.liveClient)}"` : ''
  }>
<a class="skip-link" href="#main">Aller au contenu</a>
<header class="site-header">
<a class="brand" href="${area === 'admin' ? '/admin' : '/'}">Verdict${area === 'admin' ? ' <span class="brand-area">admin</span>' : ''}</a>
<nav aria-label="Navigation principale">
<ul>${links}
<li data-when="signed-out"><a href="${signIn}">Se connecter</a></li>
<li data-when="signed-in" hidden><span class="nav-balance" id="nav-balance"></span></li>
<li data-when="signed-in" hidden><form method="post" action="${signOut}" class="inline"><button type="submit" class="link-button" id="logout">Se déconnecter</button></form></li>
</ul>
</nav>
</header>
<div id="live-region" class="visually-hidden" role="status" aria-live="polite"></div>
<main id="main" tabindex="-1">
<h1>${escapeHtml(page.title)}</h1>
<div id="problem" class="problem" role="alert" hidden></div>
${page.main}
</main>
<footer class="site-footer">
<p>Jouer comporte des risques : endettement, isolement, dépendance. Pour être aidé, appelez le 09 74 75 13 13 (appel non surtaxé).</p>
<p>Les paris sont interdits aux mineurs. Verdict est un environnement de démonstration : aucun argent réel.</p>
<p><a href="/api-reference">Référence de l’API</a></p>
</footer>
</body>
</html>
`;
}
