import * as admin from '../../oracle/admin.js';

describe('oracle/admin.ts (entry point of the admin pages)', () => {
  it('exports the attestation service, publication status, provider and chain policy', () => {
    expect(typeof admin.AttestationService).toBe('function');
    expect(typeof admin.PgAttestationStore).toBe('function');
    expect(typeof admin.ChainAttesterSetSource).toBe('function');
    expect(typeof admin.ProviderContractSignatureVerifier).toBe('function');
    expect(typeof admin.PublicationStatusReader).toBe('function');
    expect(typeof admin.createProvider).toBe('function');
    expect(typeof admin.FailoverProvider).toBe('function');
    expect(typeof admin.createChainPolicy).toBe('function');
    expect(typeof admin.loadChainConfig).toBe('function');
    expect(typeof admin.migrateOracle).toBe('function');
    expect(admin.ORACLE_ERROR_STATUS.ORACLE_RPC_UNAVAILABLE).toBe(503);
  });

  it('exports nothing that holds or loads a key', () => {
    const names = Object.keys(admin);
    for (const forbidden of [/signer/i, /keystore/i, /wallet/i, /privatekey/i, /relayer/i, /^loadOracleConfig$/]) {
      expect(names.filter((n) => forbidden.test(n) && n !== 'AttestationSigner')).toEqual([]);
    }
  });

  it('every error code has an HTTP status', () => {
    for (const [code, status] of Object.entries(admin.ORACLE_ERROR_STATUS)) {
      expect(code).toMatch(/^ORACLE_[A-Z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('loadChainConfig returns the chain section only (the relayer key is dropped)', () => {
    const chain = admin.loadChainConfig({
      DATABASE_URL: 'postgres://127.0.0.1/x',
      ORACLE_RPC_URLS: 'http://127.0.0.1:8545,http://127.0.0.1:8546',
      ORACLE_CHAIN_ID: '31337',
      ORACLE_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      RELAYER_PRIVATE_KEY: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    });
    expect(chain.provider).toEqual({ kind: 'rpc', urls: ['http://127.0.0.1:8545', 'http://127.0.0.1:8546'] });
    expect(JSON.stringify(chain, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toMatch(
      /ac0974bec/,
    );
  });
});
