import { createPublicKey, type JsonWebKey, webcrypto } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import type { EncryptionAlg, OidcProviderConfig, PrivateJwk, ResponseEncryption } from '../config.js';
import { KycError } from '../errors.js';

/** What the callback needs to verify a response: the single-use values sent on the authorize request. */
export interface AuthorizationChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string | undefined;
}

/** Verified output of the token exchange and userinfo call. Tokens never leave the kyc module. */
export interface VerifiedLogin {
  /** Raw ID token, kept in Redis only for logout (`id_token_hint`). */
  readonly idToken: string;
  readonly idTokenClaims: client.IDToken;
  readonly userinfo: Readonly<Record<string, unknown>>;
}

export interface ProviderClientOptions {
  readonly clockToleranceSeconds: number;
  readonly httpTimeoutSeconds: number;
  readonly allowInsecureHttp: boolean;
}

/** A JWKS as openid-client caches it (`uat`: epoch seconds of the download). */
type JwksCache = client.ExportedJWKSCache;

/**
 * Shortest interval between two JWKS fetches this client forces because a response names a `kid`
 * it has not seen (openid-client alone refetches only once its copy is 60 s old, and every 5 min).
 */
export const JWKS_UNKNOWN_KID_REFETCH_SECONDS = 10;

/**
 * One configured OpenID Connect provider, driven with openid-client functions rather than the
 * passport Strategy so that FranceConnect gets exactly its whitelisted authorize parameters.
 * Discovery is lazy and memoised: a provider that is down at start-up does not stop the API; the
 * first login after it comes back discovers it. A failed discovery is retried on the next request.
 *
 * JWKS: each verification runs on a Configuration of its own seeded with the provider's last JWKS,
 * so that a response signed with a newly published key can be checked against a fresh copy: when
 * the token or userinfo response names an unknown `kid`, the JWKS is fetched again before the
 * signature is verified (at most once per {@link JWKS_UNKNOWN_KID_REFETCH_SECONDS}; concurrent
 * logins share one fetch). Only the provider's own back-channel responses can name a kid (the
 * browser brings back a code, never a token), so nobody else can make the client fetch at will.
 */
export class ProviderClient {
  private discovered: Promise<client.Configuration> | undefined;
  private decryptionKeys: Promise<client.DecryptionKey[]> | undefined;
  /** How verification Configurations are built (set by discovery). */
  private recipe:
    | {
        readonly metadata: Partial<client.ClientMetadata>;
        readonly clientAuth: client.ClientAuth;
        readonly execute: readonly ((config: client.Configuration) => void)[];
      }
    | undefined;
  private jwks: JwksCache | undefined;
  private jwksRefresh: Promise<void> | undefined;
  private lastForcedRefresh = Number.NEGATIVE_INFINITY;

  constructor(
    readonly config: OidcProviderConfig,
    private readonly options: ProviderClientOptions,
  ) {}

  /** @throws {KycError} KYC_IDP_UNAVAILABLE when discovery fails. */
  async configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover();
    try {
      return await this.discovered;
    } catch (error) {
      this.discovered = undefined;
      throw error;
    }
  }

  private async discover(): Promise<client.Configuration> {
    const c = this.config;
    const auth = c.clientAuth;
    const metadata: Partial<client.ClientMetadata> = {
      ...(auth.method === 'client_secret_post' ? { client_secret: auth.secret } : {}),
      token_endpoint_auth_method: auth.method,
      id_token_signed_response_alg: c.idTokenAlg,
      ...(c.userinfoAlg ? { userinfo_signed_response_alg: c.userinfoAlg } : {}),
      ...(c.responseEncryption
        ? {
            id_token_encrypted_response_alg: c.responseEncryption.alg,
            id_token_encrypted_response_enc: c.responseEncryption.enc,
            ...(c.userinfoAlg
              ? {
                  userinfo_encrypted_response_alg: c.responseEncryption.alg,
                  userinfo_encrypted_response_enc: c.responseEncryption.enc,
                }
              : {}),
          }
        : {}),
      [client.clockTolerance]: this.options.clockToleranceSeconds,
    };
    const execute: ((config: client.Configuration) => void)[] = [client.enableNonRepudiationChecks];
    // Loopback test/local providers only; loadKycConfig refuses KYC_ALLOW_INSECURE_HTTP in production.
    if (this.options.allowInsecureHttp) execute.push(client.allowInsecureRequests);
    const encryption = c.responseEncryption;
    if (encryption) {
      const keys = await this.keys(encryption);
      // Decrypts JWE ID tokens and userinfo; the inner JWS is then verified with the pinned alg.
      // openid-client still accepts a plain JWS: verifyCallback and the userinfo fetch refuse it.
      execute.push((config) => client.enableDecryptingResponses(config, [encryption.enc], ...keys));
    }
    const clientAuth =
      auth.method === 'client_secret_post'
        ? client.ClientSecretPost(auth.secret)
        : client.PrivateKeyJwt(await importPrivateJwk(auth.privateJwk));
    try {
      const configuration = await client.discovery(c.issuer, c.clientId, metadata, clientAuth, {
        execute,
        timeout: this.options.httpTimeoutSeconds,
      });
      configuration.timeout = this.options.httpTimeoutSeconds;
      this.recipe = { metadata, clientAuth, execute };
      return configuration;
    } catch (error) {
      throw new KycError('KYC_IDP_UNAVAILABLE', 'The identity provider cannot be reached. Please try again later.', {
        cause: error,
      });
    }
  }

  /**
   * A Configuration for one verification step: the discovered metadata, a JWKS cache of its own
   * seeded with the provider's last copy, and the fetch that looks at kids before verification.
   */
  private async verifier(): Promise<client.Configuration> {
    const template = await this.configuration();
    const recipe = this.recipe!;
    const config = new client.Configuration(
      template.serverMetadata(),
      this.config.clientId,
      recipe.metadata,
      recipe.clientAuth,
    );
    for (const apply of recipe.execute) apply(config);
    config.timeout = this.options.httpTimeoutSeconds;
    config[client.customFetch] = this.verifyingFetch(config);
    if (this.jwks) client.setJwksCache(config, this.jwks);
    return config;
  }

  /** Keeps the newest JWKS a verification downloaded, for the next ones. */
  private keepJwks(config: client.Configuration): void {
    const cache = client.getJwksCache(config);
    if (cache?.jwks && (!this.jwks || cache.uat > this.jwks.uat)) this.jwks = structuredClone(cache);
  }

  /**
   * The fetch of a verification Configuration: on the token and userinfo responses, reads the `kid`
   * of the JWT (inside the JWE for FranceConnect+) and refreshes the JWKS first when it is unknown;
   * refuses a userinfo JWT that is not a JWE when encryption is required (openid-client accepts a
   * plain JWS even with decryption enabled; the refusal surfaces as KYC_RESPONSE_INVALID).
   */
  private verifyingFetch(config: client.Configuration): client.CustomFetch {
    const metadata = config.serverMetadata();
    const token = metadata.token_endpoint && new URL(metadata.token_endpoint).href;
    const userinfo = metadata.userinfo_endpoint && new URL(metadata.userinfo_endpoint).href;
    const encryption = this.config.responseEncryption;
    return async (url, options) => {
      const response = await fetch(url, options);
      const href = new URL(url).href;
      if (response.status !== 200 || (href !== token && href !== userinfo)) return response;
      let jwt: string | undefined;
      if (href === token) {
        const body = (await response
          .clone()
          .json()
          .catch(() => undefined)) as { id_token?: unknown } | undefined;
        jwt = typeof body?.id_token === 'string' ? body.id_token : undefined;
      } else if (this.config.userinfoAlg) {
        jwt = (await response.clone().text()).trim();
        if (encryption && !isJwe(jwt)) {
          throw new KycError(
            'KYC_RESPONSE_INVALID',
            'The identity provider sent an invalid response (the userinfo is not encrypted).',
          );
        }
      }
      // Without a copy yet, openid-client downloads the JWKS itself: nothing to refresh.
      const kid = jwt === undefined || !this.jwks ? undefined : await this.kidOf(jwt);
      if (kid !== undefined && this.jwks && !this.jwks.jwks.keys.some((k) => k.kid === kid)) {
        await this.refreshJwks(metadata.jwks_uri);
        const live = client.getJwksCache(config);
        if (live && this.jwks) Object.assign(live, structuredClone(this.jwks));
      }
      return response;
    };
  }

  /** The `kid` of a JWS, or of the JWS inside a JWE (decrypted with our keys); undefined when unreadable. */
  private async kidOf(jwt: string): Promise<string | undefined> {
    try {
      const encryption = this.config.responseEncryption;
      const jws = encryption && isJwe(jwt) ? await this.innerJws(jwt, encryption) : jwt;
      const { kid } = decodeProtectedHeader(jws);
      return typeof kid === 'string' ? kid : undefined;
    } catch {
      return undefined; // openid-client reports the malformed response itself
    }
  }

  /** Fetches the provider's JWKS again (shared by concurrent logins; at most once per interval). */
  private refreshJwks(jwksUri: string | undefined): Promise<void> {
    if (this.jwksRefresh) return this.jwksRefresh;
    const now = Date.now() / 1000;
    if (!jwksUri || now - this.lastForcedRefresh < JWKS_UNKNOWN_KID_REFETCH_SECONDS) return Promise.resolve();
    this.lastForcedRefresh = now;
    this.jwksRefresh = (async () => {
      try {
        const response = await fetch(jwksUri, {
          headers: { accept: 'application/json, application/jwk-set+json' },
          signal: AbortSignal.timeout(this.options.httpTimeoutSeconds * 1000),
        });
        const body = (await response.json()) as { keys?: unknown };
        if (response.status === 200 && Array.isArray(body.keys) && body.keys.every((k) => typeof k === 'object' && k)) {
          this.jwks = { jwks: { keys: body.keys as client.JWK[] }, uat: Math.floor(Date.now() / 1000) };
        }
      } catch {
        // Unreachable JWKS: the verification fails on the unknown kid, as it would have.
      } finally {
        this.jwksRefresh = undefined;
      }
    })();
    return this.jwksRefresh;
  }

  /**
   * The authorize URL. FranceConnect profile: exactly `response_type, client_id, redirect_uri, scope,
   * state, nonce, acr_values` (its whitelist rejects anything else, PKCE included).
   */
  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const configuration = await this.configuration();
    const c = this.config;
    const params: Record<string, string> = {
      redirect_uri: c.redirectUri.href,
      scope: c.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
    };
    if (c.acrValues) params.acr_values = c.acrValues;
    if (c.pkce) {
      if (!checks.codeVerifier) throw new TypeError(`provider ${c.id} uses PKCE: a code verifier is required`);
      params.code_challenge = await client.calculatePKCECodeChallenge(checks.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    return client.buildAuthorizationUrl(configuration, params);
  }

  /**
   * Validates the callback (iss per RFC 9207, state, error responses), exchanges the code, validates
   * the ID token (signature, pinned alg, iss, aud, exp/iat with tolerance, nonce) and fetches the
   * userinfo (JWT signature verified, `sub` equal to the ID token's). acr is checked by the caller.
   *
   * @param callbackUrl - the registered redirect URI with the query the browser brought back.
   * @throws {KycError} KYC_LOGIN_CANCELLED, KYC_PROVIDER_ERROR, KYC_RESPONSE_INVALID, KYC_CODE_REJECTED, KYC_IDP_UNAVAILABLE
   */
  async verifyCallback(callbackUrl: URL, checks: AuthorizationChecks): Promise<VerifiedLogin> {
    const grant = await this.verifier();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(grant, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
        ...(checks.codeVerifier ? { pkceCodeVerifier: checks.codeVerifier } : {}),
      });
    } catch (error) {
      throw toKycError(error, 'the authorization response or ID token');
    } finally {
      this.keepJwks(grant);
    }
    const claims = tokens.claims();
    if (!tokens.id_token || !claims) {
      throw new KycError('KYC_RESPONSE_INVALID', 'The identity provider returned no ID token.');
    }
    // openid-client checks exp and nbf against the tolerance, but only the type of iat.
    this.refuseFutureIat(claims.iat, 'the ID token');
    let idToken = tokens.id_token;
    const encryption = this.config.responseEncryption;
    if (encryption) {
      if (!isJwe(idToken)) {
        throw new KycError(
          'KYC_RESPONSE_INVALID',
          'The identity provider sent an invalid response (the ID token is not encrypted).',
        );
      }
      // Kept for logout: an id_token_hint is the signed (inner) ID token, per RP-Initiated Logout 1.0.
      idToken = await this.innerJws(idToken, encryption);
    }
    let userinfo: client.UserInfoResponse;
    // A Configuration of its own again: its JWKS can still be refreshed for the userinfo's kid.
    const info = await this.verifier();
    try {
      userinfo = await client.fetchUserInfo(info, tokens.access_token, claims.sub);
    } catch (error) {
      throw toKycError(error, 'the userinfo response');
    } finally {
      this.keepJwks(info);
    }
    // openid-client already compares it; kept as an explicit, local guarantee of the rule.
    if (userinfo.sub !== claims.sub) {
      throw new KycError('KYC_RESPONSE_INVALID', 'The userinfo response does not describe the signed-in person.');
    }
    this.refuseFutureIat(userinfo.iat, 'the userinfo response');
    return { idToken, idTokenClaims: claims, userinfo };
  }

  /** A token issued later than now + the clock tolerance is refused (a provider's clock or a lie). */
  private refuseFutureIat(iat: unknown, what: string): void {
    if (iat === undefined) return;
    const now = Math.floor(Date.now() / 1000);
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + this.options.clockToleranceSeconds) {
      throw new KycError(
        'KYC_RESPONSE_INVALID',
        `The identity provider sent an invalid response (${what} is not yet valid).`,
      );
    }
  }

  private keys(encryption: ResponseEncryption): Promise<client.DecryptionKey[]> {
    this.decryptionKeys ??= Promise.all(encryption.keys.map((k) => importDecryptionJwk(k, encryption.alg)));
    return this.decryptionKeys;
  }

  /** Decrypts an already verified JWE ID token again, to keep its inner JWS (the claims are openid-client's). */
  private async innerJws(jwe: string, encryption: ResponseEncryption): Promise<string> {
    const keys = await this.keys(encryption);
    try {
      const { plaintext } = await compactDecrypt(
        jwe,
        (header) => {
          const key = keys.find((k) => k.kid === header.kid) ?? keys[0];
          return key!.key;
        },
        { keyManagementAlgorithms: [encryption.alg], contentEncryptionAlgorithms: [encryption.enc] },
      );
      return new TextDecoder().decode(plaintext);
    } catch (error) {
      throw toKycError(error, 'the ID token encryption');
    }
  }

  /** RP-initiated logout URL, or null when the provider has no end-session endpoint or no registered return URI. */
  async endSessionUrl(idTokenHint: string, state: string): Promise<URL | null> {
    const post = this.config.postLogoutRedirectUri;
    if (!post) return null;
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(configuration, {
      id_token_hint: idTokenHint,
      state,
      post_logout_redirect_uri: post.href,
    });
  }
}

/** A public JWK as served on the JWKS route. */
export type PublicJwk = Readonly<Record<string, unknown>> & { readonly kid: string };

/**
 * Public halves of the decryption keys: re-exported from a public KeyObject so no private member
 * (`d`, `p`, `q`, `dp`, `dq`, `qi`) can leak, with `kid`, `use: enc` and `alg`.
 */
export function publicEncryptionJwks(encryption: ResponseEncryption): PublicJwk[] {
  return encryption.keys.map((k) => ({
    ...createPublicKey({ key: k as unknown as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' }),
    kid: k.kid!,
    use: 'enc',
    alg: encryption.alg,
  }));
}

/** Imports a private JWK for JWE decryption (RSA-OAEP[-256] or ECDH-ES on P-256). */
export async function importDecryptionJwk(jwk: PrivateJwk, alg: EncryptionAlg): Promise<client.DecryptionKey> {
  const algorithm =
    alg === 'ECDH-ES'
      ? { name: 'ECDH', namedCurve: 'P-256' }
      : { name: 'RSA-OAEP', hash: alg === 'RSA-OAEP' ? 'SHA-1' : 'SHA-256' };
  const { alg: _ignored, key_ops: _ops, use: _use, ...material } = jwk as Record<string, unknown>;
  const key = await webcrypto.subtle.importKey(
    'jwk',
    material as webcrypto.JsonWebKey,
    algorithm,
    false,
    alg === 'ECDH-ES' ? ['deriveBits'] : ['decrypt', 'unwrapKey'],
  );
  return { key, alg, ...(jwk.kid ? { kid: jwk.kid } : {}) };
}

const isJwe = (token: string) => token.split('.').length === 5;

/** Imports a private JWK for `private_key_jwt` (ES256 on P-256, or RS256). */
export async function importPrivateJwk(jwk: PrivateJwk): Promise<client.PrivateKey> {
  const algorithm =
    jwk.kty === 'EC' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, algorithm, false, ['sign']);
  return { key, ...(jwk.kid ? { kid: jwk.kid } : {}) };
}

const unavailable = 'The identity provider cannot be reached. Please try again later.';

/**
 * Wraps openid-client failures once, at the boundary, into stable codes; the original stays as
 * `cause` (never sent to the client, never logged with its payload).
 */
export function toKycError(error: unknown, what: string): KycError {
  if (error instanceof KycError) return error;
  if (error instanceof Error && error.cause instanceof KycError) return error.cause;
  if (error instanceof client.AuthorizationResponseError) {
    if (error.error === 'access_denied') {
      return new KycError('KYC_LOGIN_CANCELLED', 'You cancelled the sign-in at the identity provider.', {
        cause: error,
      });
    }
    return new KycError(
      'KYC_PROVIDER_ERROR',
      'The identity provider could not complete the sign-in. Please try again later.',
      { cause: error },
    );
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.status >= 500) return new KycError('KYC_IDP_UNAVAILABLE', unavailable, { cause: error });
    if (error.error === 'invalid_grant') {
      return new KycError(
        'KYC_CODE_REJECTED',
        'This sign-in link was already used or has expired. Please sign in again.',
        {
          cause: error,
        },
      );
    }
    return new KycError('KYC_PROVIDER_ERROR', 'The identity provider refused the sign-in.', { cause: error });
  }
  if (isNetworkError(error)) return new KycError('KYC_IDP_UNAVAILABLE', unavailable, { cause: error });
  if (error instanceof client.ClientError && error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    return new KycError('KYC_IDP_UNAVAILABLE', unavailable, { cause: error });
  }
  return new KycError('KYC_RESPONSE_INVALID', `The identity provider sent an invalid response (${what}).`, {
    cause: error,
  });
}

function isNetworkError(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    // Duck-typed, not instanceof: undici's errors may come from another realm (vm contexts, jest).
    const { name, message, code, cause } = e as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (name === 'TypeError' && message === 'fetch failed') return true;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|UND_ERR_)/.test(code)) {
      return true;
    }
    e = cause;
  }
  return false;
}
