import { Wallet, verifyTypedData } from 'ethers';
import { buildResult } from '../../../oracle/attestations/signing-window.js';
import { isOracleError } from '../../../oracle/errors.js';
import { RESULT_TYPES, ResultStatus, eventIdOf, oracleDomain, resultMessage } from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';

const ORACLE = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const result = buildResult(
  { eventId: eventIdOf('e'), status: ResultStatus.Completed, values: [1, 0], endedAt: 1_790_000_000n, version: 1 },
  { signatureTtl: 3600n, epoch: 1 },
);

describe('ResultSigner', () => {
  const key = new Wallet(`0x${'42'.repeat(32)}`);

  it('signs the EIP-712 result for its admin with its one key', async () => {
    const signer = await ResultSigner.create({ adminId: 'alice', signer: key, chainId: 31337n, oracleAddress: ORACLE });
    expect(signer.attester).toBe(key.address);
    const signature = await signer.sign({ adminId: 'alice', result });
    expect(verifyTypedData(oracleDomain(31337n, ORACLE), RESULT_TYPES, resultMessage(result), signature)).toBe(
      key.address,
    );
  });

  it('refuses to sign what another admin submitted', async () => {
    const signer = await ResultSigner.create({ adminId: 'alice', signer: key, chainId: 31337n, oracleAddress: ORACLE });
    const error = await signer.sign({ adminId: 'bob', result }).catch((e: unknown) => e);
    expect(isOracleError(error, 'ORACLE_SIGNER_FORBIDDEN')).toBe(true);
  });

  it('signs for one domain only: another chain id gives a signature that does not recover to the key', async () => {
    const signer = await ResultSigner.create({ adminId: 'alice', signer: key, chainId: 1n, oracleAddress: ORACLE });
    const signature = await signer.sign({ adminId: 'alice', result });
    expect(verifyTypedData(oracleDomain(31337n, ORACLE), RESULT_TYPES, resultMessage(result), signature)).not.toBe(
      key.address,
    );
  });
});
