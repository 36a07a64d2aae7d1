import { StackConfigError, loadStackConfig } from '../../stack/stack-config.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadStackConfig(env, '/repo');
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadStackConfig: embedded defaults, real parts, production refusal', () => {
  it('with no variable every part is embedded, on the documented ports and folder', () => {
    const config = loadStackConfig({}, '/repo');
    expect(config.parts).toEqual({
      database: 'embedded',
      redis: 'embedded',
      chain: 'embedded',
      franceConnect: 'embedded',
      staff: 'embedded',
    });
    expect(config).toMatchObject({
      production: false,
      dataDir: '/repo/.data',
      port: 3000,
      chainPort: 8545,
      idpPort: 3999,
      disputeWindowSeconds: 120,
      publicUrl: 'http://localhost:3000',
      seed: true,
    });
  });

  it('each variable switches its own part to the real thing', () => {
    expect(loadStackConfig({ DATABASE_URL: 'postgres://db/verdict' }).parts.database).toBe('external');
    expect(loadStackConfig({ REDIS_URL: 'redis://cache' }).parts.redis).toBe('external');
    expect(
      loadStackConfig({ ORACLE_RPC_URLS: 'https://rpc.example', ORACLE_ADDRESS: '0x' + '1'.repeat(40) }).parts,
    ).toMatchObject({ chain: 'external', database: 'embedded' });
    expect(
      loadStackConfig({
        ORACLE_INFURA_API_KEY: 'k'.repeat(32),
        ORACLE_INFURA_NETWORK: 'sepolia',
        ORACLE_ADDRESS: '0x' + '1'.repeat(40),
      }).parts.chain,
    ).toBe('external');
    expect(loadStackConfig({ FRANCECONNECT_ISSUER: 'https://fc.example' }).parts).toMatchObject({
      franceConnect: 'external',
      staff: 'embedded',
    });
    expect(loadStackConfig({ STAFF_OIDC_ISSUER: 'https://sso.example' }).parts.staff).toBe('external');
  });

  it('a real chain without the oracle address is refused, naming ORACLE_ADDRESS', () => {
    expect(problemsOf({ ORACLE_RPC_URLS: 'https://rpc.example' })).toEqual([
      expect.stringMatching(/^ORACLE_ADDRESS: required/),
    ]);
  });

  it('NODE_ENV=production refuses every embedded default and development key, naming each variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
      'ORACLE_RPC_URLS',
      'ORACLE_ADDRESS',
      'FRANCECONNECT_ISSUER',
      'FRANCECONNECT_CLIENT_ID',
      'FRANCECONNECT_CLIENT_SECRET',
      'STAFF_OIDC_ISSUER',
      'STAFF_OIDC_CLIENT_ID',
      'STAFF_OIDC_CLIENT_SECRET',
      'KYC_IDENTITY_HMAC_KEY',
      'KYC_ENCRYPTION_KEYS',
      'KYC_ENCRYPTION_ACTIVE_KEY_ID',
      'KYC_SESSION_SECRETS',
      'RELAYER_KEYSTORE_PATH',
      'RELAYER_KEYSTORE_PASSWORD',
      'PAYMENTS_WEBHOOK_SECRET',
    ]);
    expect(problems[0]).toMatch(/NODE_ENV=production.*embedded PGlite/);
  });

  it('production with everything real but one variable names exactly that one; a dev key is refused', () => {
    const real = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/verdict',
      REDIS_URL: 'rediss://cache',
      ORACLE_INFURA_API_KEY: 'k'.repeat(32),
      ORACLE_INFURA_NETWORK: 'mainnet',
      ORACLE_ADDRESS: '0x' + '1'.repeat(40),
      FRANCECONNECT_ISSUER: 'https://oidc.franceconnect.gouv.fr/api/v2',
      FRANCECONNECT_CLIENT_ID: 'id',
      FRANCECONNECT_CLIENT_SECRET: 's',
      STAFF_OIDC_ISSUER: 'https://sso.example',
      STAFF_OIDC_CLIENT_ID: 'id',
      STAFF_OIDC_CLIENT_SECRET: 's',
      KYC_IDENTITY_HMAC_KEY: 'h',
      KYC_ENCRYPTION_KEYS: 'k1:x',
      KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k1',
      KYC_SESSION_SECRETS: 's',
      RELAYER_KEYSTORE_PATH: '/run/secrets/relayer.json',
      RELAYER_KEYSTORE_PASSWORD: 'p',
      PAYMENTS_WEBHOOK_SECRET: 'w',
    };
    expect(loadStackConfig(real).parts).toEqual({
      database: 'external',
      redis: 'external',
      chain: 'external',
      franceConnect: 'external',
      staff: 'external',
    });
    expect(loadStackConfig(real).seed).toBe(false);
    const { REDIS_URL: _omitted, ...withoutRedis } = real;
    void _omitted;
    expect(problemsOf(withoutRedis)).toEqual([expect.stringMatching(/^REDIS_URL: required with NODE_ENV=production/)]);
    expect(
      problemsOf({
        ...real,
        RELAYER_PRIVATE_KEY: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
      }),
    ).toEqual(['RELAYER_PRIVATE_KEY: a plaintext development key is refused with NODE_ENV=production']);
  });

  it('bad ports and windows are named', () => {
    expect(problemsOf({ PORT: 'http', LOCAL_DISPUTE_WINDOW_SECONDS: '5', LOCAL_BLOCK_INTERVAL_MS: '200' })).toEqual([
      'PORT: a port number (0-65535)',
      'LOCAL_DISPUTE_WINDOW_SECONDS: whole seconds from 60 to 2592000',
      'LOCAL_BLOCK_INTERVAL_MS: 0 (automine only) or at least 1000',
    ]);
  });
});
