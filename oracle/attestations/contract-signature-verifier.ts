import { Interface, getAddress, isError, type Provider } from 'ethers';

/** `bytes4(keccak256("isValidSignature(bytes32,bytes)"))`: what ERC-1271 returns for a valid signature. */
export const ERC1271_MAGIC_VALUE = '0x1626ba7e';

const MAGIC_WORD = ERC1271_MAGIC_VALUE.padEnd(66, '0');

/** EIP-7702 delegation designator: the code of a delegated EOA starts with it (still an ECDSA signer). */
const EIP7702_DESIGNATOR = '0xef0100';

const erc1271 = new Interface(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)']);

/**
 * What the attestation service needs to check a contract attester's (ERC-1271, e.g. a Safe)
 * signature. Injected so that the service stays testable; {@link ProviderContractSignatureVerifier}
 * implements it over an ethers provider.
 */
export interface ContractSignatureVerifier {
  /** True when `address` holds contract code (an EIP-7702 delegated EOA does not count). */
  isContract(address: string): Promise<boolean>;
  /**
   * True when `address.isValidSignature(digest, signature)` returns `0x1626ba7e`, as the oracle's
   * `SignatureChecker.isValidERC1271SignatureNow` decides; false when it returns anything else,
   * reverts or is not a contract.
   *
   * @throws the provider's error when the chain could not be asked (network, timeout): no verdict.
   */
  isValidSignature(address: string, digest: string, signature: string): Promise<boolean>;
}

/** {@link ContractSignatureVerifier} over an ethers provider (`eth_getCode`, `eth_call` at `latest`). */
export class ProviderContractSignatureVerifier implements ContractSignatureVerifier {
  private readonly provider: Provider;

  constructor(provider: Provider) {
    this.provider = provider;
  }

  async isContract(address: string): Promise<boolean> {
    const code = (await this.provider.getCode(getAddress(address))).toLowerCase();
    return code !== '0x' && !code.startsWith(EIP7702_DESIGNATOR);
  }

  async isValidSignature(address: string, digest: string, signature: string): Promise<boolean> {
    let returned: string;
    try {
      returned = await this.provider.call({
        to: getAddress(address),
        data: erc1271.encodeFunctionData('isValidSignature', [digest, signature]),
      });
    } catch (error) {
      if (isError(error, 'CALL_EXCEPTION')) return false; // reverted: refused
      throw error;
    }
    // As OpenZeppelin's SignatureChecker: at least one word, and that word is the magic value left-aligned.
    return returned.length >= 66 && returned.slice(0, 66).toLowerCase() === MAGIC_WORD;
  }
}
