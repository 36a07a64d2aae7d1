import { Contract, Interface, type ContractRunner } from 'ethers';
import { resultsOracleAbi } from './abi/results-oracle.js';

/**
 * ABI of `IResultsOracle` (events, errors, functions): the committed module generated from the
 * Solidity build by `npm run abi:generate`, so nothing at run time reads the ignored `artifacts/`
 * folder; test/oracle/chain/abi.test.ts fails when it no longer equals the build's ABI.
 */
const oracleAbiInterface = new Interface(resultsOracleAbi);

/** The ABI of `contracts/interfaces/IResultsOracle.sol`. */
export function oracleInterface(): Interface {
  return oracleAbiInterface;
}

/** `IResultsOracle` at `address`, connected to a provider (reads) or a signer (writes). */
export function oracleContract(address: string, runner: ContractRunner): Contract {
  return new Contract(address, oracleInterface(), runner);
}

/** A decoded custom error of the oracle: its name and arguments. */
export interface OracleRevert {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly selector: string;
}

/**
 * Decodes the revert data carried by an ethers error (a failed `eth_call`/`estimateGas`/send) into one
 * of the oracle's custom errors, with `Interface.parseError`. Returns undefined when the error carries no
 * revert data (network error, timeout) or data the oracle's ABI does not know.
 */
export function decodeOracleRevert(error: unknown): OracleRevert | undefined {
  const data = revertData(error);
  if (!data || data === '0x') return undefined;
  try {
    const parsed = oracleInterface().parseError(data);
    if (!parsed) return undefined;
    return { name: parsed.name, args: [...parsed.args], selector: parsed.selector };
  } catch {
    return undefined;
  }
}

function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown; cause?: unknown };
    if (typeof e.data === 'string' && e.data.startsWith('0x')) return e.data;
    const infoData = e.info?.error?.data;
    if (typeof infoData === 'string' && infoData.startsWith('0x')) return infoData;
    if (infoData && typeof infoData === 'object' && typeof (infoData as { data?: unknown }).data === 'string') {
      return (infoData as { data: string }).data;
    }
    current = e.error ?? e.cause;
  }
  return undefined;
}

/** `IResultsOracle.ResultView` as ethers returns it, typed. */
export interface ResultView {
  readonly phase: number;
  readonly status: number;
  readonly version: number;
  readonly finalAt: bigint;
  readonly values: readonly number[];
  readonly valuesHash: string;
  readonly valueCount: number;
}

/** Reads `resultOf(eventId)`. */
export async function readResultView(contract: Contract, eventId: string, blockTag?: number): Promise<ResultView> {
  // Positional access: `values` collides with ethers' Result.values().
  const view = (await contract
    .getFunction('resultOf')
    .staticCall(eventId, blockTag === undefined ? {} : { blockTag })) as unknown as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint[],
    string,
    bigint,
  ];
  return {
    phase: Number(view[0]),
    status: Number(view[1]),
    version: Number(view[2]),
    finalAt: view[3],
    values: [...view[4]].map(Number),
    valuesHash: view[5],
    valueCount: Number(view[6]),
  };
}
