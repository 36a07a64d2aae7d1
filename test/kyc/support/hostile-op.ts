import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** An adult identity with every pivot claim, born abroad (no birthplace needed). */
export const HOSTILE_DEFAULT_CLAIMS: Readonly<Record<string, unknown>> = {
  given_name: 'Eve',
  family_name: 'MALLORY',
  birthdate: '1985-06-15',
  gender: 'female',
  birthplace: '',
  birthcountry: '99134',
};

/** What the provider does for the next login. Every field is optional; unset = a well-formed response. */
export interface HostileScenario {
  /** Identity claims of the userinfo response (merged over {@link HOSTILE_DEFAULT_CLAIMS}). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Seconds added to the ID token's `iat` (a provider whose clock runs ahead, or that lies). */
  readonly iatOffsetSeconds?: number;
  /** Edits the ID token claims just before signing. */
  readonly editIdToken?: (claims: Record<string, unknown>) => Record<string, unknown>;
  /** Edits the userinfo claims just before signing. */
  readonly editUserinfo?: (claims: Record<string, unknown>) => Record<string, unknown>;
  /** kid of the key to sign with (default: the first published key); may be a key not (yet) published. */
  readonly signingKid?: string;
  /** kid of the key the userinfo JWT is signed with (default: {@link signingKid}). */
  readonly userinfoSigningKid?: string;
}

/** A signing key the provider holds, published on its JWKS or not. */
interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  published: boolean;
}

/**
 * A minimal OpenID provider that signs whatever the test tells it to (ES256 ID token and userinfo
 * JWT), on loopback: discovery, JWKS, authorize (answers at once with code, state and iss), token,
 * userinfo. It checks nothing a real provider would (client secret, PKCE): it exists to send the
 * relying party responses our well-behaved local provider cannot.
 */
export class HostileOp {
  private readonly server: Server = createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  private readonly keys: SigningKey[] = [];
  private readonly codes = new Map<
    string,
    { nonce: string; clientId: string; scenario: HostileScenario; sub: string }
  >();
  private readonly tokens = new Map<string, { sub: string; scenario: HostileScenario }>();
  private next: HostileScenario = {};
  issuer = '';
  /** Requests served per path (e.g. how often the JWKS was fetched). */
  readonly hits = new Map<string, number>();

  static async start(): Promise<HostileOp> {
    const op = new HostileOp();
    await op.addKey('hostile-1', true);
    op.server.listen(0, '127.0.0.1');
    await once(op.server, 'listening');
    op.issuer = `http://127.0.0.1:${(op.server.address() as AddressInfo).port}`;
    return op;
  }

  /** The scenario of the next authorize request (each login takes the scenario current at its start). */
  scenario(next: HostileScenario): void {
    this.next = next;
  }

  /** Generates a signing key; `published` = served on the JWKS. */
  async addKey(kid: string, published: boolean): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.keys.push({
      kid,
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      published,
    });
  }

  /** Starts serving a key on the JWKS (key rotation at the provider). */
  publish(kid: string): void {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no key ${kid}`);
    key.published = true;
  }

  /** The provider entry for `KYC_OIDC_PROVIDERS`. */
  providerConfig(appBase: string, id = 'hostile'): Record<string, unknown> {
    return {
      id,
      issuer: this.issuer,
      clientId: 'hostile-client',
      clientSecret: 'hostile-client-secret-0123456789',
      redirectUri: `${appBase}/auth/${id}/callback`,
      scopes: ['openid', 'profile', 'birth'],
      idTokenAlg: 'ES256',
      userinfoAlg: 'ES256',
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private key(kid: string | undefined): SigningKey {
    const key = kid ? this.keys.find((k) => k.kid === kid) : this.keys.find((k) => k.published);
    if (!key) throw new Error(`no signing key ${kid ?? '(published)'}`);
    return key;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    this.hits.set(url.pathname, (this.hits.get(url.pathname) ?? 0) + 1);
    const json = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          userinfo_signing_alg_values_supported: ['ES256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
        });
      case '/jwks':
        return json(200, { keys: this.keys.filter((k) => k.published).map((k) => k.publicJwk) });
      case '/authorize': {
        const q = url.searchParams;
        const code = randomBytes(16).toString('base64url');
        this.codes.set(code, {
          nonce: q.get('nonce') ?? '',
          clientId: q.get('client_id') ?? '',
          scenario: this.next,
          sub: `sub-${randomBytes(8).toString('hex')}`,
        });
        const back = new URL(q.get('redirect_uri')!);
        back.search = new URLSearchParams({ code, state: q.get('state') ?? '', iss: this.issuer }).toString();
        res.writeHead(303, { location: back.href });
        return void res.end();
      }
      case '/token': {
        const body = new URLSearchParams(await readBody(req));
        const grant = this.codes.get(body.get('code') ?? '');
        if (!grant) return json(400, { error: 'invalid_grant' });
        this.codes.delete(body.get('code')!);
        const accessToken = randomBytes(16).toString('base64url');
        this.tokens.set(accessToken, { sub: grant.sub, scenario: grant.scenario });
        const now = Math.floor(Date.now() / 1000);
        const claims: Record<string, unknown> = {
          iss: this.issuer,
          sub: grant.sub,
          aud: grant.clientId,
          iat: now + (grant.scenario.iatOffsetSeconds ?? 0),
          exp: now + 60 + Math.max(0, grant.scenario.iatOffsetSeconds ?? 0),
          nonce: grant.nonce,
          auth_time: now,
        };
        const idToken = await this.sign(grant.scenario.editIdToken?.(claims) ?? claims, grant.scenario.signingKid);
        return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 60, id_token: idToken });
      }
      case '/userinfo': {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const grant = token ? this.tokens.get(token) : undefined;
        if (!grant) return json(401, { error: 'invalid_token' });
        const claims: Record<string, unknown> = {
          ...HOSTILE_DEFAULT_CLAIMS,
          ...grant.scenario.claims,
          sub: grant.sub,
          iss: this.issuer,
          aud: 'hostile-client',
        };
        const signed = await this.sign(
          grant.scenario.editUserinfo?.(claims) ?? claims,
          grant.scenario.userinfoSigningKid ?? grant.scenario.signingKid,
        );
        return json(200, signed, 'application/jwt');
      }
      default:
        return json(404, { error: 'not_found' });
    }
  }

  private sign(claims: Record<string, unknown>, kid: string | undefined): Promise<string> {
    const key = this.key(kid);
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
