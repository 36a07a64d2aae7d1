/**
 * Jest runs every TypeScript test as native ESM (ts-jest `useESM`, `--experimental-vm-modules`).
 * Two projects: `unit` (pure, no services) and `integration` (`*.int.test.ts`: real Postgres,
 * Redis, a Hardhat node over JSON-RPC, a real oidc-provider). `npm test` runs both.
 * @type {import('jest').Config['projects'][number]}
 */
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }],
  },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  // Global (jest ignores it per project): integration suites start real services under a loaded CI machine.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
