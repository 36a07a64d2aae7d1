import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * The folder dependency rule, run through ESLint's API on fixture snippets with the rule and the
 * allow-list exactly as eslint.config.js wires them (taken from the real config as ESLint computes
 * it for each file; the type-checked presets are left out, the fixtures not being files of the
 * TypeScript project).
 */
describe('eslint dependency rule (allow-list per folder)', () => {
  const root = process.cwd();
  const real = new ESLint({ cwd: root });
  const lint = async (file: string, code: string) => {
    const computed = (await real.calculateConfigForFile(join(root, file))) as Linter.Config;
    const rule = computed.rules?.['verdict/dependency-rule'];
    if (!rule || !computed.plugins?.verdict) return ['eslint.config.js does not apply verdict/dependency-rule here'];
    const eslint = new ESLint({
      cwd: root,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          plugins: { verdict: computed.plugins.verdict },
          languageOptions: { parser: tseslint.parser },
          rules: { 'verdict/dependency-rule': rule },
        },
      ],
    });
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return result!.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
  };

  it.each([
    ['api/app.ts', "import { createKycModule } from '../kyc/index.js';"],
    ['api/app.ts', "import { x } from '../oracle/index.js';"],
    ['api/app.ts', "import { AttestationService } from '../oracle/admin.js';"],
    ['api/routes/bets/place.ts', "import { withTransaction } from '../../../lib/db/transaction.js';"],
    ['api/routes/bets/place.ts', "import { router } from '../../router.js';"],
    ['api/app.ts', "import express from 'express';\nimport { readFile } from 'node:fs/promises';"],
    ['lib/db/x.ts', "import { y } from '../poll-loop.js';"],
    ['kyc/http/x.ts', "import { withTransaction } from '../../lib/db/transaction.js';"],
    ['kyc/http/x.ts', "import { KycError } from '../errors.js';"],
    ['oracle/relayer/x.ts', "import { runLoop } from '../../lib/poll-loop.js';"],
    [
      'scripts/x.ts',
      "import { loadKycConfig } from '../kyc/index.js';\nimport { startLocalIdp } from '../kyc/idp/index.js';",
    ],
    ['bench/x.ts', "import { createTestDatabase } from '../test/support/services.js';"],
    ['test/api/x.test.ts', "import { main } from '../../api/main.js';\nimport { c } from '../../oracle/config.js';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });

  it.each([
    ['api/app.ts', "import { loadOracleConfig } from '../oracle/config.js';", 'oracle/config.ts'],
    ['api/app.ts', "import { main } from '../oracle/main.js';", 'oracle/main.ts'],
    [
      'api/app.ts',
      "import { PgAccountStore } from '../kyc/identity/pg-account-store.js';",
      'kyc/identity/pg-account-store.ts',
    ],
    ['api/routes/deep/x.ts', "import type { KycConfig } from '../../../kyc/config.js';", 'kyc/config.ts'],
    ['api/app.ts', "export * from '../kyc/errors.js';", 'kyc/errors.ts'],
    ['api/app.ts', "export const load = () => import('../oracle/main.js');", 'oracle/main.ts'],
    ['api/app.ts', "import { startLocalIdp } from '../kyc/idp/index.js';", 'kyc/idp/index.ts'],
    ['lib/db/x.ts', "import { migrateKyc } from '../../kyc/index.js';", 'kyc/index.ts'],
    ['lib/x.ts', "import { x } from '../oracle/index.js';", 'oracle/index.ts'],
    ['kyc/http/x.ts', "import { x } from '../../oracle/index.js';", 'oracle/index.ts'],
    ['kyc/x.ts', "import { app } from '../api/app.js';", 'api/app.ts'],
    ['oracle/x.ts', "import { createKycModule } from '../kyc/index.js';", 'kyc/index.ts'],
    ['scripts/x.ts', "import { app } from '../api/app.js';", 'api/app.ts'],
    [
      'scripts/x.ts',
      "import { PgAccountStore } from '../kyc/identity/pg-account-store.js';",
      'kyc/identity/pg-account-store.ts',
    ],
    ['bench/x.ts', "import { loadKycConfig } from '../kyc/config.js';", 'kyc/config.ts'],
  ])('refuses %s: %s', async (file, code, target) => {
    const messages = await lint(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('verdict/dependency-rule');
    expect(messages[0]).toContain(`may not import ${target}`);
  });

  it('refuses an import that leaves the repository from a restricted folder', async () => {
    const messages = await lint('lib/x.ts', "import { x } from '../../elsewhere/x.js';");
    expect(messages).toEqual([expect.stringContaining('outside the repository')]);
  });
});
