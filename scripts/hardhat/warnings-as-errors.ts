import type { HardhatPlugin } from 'hardhat/types/plugins';
import type { SolidityHooks } from 'hardhat/types/hooks';

/**
 * Code-size warnings (EIP-170 runtime 24 KiB: 5574; EIP-3860 initcode: 3860) stay warnings for
 * Solidity test contracts, which are never deployed on a real chain, and in coverage builds,
 * whose instrumentation inflates every contract. Production contracts are still held to it in
 * normal builds, and a Hardhat node refuses to deploy an oversized contract in the TS tests.
 */
const CODE_SIZE_WARNINGS = new Set(['5574', '3860']);
const coverageBuild = process.argv.includes('--coverage');

/** solc reports where a diagnostic is; Hardhat's type omits it. */
interface Located {
  sourceLocation?: { file?: string };
}

const handlers: Partial<SolidityHooks> = {
  invokeSolc: async (context, compiler, solcInput, solcConfig, next) => {
    const output = await next(context, compiler, solcInput, solcConfig);
    for (const error of output.errors ?? []) {
      const file = (error as Located).sourceLocation?.file;
      const ours = file !== undefined && !file.startsWith('npm/');
      const sizeExempt =
        CODE_SIZE_WARNINGS.has(error.errorCode ?? '') &&
        (coverageBuild || (file?.startsWith('project/test/') ?? false));
      if (error.severity === 'warning' && ours && !sizeExempt) {
        // Hardhat fails the build on severity "error" with a type other than "Warning".
        error.severity = 'error';
        error.type = 'TreatedAsError';
        error.formattedMessage = `(warning treated as error) ${error.formattedMessage ?? error.message}`;
      }
    }
    return output;
  },
};

/**
 * Turns every solc warning about a project source into a compilation error, as OpenZeppelin
 * does in its Hardhat configuration. Warnings raised in npm dependencies are left alone.
 */
export const warningsAsErrors: HardhatPlugin = {
  id: 'verdict-warnings-as-errors',
  hookHandlers: {
    solidity: () => Promise.resolve({ default: () => Promise.resolve(handlers) }),
  },
};
