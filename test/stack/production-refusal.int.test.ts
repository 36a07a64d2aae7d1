import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `npm start`'s entry point with NODE_ENV=production and embedded defaults: exit 2, every missing variable named. */
describe('scripts/start.ts with NODE_ENV=production', () => {
  it('refuses to start on embedded defaults, names each missing variable, and starts nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verdict-prod-'));
    try {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) => !/^(DATABASE_URL|REDIS_URL|ORACLE_|RELAYER_|FRANCECONNECT_|STAFF_OIDC_|KYC_|PAYMENTS_)/.test(k),
        ),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: process.cwd(),
        env: {
          ...env,
          NODE_ENV: 'production',
          VERDICT_DATA_DIR: join(dataDir, 'data'),
          DATABASE_URL: 'postgres://verdict@db.internal:5432/verdict',
          RELAYER_PRIVATE_KEY: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      for (const name of [
        'REDIS_URL',
        'ORACLE_RPC_URLS',
        'FRANCECONNECT_ISSUER',
        'STAFF_OIDC_ISSUER',
        'KYC_SESSION_SECRETS',
      ]) {
        expect(stderr).toContain(`${name}: required with NODE_ENV=production`);
      }
      expect(stderr).toContain('RELAYER_PRIVATE_KEY: a plaintext development key is refused');
      // DATABASE_URL is set: not named; and no secret value is echoed.
      expect(stderr).not.toContain('DATABASE_URL');
      expect(stderr).not.toContain('ac0974bec39a17e36ba4a6b4d238ff944bacb478');
      // Nothing was started or written.
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
