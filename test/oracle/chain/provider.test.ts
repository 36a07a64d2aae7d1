import { JsonRpcProvider, makeError } from 'ethers';
import { FailoverProvider, createProvider } from '../../../oracle/chain/provider.js';
import { isTransientProviderError } from '../../../oracle/chain/resilience.js';
import { OracleError } from '../../../oracle/errors.js';
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

  it('one RPC URL → JsonRpcProvider; several → FailoverProvider in priority order, URLs redacted', () => {
    const one = createProvider({ ...common, provider: { kind: 'rpc', urls: ['http://127.0.0.1:1'] }, chainId: 31337n });
    const many = createProvider({
      ...common,
      provider: { kind: 'rpc', urls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] },
      chainId: 31337n,
    });
    try {
      expect(one).toBeInstanceOf(JsonRpcProvider);
      expect(many).toBeInstanceOf(FailoverProvider);
      const health = (many as FailoverProvider).health();
      expect(health.map((h) => [h.index, h.healthy, h.failures])).toEqual([
        [0, true, 0],
        [1, true, 0],
      ]);
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

  it('transient or not is decided on codes, never on message text', () => {
    // A node refusing a transaction: its message carries the raw transaction hex, which may contain "503".
    const refusal = makeError('could not coalesce error', 'UNKNOWN_ERROR', {
      error: { code: -32000, message: 'invalid transaction 0x02f8b0825039...503...' },
    });
    expect(isTransientProviderError(refusal)).toBe(false);
    expect(
      isTransientProviderError(makeError('x', 'UNKNOWN_ERROR', { error: { code: -32005, message: 'limit' } })),
    ).toBe(true);
    expect(isTransientProviderError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isTransientProviderError(makeError('request timeout', 'TIMEOUT'))).toBe(true);
    expect(isTransientProviderError(makeError('reverted', 'CALL_EXCEPTION'))).toBe(false);
    expect(isTransientProviderError(makeError('nonce', 'NONCE_EXPIRED'))).toBe(false);
    expect(isTransientProviderError(new OracleError('ORACLE_RPC_UNAVAILABLE', 'down'))).toBe(true);
    expect(isTransientProviderError(new OracleError('ORACLE_PUBLICATION_REVERTED', 'no'))).toBe(false);
    expect(isTransientProviderError(new Error('HTTP 503 in a message'))).toBe(false);
  });
});
