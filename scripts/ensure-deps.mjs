// Run by `npm start` and `npm test` before anything else (plain Node, no dependency): checks the Node
// version and installs the locked dependencies (`npm ci`) when they were never installed, so a fresh
// clone needs only `npm start` / `npm test`. After a change of package-lock.json, run `npm ci` yourself.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { statSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `Node ${process.versions.node} is too old: Verdict needs Node 24 (Hardhat 3 needs >= 22.13).\n` +
      'Install it with: npm install -g --prefix /usr/local node@24 && hash -r',
  );
  process.exit(1);
}
const exists = (path) => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};
if (!exists('node_modules/.package-lock.json') || !exists('node_modules/.bin/hardhat')) {
  console.error('ensure-deps: installing the locked dependencies (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-fund', '--no-audit'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
