import type { HardhatPlugin } from 'hardhat/types/plugins';
import type { SolidityHooks } from 'hardhat/types/hooks';

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
      if (error.severity === 'warning' && ours) {
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
