// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Dependency rule between folders (README "Layout"): api → kyc, api → oracle/index.ts, nothing → api. */
const forbid = (...groups) => ({
  'no-restricted-imports': [
    'error',
    { patterns: groups.map((group) => ({ group, message: 'Breaks the folder dependency rule (see README).' })) },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'artifacts/', 'cache/', 'coverage/', 'types/', 'ignition/deployments/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly' } } },
  { files: ['kyc/**/*.ts'], rules: forbid(['**/api/**', '**/oracle/**']) },
  { files: ['oracle/**/*.ts'], rules: forbid(['**/api/**', '**/kyc/**'], ['./signer/*', '../signer/*']) },
  // Signer instances hold attester keys: only the oracle's composition root wires them.
  { files: ['oracle/main.ts', 'oracle/signer/**/*.ts'], rules: forbid(['**/api/**', '**/kyc/**']) },
  // Allow-list: api/ reaches kyc and the oracle through their public entry points only (and lib/).
  {
    files: ['api/**/*.ts'],
    rules: forbid([
      '**/kyc/**',
      '!**/kyc/index.js',
      '**/oracle/**',
      '!**/oracle/index.js',
      '**/test/**',
      '**/scripts/**',
    ]),
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  prettier,
);
