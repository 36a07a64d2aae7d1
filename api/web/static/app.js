// Verdict pages: the shared browser module. Every page loads it first; page modules import from it.
// - api(): fetch wrapper for the JSON API (same origin, session cookie, JSON in and out); a non-2xx
//   answer throws an ApiProblem carrying the problem+json `code`, `detail` and fields.
// - showProblem()/clearProblem(): show a problem in an alert region, in plain French, with its code.
// - h(): builds DOM nodes (data never goes through innerHTML).
// - formatCents()/parseEuros(): money as integer cents.
// - announce(): the polite live region for live changes.
// - currentPlayer(): GET /auth/me once per page (null when signed out); the navigation shows the
//   signed-in part (balance, logout) from it.
// - live(): the page's one live connection (/static/live.js), or null; `verdict:me` events on document
//   carry the signed-in player's `me` channel (balance, bet.accepted, bet.settled).
// - whenReady(): pages say when their first render is done (`<body data-ready>`, for tests).

/** A problem+json answer (or a network failure, code `NETWORK`). */
export class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.detail ?? `HTTP ${status}`);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = typeof body?.code === 'string' ? body.code : `HTTP_${status}`;
    this.detail = typeof body?.detail === 'string' ? body.detail : '';
    this.body = body ?? {};
  }
}

/**
 * Calls the JSON API. `body` is sent as JSON; `idempotencyKey` as the Idempotency-Key header.
 * @returns the parsed JSON (null for an empty answer).
 * @throws {ApiProblem} for any non-2xx answer or a network failure.
 */
export async function api(path, { method = 'GET', body, idempotencyKey, headers = {} } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json, application/problem+json', ...headers },
    cache: 'no-store',
  };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (idempotencyKey) init.headers['idempotency-key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiProblem(0, { code: 'NETWORK', detail: 'Le serveur ne répond pas. Vérifiez votre connexion.' });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) throw new ApiProblem(response.status, json);
  return json;
}

/** A fresh Idempotency-Key (one per submission). */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const euro = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const odds = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' });

/** Integer cents as euros, e.g. 1234 → "12,34 €". */
export function formatCents(cents) {
  return euro.format(Number(cents) / 100);
}

/** An indicative dividend (cents per €1 staked) as odds, e.g. 235 → "2,35"; null → "—". */
export function formatOdds(dividendCents) {
  return dividendCents === null || dividendCents === undefined ? '—' : odds.format(dividendCents / 100);
}

/** An ISO date as local date and time. */
export function formatDate(iso) {
  return dateTime.format(new Date(iso));
}

/** "12", "12,5", "12.50", "1 000,00" → cents (integer); null when it is not an amount. */
export function parseEuros(text) {
  const s = String(text ?? '')
    .trim()
    .replace(/[\s\u00a0\u202f€]/g, '')
    .replace(',', '.');
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/**
 * Builds an element: h('a', { href: '/x', class: 'y' }, 'text', child…). Attributes: `class`,
 * `dataset` (object), `on<event>` (listener), boolean true → empty attribute, false/null → absent.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** What each problem code means for a player, in plain words. */
export const MESSAGES = {
  NETWORK: 'Le serveur ne répond pas. Vérifiez votre connexion et réessayez.',
  KYC_NOT_AUTHENTICATED: 'Vous n’êtes pas connecté.',
  KYC_ORIGIN_REFUSED: 'Requête refusée : elle ne vient pas de ce site.',
  KYC_LIMITS_INVALID: 'Limites invalides : indiquez deux montants positifs.',
  KYC_ACCOUNT_SUSPENDED: 'Votre compte est suspendu.',
  KYC_RATE_LIMITED: 'Trop de tentatives : patientez un moment.',
  API_REQUEST_INVALID: 'La demande est invalide : vérifiez les montants saisis.',
  API_RATE_LIMITED: 'Trop de requêtes : patientez quelques secondes.',
  API_UNAVAILABLE: 'Le service est momentanément indisponible.',
  ACCOUNT_CANNOT_PLAY: 'Votre compte ne peut pas jouer : fixez d’abord vos limites de dépôt et de mise.',
  WITHDRAWALS_NOT_ALLOWED:
    'Les retraits ne sont pas encore ouverts sur votre compte : une seconde vérification d’identité est nécessaire.',
  MARKET_NOT_FOUND: 'Ce marché n’existe pas.',
  // Staff: events and markets (/admin), settlement runs.
  KYC_STAFF_FORBIDDEN: 'Votre compte du personnel n’a pas le rôle nécessaire.',
  EVENT_ALREADY_EXISTS: 'Un événement porte déjà cet identifiant oracle : générez-en un autre.',
  MARKET_DEFINITION_INVALID:
    'Marché invalide : vérifiez le type, la ligne, l’heure limite (au plus tard au début) et les mises (minimum ≤ maximum).',
  MARKET_TRANSITION_INVALID: 'Cette commande n’est pas permise dans l’état actuel du marché.',
  SETTLEMENT_REVERSAL_BLOCKED:
    'Annulation impossible : un gagnant ne détient plus le gain à reprendre. Un opérateur doit régler ce marché.',
  MARKET_NOT_OPEN: 'Ce marché n’accepte plus de paris (suspendu, fermé ou passé son heure limite).',
  SELECTION_NOT_FOUND: 'Cette sélection n’existe pas sur ce marché.',
  STAKE_OUT_OF_RANGE: 'Mise hors limites pour ce marché.',
  STAKE_LIMIT_EXCEEDED: 'Ce pari dépasserait votre limite de mises sur 7 jours.',
  DEPOSIT_LIMIT_EXCEEDED: 'Ce dépôt dépasserait votre limite de dépôts sur 7 jours.',
  INSUFFICIENT_FUNDS: 'Solde insuffisant : déposez d’abord.',
  IDEMPOTENCY_KEY_REUSED: 'Cette soumission a déjà servi pour un autre ticket. Réessayez.',
  IDEMPOTENCY_KEY_IN_USE: 'Votre ticket est en cours de traitement.',
  PAYMENT_FAILED: 'Le prestataire de paiement a refusé l’opération.',
  PAYMENT_NOT_FOUND: 'Paiement introuvable.',
  // Staff pages: the oracle's codes (attestations, signers, publication) and the admin routes'.
  ADMIN_NOT_AUTHENTICATED: 'Vous n’êtes pas connecté en tant que membre du personnel.',
  EVENT_NOT_FOUND: 'Cet événement n’existe pas.',
  FORM_INVALID: 'Le formulaire contient une erreur.',
  WALLET_REFUSED: 'Le portefeuille n’a pas signé (refus ou erreur du portefeuille).',
  ORACLE_INVALID_OUTCOME:
    'Résultat refusé par l’oracle : vérifiez le statut, le score ou l’arrivée (seul un résultat terminé en porte), la fin et la version.',
  ORACLE_INVALID_SIGNATURE:
    'La signature ne correspond pas à ce résultat signé par votre clé (autre résultat, fenêtre, chaîne ou contrat ?).',
  ORACLE_NOT_ATTESTER: 'Votre clé ne fait pas partie des attestataires actuels de l’oracle.',
  ORACLE_ATTESTER_NOT_BOUND:
    'Aucune clé d’attestataire ne vous est attribuée, ou cette signature vient de la clé d’un autre administrateur.',
  ORACLE_WRONG_EPOCH: 'Signé pour une autre époque d’attestataires : préparez de nouveau les données et signez-les.',
  ORACLE_SIGNATURE_EXPIRED: 'La fenêtre de signature de ce résultat est close.',
  ORACLE_CONFLICT: 'Des attestataires ont signé des résultats différents pour cette version : rien n’est publié.',
  ORACLE_BINDING_CONFLICT: 'Cette clé d’attestataire est déjà attribuée à un autre administrateur.',
  ORACLE_SIGNER_UNAVAILABLE:
    'Aucun signataire ne détient votre clé dans ce déploiement : signez avec votre portefeuille ou ailleurs.',
  ORACLE_SIGNER_FORBIDDEN: 'Ce signataire ne signe que pour son propre administrateur.',
  ORACLE_KEY_REFUSED: 'La clé du signataire n’a pas pu être chargée.',
  ORACLE_VERIFIER_UNAVAILABLE:
    'Votre attestataire est un contrat et la chaîne ne peut pas vérifier sa signature pour l’instant.',
  ORACLE_RPC_UNAVAILABLE: 'Le nœud de la chaîne ne répond pas : réessayez dans un instant.',
  ORACLE_INSUFFICIENT_FUNDS: 'Le compte du relayeur ne peut pas payer la transaction.',
  ORACLE_ATTESTER_SET_CHANGED: 'L’ensemble des attestataires vient de changer : signez de nouveau.',
  ORACLE_CHAIN_CONFLICT: 'La chaîne porte un autre résultat pour cet événement.',
  ORACLE_PUBLICATION_REVERTED: 'L’oracle a refusé la publication.',
  ORACLE_TRANSACTION_REFUSED: 'Le nœud a refusé la transaction.',
  ORACLE_PAYLOAD_INVALID: 'Le résultat ou ses signatures ne peuvent pas être publiés tels quels.',
  ORACLE_BATCH_UNSIGNED: 'Le lot n’a pas réuni assez de signatures à temps.',
  ORACLE_LOCK_LOST: 'Le relayeur a perdu son verrou : un autre relayeur a pris la main.',
  ORACLE_RELAYER_ACCOUNT_MISMATCH: 'Le compte du relayeur ne correspond pas aux transactions en cours.',
  ORACLE_INVALID_INPUT: 'Donnée invalide pour l’oracle.',
};

/** The player-facing sentence of a problem (with the stake range when the API gives it). */
export function messageOf(problem) {
  const base = MESSAGES[problem.code] ?? problem.detail ?? 'Une erreur est survenue.';
  const b = problem.body ?? {};
  if (problem.code === 'STAKE_OUT_OF_RANGE' && typeof b.minStakeCents === 'number') {
    return `${base} La mise doit être comprise entre ${formatCents(b.minStakeCents)} et ${formatCents(b.maxStakeCents)}.`;
  }
  return base;
}

/** Shows `problem` (an ApiProblem or any error) in `region`: the plain sentence, the code and the API's detail. */
export function showProblem(region, problem) {
  const p = problem instanceof ApiProblem ? problem : new ApiProblem(0, { code: 'ERROR', detail: String(problem) });
  region.replaceChildren(
    h('p', {}, h('strong', {}, messageOf(p))),
    h(
      'p',
      { class: 'small' },
      'Code : ',
      h('code', { class: 'problem-code' }, p.code),
      p.detail && p.detail !== messageOf(p) ? ` — ${p.detail}` : '',
    ),
    // replaceChildren() would write a null as the text "null".
    ...(p.code === 'KYC_NOT_AUTHENTICATED' ? [h('p', {}, h('a', { href: '/signin' }, 'Se connecter'))] : []),
    ...(p.code === 'ADMIN_NOT_AUTHENTICATED'
      ? [h('p', {}, h('a', { href: '/admin/auth/login' }, 'Se connecter'))]
      : []),
  );
  region.dataset.code = p.code;
  region.hidden = false;
}

export function clearProblem(region) {
  region.replaceChildren();
  delete region.dataset.code;
  region.hidden = true;
}

/** Says `text` in the polite live region (screen readers), without moving the focus. */
export function announce(text) {
  const region = document.getElementById('live-region');
  if (!region) return;
  region.textContent = '';
  // A new text node in a later task is announced even when the text repeats.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

let player;
/** The signed-in player's account (`GET /auth/me`), or null; one request per page. */
export function currentPlayer() {
  player ??= api('/auth/me').catch((error) => {
    if (error instanceof ApiProblem && (error.status === 401 || error.status === 403)) return null;
    throw error;
  });
  return player;
}

function showBalance(balanceCents) {
  const text = formatCents(balanceCents);
  const nav = document.getElementById('nav-balance');
  if (nav) nav.textContent = `Solde : ${text}`;
  for (const node of document.querySelectorAll('[data-balance]')) node.textContent = text;
}

/** Shows the balance in the navigation (and wherever `[data-balance]` is). */
export async function refreshBalance() {
  try {
    const { balanceCents } = await api('/me/balance');
    showBalance(balanceCents);
    return balanceCents;
  } catch {
    return null;
  }
}

let liveConnection;
/**
 * The page's one live connection (`connectLive()` of the client the server announces on
 * `<body data-live-client>`), or null when the server has none or it cannot be loaded.
 */
export function live() {
  liveConnection ??= (async () => {
    const client = document.body.dataset.liveClient;
    if (!client) return null;
    try {
      const module = await import(client);
      return module.connectLive();
    } catch {
      return null;
    }
  })();
  return liveConnection;
}

/**
 * The signed-in player's live channel: the balance in the navigation follows `me`, and every `me`
 * message is re-dispatched on `document` as a `verdict:me` event (`detail` = the data: `balance`,
 * `bet.accepted`, `bet.settled`) for the page's module.
 */
async function followMe() {
  const connection = await live();
  if (!connection) return;
  connection.subscribe('me', (data) => {
    if (data?.kind === 'balance' && typeof data.balanceCents === 'number') showBalance(data.balanceCents);
    document.dispatchEvent(new CustomEvent('verdict:me', { detail: data }));
  });
  document.body.dataset.liveMe = 'on';
}

function markCurrentLink() {
  for (const a of document.querySelectorAll('.site-header nav a[href]')) {
    if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
  }
}

async function initPlayerNav() {
  const me = await currentPlayer().catch(() => null);
  for (const node of document.querySelectorAll('[data-when]')) {
    node.hidden = (node.dataset.when === 'signed-in') !== Boolean(me);
  }
  document.body.dataset.signedIn = me ? 'true' : 'false';
  if (me) await Promise.all([refreshBalance(), followMe()]);
}

let staff;
/** The signed-in staff member (`GET /admin/me`: actor, adminId, roles, attester, boundSigner), or null. */
let staffRefusal = null;
export function currentStaff() {
  staff ??= api('/admin/me').catch((error) => {
    if (error instanceof ApiProblem && (error.status === 401 || error.status === 403)) {
      staffRefusal = error.code ?? null;
      return null;
    }
    throw error;
  });
  return staff;
}

/** Why {@link currentStaff} answered null: `KYC_STAFF_FORBIDDEN` (signed in without the role) or a 401 code. */
export function staffRefusalCode() {
  return staffRefusal;
}

async function initAdminNav() {
  const me = await currentStaff().catch(() => null);
  for (const node of document.querySelectorAll('[data-when]')) {
    node.hidden = (node.dataset.when === 'signed-in') !== Boolean(me);
  }
  document.body.dataset.signedIn = me ? 'true' : 'false';
  const nav = document.getElementById('nav-balance');
  if (nav && me) nav.textContent = me.adminId;
}

const pending = [];
/**
 * Tells the page is rendered once `promise` settles: `<body data-ready>` turns `true` when the
 * navigation and every promise given here (during the modules' evaluation) have settled.
 */
export function whenReady(promise) {
  pending.push(Promise.resolve(promise).catch(() => undefined));
}

markCurrentLink();
whenReady(document.body.dataset.area === 'admin' ? initAdminNav() : initPlayerNav());
document.addEventListener('DOMContentLoaded', () => {
  void Promise.allSettled(pending).then(() => {
    document.body.dataset.ready = 'true';
  });
});
