// @ts-check
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The folder dependency rule (README "Layout and the dependency rule") as an allow-list: a file in
 * one of these folders may import, besides packages, `node:` modules and its own folder, only the
 * files listed (an entry ending in `/` is a whole folder). Folders not listed (test/, ignition/, the
 * root) are not restricted. Paths are resolved, so `../../kyc/identity/x.js` from `api/routes/` is
 * `kyc/identity/x.ts` whatever the depth; `.js` specifiers name the `.ts` sources.
 * @type {Readonly<Record<string, readonly string[]>>}
 */
export const DEPENDENCY_ALLOW_LIST = {
  // The composition: kyc's and the oracle's public surfaces only.
  'api/': ['kyc/index.ts', 'oracle/index.ts', 'oracle/admin.ts', 'lib/'],
  // Leaf utilities: nothing of the project.
  'lib/': [],
  'kyc/': ['lib/'],
  'oracle/': ['lib/'],
  // The local stack (`npm start`): one composition root over every module's public entry points
  // (and the oracle's, since it runs the relayer and indexer in process).
  'stack/': [
    'api/index.ts',
    'api/process.ts',
    'api/config.ts',
    'kyc/index.ts',
    'kyc/idp/index.ts',
    'oracle/index.ts',
    'oracle/admin.ts',
    'oracle/main.ts',
    'oracle/config.ts',
    'oracle/keys/dev-keys.ts',
    'lib/',
  ],
  // Thin CLIs over the modules: their entry points, and the oracle internals they use until
  // oracle/admin.ts exports them.
  'scripts/': [
    'stack/local-stack.ts',
    'kyc/index.ts',
    'kyc/idp/index.ts',
    'oracle/index.ts',
    'oracle/admin.ts',
    'lib/',
    'oracle/attestations/attestation-service.ts',
    'oracle/attestations/attestation-store.ts',
    'oracle/attestations/attester-set.ts',
    'oracle/attestations/contract-signature-verifier.ts',
    'oracle/attestations/pg-attestation-store.ts',
    'oracle/attestations/signing-window.ts',
    'oracle/chain/attester-set-source.ts',
    'oracle/chain/oracle-contract.ts',
    'oracle/chain/provider.ts',
    'oracle/config.ts',
    'oracle/db/migrate-oracle.ts',
    'oracle/errors.ts',
    'oracle/keys/attester-key.ts',
    'oracle/keys/dev-keys.ts',
    'oracle/relayer/pg-outbox-store.ts',
    'oracle/result.ts',
  ],
  // Benchmarks: entry points, the oracle pieces they measure, and the tests' harnesses they reuse.
  'bench/': [
    'kyc/index.ts',
    'kyc/idp/index.ts',
    'oracle/index.ts',
    'oracle/admin.ts',
    'lib/',
    'oracle/attestations/',
    'oracle/chain/',
    'oracle/config.ts',
    'oracle/db/',
    'oracle/indexer/result-indexer.ts',
    'oracle/result.ts',
    'test/support/',
    'test/kyc/support/',
    'test/oracle/chain/',
    'test/contracts-ts/fixture.ts',
    'api/index.ts',
    'test/api/support/',
    'stack/local-chain.ts',
  ],
};

/** Repository-relative path (with `/`) of what `specifier` imports from `filename`; null for packages. */
function target(filename, specifier) {
  if (!specifier.startsWith('.') && !isAbsolute(specifier)) return null;
  const path = relative(root, resolve(dirname(filename), specifier))
    .split('\\')
    .join('/');
  return path.replace(/\.(js|mjs|cjs)$/, (ext) => ({ '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts' })[ext] ?? ext);
}

/** @type {import('eslint').Rule.RuleModule} */
export const dependencyRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Folder dependency allow-list (README "Layout and the dependency rule").' },
    schema: [{ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }],
    messages: {
      forbidden: '{{from}} may not import {{to}}: it imports only {{allowed}} (the dependency rule, see README).',
      outside: '{{from}} may not import {{to}}, outside the repository.',
    },
  },
  create(context) {
    /** @type {Record<string, string[]>} */
    const allowList = context.options[0] ?? DEPENDENCY_ALLOW_LIST;
    const file = relative(root, context.filename).split('\\').join('/');
    const folder = Object.keys(allowList).find((f) => file.startsWith(f));
    if (!folder) return {};
    const allowed = allowList[folder] ?? [];
    /** @param {import('estree').Node & { source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ type?: string; value?: unknown } | null | undefined} */ (node.source);
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const to = target(context.filename, source.value);
      if (to === null || to.startsWith(folder)) return;
      if (to.startsWith('../')) {
        context.report({ node, messageId: 'outside', data: { from: folder, to: source.value } });
        return;
      }
      if (allowed.some((a) => (a.endsWith('/') ? to.startsWith(a) : to === a))) return;
      context.report({
        node,
        messageId: 'forbidden',
        data: { from: folder, to, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing of the project' },
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

/** Deny rules inside a folder (the allow-list above governs imports between folders). */
const forbid = (...groups) => ({
  'no-restricted-imports': [
    'error',
    { patterns: groups.map((group) => ({ group, message: 'Breaks the folder dependency rule (see README).' })) },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'artifacts/',
      'cache/',
      'coverage/',
      'types/',
      'ignition/deployments/',
      '.data/',
      '.tools/',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.cjs', 'scripts/*.mjs'] },
        tsconfigRootDir: root,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly' } } },
  // The pages' browser modules (api/web/**/static/*.js, served as they are: no build step).
  {
    files: ['api/web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'history',
          'navigator',
          'fetch',
          'crypto',
          'sessionStorage',
          'localStorage',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'WebSocket',
          'URL',
          'URLSearchParams',
          'Intl',
          'Node',
          'HTMLElement',
          'FormData',
          'Event',
          'CustomEvent',
          'console',
          'requestAnimationFrame',
          'AbortController',
          'CSS',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { verdict: { rules: { 'dependency-rule': dependencyRule } } },
    rules: { 'verdict/dependency-rule': ['error', DEPENDENCY_ALLOW_LIST] },
  },
  // Signer instances hold attester keys: only the oracle's composition root wires them.
  { files: ['oracle/**/*.ts'], rules: forbid(['./signer/*', '../signer/*']) },
  { files: ['oracle/main.ts', 'oracle/signer/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  prettier,
);
