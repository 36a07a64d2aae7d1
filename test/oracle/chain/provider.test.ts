import { FallbackProvider, JsonRpcProvider } from 'ethers';
import { createProvider } from '../../../oracle/chain/provider.js';
import type { ChainConfig } from '../../../oracle/config.js';

const common = {
  timeoutMs: 1_234,
  stallTimeoutMs: 500,
  retries: 1,
  breakerFailures: 1,
  breakerHalfOpenMs: 1_000,
  oracleAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  deploymentBlock: 0,
};

describe('createProvider (no network access)', () => {
  it('Infura: the URL of ethers InfuraProvider for the network, the static chain id and the timeout', async () => {
    const config: ChainConfig = {
      ...common,
      provider: { kind: 'infura', network: 'sepolia', apiKey: '0123456789abcdef0123456789abcdef' },
      chainId: 11155111n,
    };
    const provider = createProvider(config) as JsonRpcProvider;
    try {
      expect(provider).toBeInstanceOf(JsonRpcProvider);
      const connection = provider._getConnection();
      expect(connection.url).toBe('https://sepolia.infura.io/v3/0123456789abcdef0123456789abcdef');
      expect(connection.timeout).toBe(1_234);
      expect((await provider.getNetwork()).chainId).toBe(11155111n); // static: no request made
    } finally {
      provider.destroy();
    }
  });

  it('one RPC URL → JsonRpcProvider; several → FallbackProvider in priority order', () => {
    const one = createProvider({ ...common, provider: { kind: 'rpc', urls: ['http://127.0.0.1:1'] }, chainId: 31337n });
    const many = createProvider({
      ...common,
      provider: { kind: 'rpc', urls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] },
      chainId: 31337n,
    });
    try {
      expect(one).toBeInstanceOf(JsonRpcProvider);
      expect(many).toBeInstanceOf(FallbackProvider);
      const configs = (many as FallbackProvider).providerConfigs;
      expect(configs.map((c) => c.priority)).toEqual([1, 2]);
      expect(configs.map((c) => c.stallTimeout)).toEqual([500, 500]);
    } finally {
      one.destroy();
      many.destroy();
    }
  });

  it('refuses an Infura network that is not the configured chain', () => {
    expect(() =>
      createProvider({
        ...common,
        provider: { kind: 'infura', network: 'mainnet', apiKey: 'k'.repeat(32) },
        chainId: 5n,
      }),
    ).toThrow(/not chain 5/);
  });
});
