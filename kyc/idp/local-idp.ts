import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Provider, {
  type AdapterPayload,
  type Configuration,
  type KoaContextWithOIDC,
  interactionPolicy,
} from 'oidc-provider';
import { memoryAdapterFactory } from './memory-adapter.js';
import { type StaffTestIdentity, type TestIdentity, staffTestIdentities, testIdentities } from './test-identities.js';

/** A client registered at the local provider. */
export interface LocalIdpClient {
  readonly clientId: string;
  /** client_secret_post secret; omit when `publicJwks` is given (private_key_jwt). */
  readonly clientSecret?: string;
  /** Public keys of a `private_key_jwt` client. */
  readonly publicJwks?: readonly Record<string, unknown>[];
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Default ES256 (FranceConnect's recommendation). */
  readonly idTokenAlg?: 'ES256' | 'RS256';
  /** Default ES256: userinfo as a signed JWT. `null` = plain JSON userinfo. */
  readonly userinfoAlg?: 'ES256' | 'RS256' | null;
  /**
   * FranceConnect+: encrypt the ID token and/or the userinfo JWT (JWE) to the client's keys, fetched
   * from `jwksUri` (like FC+) or given inline as `jwks` (public keys). Not with `publicJwks`.
   */
  readonly encryption?: {
    readonly alg: 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';
    readonly enc?: 'A256GCM' | 'A192GCM' | 'A128GCM';
    /** Default true. */
    readonly idToken?: boolean;
    /** Default true (needs a userinfoAlg: the JWE wraps the signed userinfo). */
    readonly userinfo?: boolean;
    readonly jwksUri?: string;
    readonly jwks?: readonly Record<string, unknown>[];
  };
  /** Enforce FranceConnect's authorize whitelist (no PKCE, state and nonce >= 22 chars, acr_values). */
  readonly franceConnectStrict?: boolean;
  /**
   * The staff sign-in client: its login page lists the staff identities (only them), its `sub` is
   * the staff account id (public subject type: the adminId), the `roles` scope carries the roles,
   * userinfo is plain JSON and the FranceConnect whitelist does not apply.
   */
  readonly staff?: boolean;
}

export interface LocalIdpOptions {
  readonly clients: readonly LocalIdpClient[];
  readonly identities?: readonly TestIdentity[];
  /** Staff identities of the staff clients' login page (default {@link staffTestIdentities}). */
  readonly staffIdentities?: readonly StaffTestIdentity[];
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  readonly acrValues?: readonly string[];
  /**
   * Salt of the pairwise subjects (default: random per start). A fixed one (the local stack's, kept in
   * its data folder) gives each person the same `sub` after a restart, as FranceConnect does.
   */
  readonly pairwiseSalt?: Uint8Array;
  /** Defaults to `process.env.NODE_ENV`: the provider refuses to start in production. */
  readonly nodeEnv?: string | undefined;
}

/** A running local FranceConnect-like provider. */
export interface LocalIdp {
  /** `http://host:port/api/v2`, like FranceConnect's issuers. */
  readonly issuer: string;
  readonly identities: readonly TestIdentity[];
  readonly staffIdentities: readonly StaffTestIdentity[];
  /** Authorize requests received (for asserting the exact parameters a client sends). */
  readonly authorizeRequests: URLSearchParams[];
  close(): Promise<void>;
}

/** Parameters FranceConnect's authorize endpoint accepts (core-fcp DTO, `forbidNonWhitelisted`). */
export const FRANCECONNECT_AUTHORIZE_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'acr_values',
  'state',
  'nonce',
  'prompt',
  'claims',
  'idp_hint',
  'ui_locales',
] as const;

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature =
    header.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${b64url(signature)}`;
}

function decodeJwt(jwt: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
} {
  const [h = '', p = '', s = ''] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
    signature: s,
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Starts a local OpenID Provider configured like FranceConnect v2 (oidc-provider, which FC runs):
 * issuer under `/api/v2`, FC's endpoint paths, acr eidas1, the `identite_pivot` claims, pairwise
 * `sub`, ES256 ID token and userinfo JWT, client_secret_post, RP-initiated logout, no refresh
 * tokens, 30 s codes and 60 s tokens. For tests and the local stack only: it refuses to start when
 * NODE_ENV is production. The login page lists the documented test identities; each may carry a
 * knob that makes the provider misbehave (see {@link TestIdentity}).
 *
 * @throws Error when NODE_ENV is production.
 */
export async function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  const nodeEnv = 'nodeEnv' in options ? options.nodeEnv : process.env.NODE_ENV;
  if (nodeEnv === 'production') {
    throw new Error('the local identity provider is a test tool and must not run with NODE_ENV=production');
  }
  const identities = options.identities ?? testIdentities();
  const byId = new Map(identities.map((i) => [i.id, i]));
  const staffIdentities = options.staffIdentities ?? staffTestIdentities();
  const staffById = new Map(staffIdentities.map((i) => [i.id, i]));
  const staffClients = new Set(options.clients.filter((c) => c.staff === true).map((c) => c.clientId));
  const host = options.host ?? '127.0.0.1';
  const app = express();
  const server: Server = app.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}/api/v2`;

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecKid = `es-${randomBytes(4).toString('hex')}`;
  const rsaKid = `rs-${randomBytes(4).toString('hex')}`;
  const pairwiseSalt = options.pairwiseSalt ?? randomBytes(16);
  const subToAccount = new Map<string, string>();
  const strictClients = new Set(
    options.clients.filter((c) => c.franceConnectStrict !== false && c.staff !== true).map((c) => c.clientId),
  );
  const authorizeRequests: URLSearchParams[] = [];

  const clients: AdapterPayload[] = options.clients.map((c) => {
    const e = c.encryption;
    if (e && c.publicJwks) throw new TypeError(`client ${c.clientId}: encryption and publicJwks are exclusive`);
    if (e && (e.jwksUri === undefined) === (e.jwks === undefined)) {
      throw new TypeError(`client ${c.clientId}: encryption needs exactly one of jwksUri or jwks`);
    }
    const enc = e?.enc ?? 'A256GCM';
    return {
      client_id: c.clientId,
      ...(c.clientSecret === undefined ? {} : { client_secret: c.clientSecret }),
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...(c.postLogoutRedirectUris ?? [])],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...(c.publicJwks
        ? { token_endpoint_auth_method: 'private_key_jwt' as const, jwks: { keys: [...c.publicJwks] } }
        : { token_endpoint_auth_method: 'client_secret_post' as const }),
      id_token_signed_response_alg: c.idTokenAlg ?? 'ES256',
      ...(c.userinfoAlg === null ? {} : { userinfo_signed_response_alg: c.userinfoAlg ?? 'ES256' }),
      ...(e?.jwksUri === undefined ? {} : { jwks_uri: e.jwksUri }),
      ...(e?.jwks === undefined ? {} : { jwks: { keys: [...e.jwks] } }),
      ...(e && e.idToken !== false
        ? { id_token_encrypted_response_alg: e.alg, id_token_encrypted_response_enc: enc }
        : {}),
      ...(e && e.userinfo !== false && c.userinfoAlg !== null
        ? { userinfo_encrypted_response_alg: e.alg, userinfo_encrypted_response_enc: enc }
        : {}),
      subject_type: c.staff === true ? 'public' : 'pairwise',
    };
  });
  // Staff and players share the provider's browser session: a session signed in as one kind of
  // identity asks for a new sign-in when a client of the other kind comes (instead of failing).
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('other_directory', 'sign in with an identity of this client', (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const forStaff = staffClients.has(ctx.oidc.client?.clientId ?? '');
      return (forStaff ? staffById.has(accountId) : byId.has(accountId))
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
    0,
  );
  const configuration: Configuration = {
    adapter: memoryAdapterFactory({ Client: clients }),
    jwks: {
      keys: [
        { ...ec.privateKey.export({ format: 'jwk' }), kid: ecKid, use: 'sig', alg: 'ES256' },
        { ...rsa.privateKey.export({ format: 'jwk' }), kid: rsaKid, use: 'sig', alg: 'RS256' },
      ],
    },
    acrValues: [...(options.acrValues ?? ['eidas1', 'eidas2', 'eidas3'])],
    claims: {
      openid: ['sub'],
      acr: null,
      amr: null,
      profile: ['name', 'given_name', 'given_name_array', 'family_name', 'birthdate', 'gender', 'preferred_username'],
      roles: ['roles'],
      birth: ['birthplace', 'birthcountry'],
      identite_pivot: [
        'given_name',
        'given_name_array',
        'family_name',
        'birthdate',
        'gender',
        'birthplace',
        'birthcountry',
      ],
      email: ['email'],
      idp_birthdate: ['idp_birthdate'],
    },
    scopes: ['openid', 'profile', 'birth', 'identite_pivot', 'email', 'idp_birthdate', 'roles'],
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier(_ctx, accountId, client) {
      const sub = `${createHmac('sha256', pairwiseSalt).update(`${client.clientId}\0${accountId}`).digest('hex')}v1`;
      subToAccount.set(sub, accountId);
      return sub;
    },
    findAccount(ctx, id) {
      // Each client sees its own directory only: staff clients the staff, the others the players.
      if (staffClients.has(ctx.oidc.client?.clientId ?? '')) {
        const staffMember = staffById.get(id);
        if (!staffMember) return undefined;
        return {
          accountId: id,
          claims: () => ({ sub: id, ...staffMember.claims, roles: [...staffMember.claims.roles] }),
        };
      }
      const identity = byId.get(id);
      if (!identity) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          ...identity.claims,
          given_name_array: identity.claims.given_name.split(' '),
        }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      // FranceConnect+ encrypts ID tokens and userinfo to the client's published keys.
      encryption: { enabled: true },
      claimsParameter: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // FranceConnect logs out without asking: the form submits itself.
        logoutSource(ctx, form) {
          ctx.body = `<!doctype html><html><head><title>Logout</title></head><body>${form.replace(
            '</form>',
            '<input type="hidden" name="logout" value="yes"/></form>',
          )}<script>document.forms[0].submit()</script></body></html>`;
        },
      },
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    routes: {
      authorization: '/authorize',
      token: '/token',
      userinfo: '/userinfo',
      jwks: '/jwks',
      end_session: '/session/end',
      revocation: '/token/revocation',
    },
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_post', 'private_key_jwt'],
    pkce: { required: () => false },
    extraParams: ['idp_hint'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { AuthorizationCode: 30, AccessToken: 60, IdToken: 60, Interaction: 1800, Session: 1800, Grant: 1800 },
    issueRefreshToken: () => false,
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html><body><h1>Error</h1><pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`;
    },
  };

  const provider = new Provider(issuer, configuration);

  // Knobs: re-shape responses for identities that must exercise a client check.
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.status !== 200 || !ctx.oidc) return;
    if (ctx.oidc.route === 'token') {
      const body = ctx.body as { id_token?: string } | undefined;
      // Knobs re-sign plain JWS only; encrypted (FranceConnect+) responses pass through.
      if (!body?.id_token || body.id_token.split('.').length !== 3) return;
      const { header, payload } = decodeJwt(body.id_token);
      const knob = byId.get(subToAccount.get(String(payload.sub)) ?? '')?.knob;
      const now = Math.floor(Date.now() / 1000);
      switch (knob) {
        case 'id-token-wrong-aud':
          body.id_token = signJwt(header, { ...payload, aud: 'another-client' }, ec.privateKey);
          break;
        case 'id-token-wrong-alg':
          body.id_token = signJwt({ ...header, alg: 'RS256', kid: rsaKid }, payload, rsa.privateKey);
          break;
        case 'id-token-expired':
          body.id_token = signJwt(header, { ...payload, iat: now - 180, exp: now - 120 }, ec.privateKey);
          break;
        case 'id-token-nonce-mismatch':
          body.id_token = signJwt(header, { ...payload, nonce: randomBytes(32).toString('base64url') }, ec.privateKey);
          break;
        default:
          return;
      }
    }
    if (ctx.oidc.route === 'userinfo' && typeof ctx.body === 'string' && ctx.body.split('.').length === 3) {
      const { header, payload, signature } = decodeJwt(ctx.body);
      const knob = byId.get(subToAccount.get(String(payload.sub)) ?? '')?.knob;
      if (knob === 'userinfo-tampered') {
        // Payload changed after signing: only a client that verifies the signature notices.
        ctx.body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify({ ...payload, birthdate: '1950-01-01' }))}.${signature}`;
      } else if (knob === 'userinfo-sub-mismatch') {
        ctx.body = signJwt(header, { ...payload, sub: `${'0'.repeat(64)}v1` }, ec.privateKey);
      }
    }
  });

  // FranceConnect's whitelist of authorize parameters, for clients registered as FranceConnect ones.
  app.get('/api/v2/authorize', (req, res, next) => {
    const params = new URL(req.originalUrl, issuer).searchParams;
    authorizeRequests.push(params);
    if (!strictClients.has(params.get('client_id') ?? '')) {
      next();
      return;
    }
    const unknown = [...params.keys()].filter(
      (k) => !(FRANCECONNECT_AUTHORIZE_PARAMS as readonly string[]).includes(k),
    );
    const short = ['state', 'nonce'].filter((k) => (params.get(k) ?? '').length < 22);
    if (unknown.length > 0 || short.length > 0 || !params.get('acr_values')) {
      res
        .status(400)
        .type('html')
        .send(
          `<h1>Y000400</h1><p>Invalid authorize parameters: ${escapeHtml([...unknown, ...short].join(', ') || 'acr_values')}</p>`,
        );
      return;
    }
    next();
  });

  app.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const forStaff = staffClients.has(String(details.params.client_id));
    const buttons = (forStaff ? staffIdentities : identities)
      .map(
        (i) =>
          `<li><button name="identity" value="${escapeHtml(i.id)}">${escapeHtml(i.id)}</button> ${escapeHtml(i.description)}</li>`,
      )
      .join('\n');
    const title = forStaff ? 'Local staff sign-in' : 'Local FranceConnect';
    res.type('html').send(`<!doctype html><html><head><title>${title}</title></head><body>
<h1>${title} (test identities)</h1>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login"><ul>${buttons}</ul></form>
<form method="post" action="/interaction/${escapeHtml(details.uid)}/abort"><button>Cancel</button></form>
</body></html>`);
  });

  app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id);
    const chosen = String((req.body as Record<string, unknown>).identity);
    if (staffClients.has(clientId)) {
      const member = staffById.get(chosen);
      if (!member) {
        res.status(400).send('unknown staff identity');
        return;
      }
      const staffGrant = new provider.Grant({ accountId: member.id, clientId });
      staffGrant.addOIDCScope(String(details.params.scope));
      const staffGrantId = await staffGrant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: member.id, amr: ['pwd'], remember: false }, consent: { grantId: staffGrantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const identity = byId.get(chosen);
    if (!identity) {
      res.status(400).send('unknown identity');
      return;
    }
    const grant = new provider.Grant({ accountId: identity.id, clientId });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    const acr = identity.acr === undefined ? 'eidas1' : identity.acr;
    await provider.interactionFinished(
      req,
      res,
      {
        login: { accountId: identity.id, ...(acr === null ? {} : { acr }), amr: ['pwd'], remember: false },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  });

  app.post('/interaction/:uid/abort', async (req, res) => {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'User auth aborted' },
      { mergeWithLastSubmission: false },
    );
  });

  app.use('/api/v2', provider.callback());

  return {
    issuer,
    identities,
    staffIdentities,
    authorizeRequests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
