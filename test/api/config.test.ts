import { ApiConfigError, loadApiConfig } from '../../api/config.js';
import { processEnv } from './support/process-env.js';

const base = () =>
  processEnv({
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
    rpcUrl: 'http://127.0.0.1:8545',
    oracleAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  });

describe('loadApiConfig: api, kyc and oracle sections validated once', () => {
  it('reads a complete environment, with the defaults', () => {
    const config = loadApiConfig(base(), 'api');
    expect(config.chain.chainId).toBe(31337n);
    expect(config.kyc?.providers.length).toBeGreaterThan(0);
    expect(config.rateLimits).toEqual({
      perIp: { limit: 600, windowSeconds: 60 },
      perAccount: { limit: 300, windowSeconds: 60 },
    });
    expect(config.settler.cursorName).toBe('settler:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3');
    expect(config.settler.idempotencyRetentionHours).toBe(72);
    expect(config.betGroupCommit).toBeUndefined();
    expect(loadApiConfig({ ...base(), API_BET_GROUP_COMMIT: '64x4' }, 'api').betGroupCommit).toEqual({
      maxGroup: 64,
      connections: 4,
    });
  });

  it('lists every invalid variable of every section in one error, by name, never the value', () => {
    const env = {
      ...base(),
      PAYMENTS_WEBHOOK_SECRET: 'short-secret-value',
      API_RATE_LIMIT_IP: 'lots',
      API_PORT: '99999',
      ORACLE_ADDRESS: 'not-an-address',
      KYC_ENCRYPTION_KEYS: undefined,
      FRANCECONNECT_CLIENT_SECRET: undefined,
    };
    let error: unknown;
    try {
      loadApiConfig(env, 'api');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiConfigError);
    const problems = (error as ApiConfigError).problems.join('\n');
    for (const name of [
      'PAYMENTS_WEBHOOK_SECRET',
      'API_RATE_LIMIT_IP',
      'API_PORT',
      'ORACLE_ADDRESS',
      'KYC_ENCRYPTION_KEYS',
      'FRANCECONNECT_CLIENT_SECRET',
    ]) {
      expect(problems).toContain(name);
    }
    expect((error as Error).message).not.toContain('short-secret-value');
  });

  it('the settler role needs no kyc section; production needs Redis', () => {
    const env = { ...base(), KYC_ENCRYPTION_KEYS: undefined };
    expect(loadApiConfig(env, 'settler').kyc).toBeUndefined();
    expect(() => loadApiConfig({ ...base(), NODE_ENV: 'production' }, 'settler')).toThrow(/REDIS_URL/);
  });
});
