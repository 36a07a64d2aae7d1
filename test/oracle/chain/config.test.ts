import { loadOracleConfig, OracleConfigError } from '../../../oracle/config.js';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/verdict',
  ORACLE_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
};

describe('loadOracleConfig', () => {
  it('reads RPC URLs with their chain id and applies defaults', () => {
    const config = loadOracleConfig({
      ...base,
      ORACLE_RPC_URLS: 'http://127.0.0.1:8545, http://127.0.0.1:8546',
      ORACLE_CHAIN_ID: '31337',
      RELAYER_PRIVATE_KEY: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
    });
    expect(config.chain.provider).toEqual({ kind: 'rpc', urls: ['http://127.0.0.1:8545', 'http://127.0.0.1:8546'] });
    expect(config.chain.chainId).toBe(31337n);
    expect(config.relayer.key.kind).toBe('development');
    expect(config.relayer.maxFeePerGas).toBe(200_000_000_000n);
  });

  it('reads an Infura key and network (chain id from the network)', () => {
    const config = loadOracleConfig({
      ...base,
      ORACLE_INFURA_API_KEY: '0123456789abcdef0123456789abcdef',
      ORACLE_INFURA_NETWORK: 'sepolia',
    });
    expect(config.chain.provider.kind).toBe('infura');
    expect(config.chain.chainId).toBe(11155111n);
  });

  it('lists every problem at once, naming the variables', () => {
    let error: unknown;
    try {
      loadOracleConfig({ ORACLE_ADDRESS: 'nope', RELAYER_CONFIRMATIONS: 'x', ORACLE_INFURA_NETWORK: 'sepolia' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OracleConfigError);
    const message = (error as Error).message;
    for (const name of ['DATABASE_URL', 'ORACLE_ADDRESS', 'RELAYER_CONFIRMATIONS', 'ORACLE_INFURA_API_KEY']) {
      expect(message).toContain(name);
    }
  });

  it('refuses a plaintext key that is not a development account, and any plaintext key in production', () => {
    expect(() =>
      loadOracleConfig({
        ...base,
        ORACLE_RPC_URLS: 'http://127.0.0.1:8545',
        ORACLE_CHAIN_ID: '31337',
        RELAYER_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
      }),
    ).toThrow(/RELAYER_PRIVATE_KEY/);
    expect(() =>
      loadOracleConfig({
        ...base,
        NODE_ENV: 'production',
        ORACLE_RPC_URLS: 'http://127.0.0.1:8545',
        ORACLE_CHAIN_ID: '31337',
        RELAYER_PRIVATE_KEY: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
      }),
    ).toThrow(/plaintext keys are refused in production[\s\S]*loopback RPC URL is refused/);
  });
});
