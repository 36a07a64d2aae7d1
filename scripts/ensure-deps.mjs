// Run by `npm start` and `npm test` before anything else (plain Node, no dependency, any Node >= 18), so
// that a bare machine needs only those two commands after cloning:
//
//   node scripts/ensure-deps.mjs <npm script>
//
// 1. Node: Verdict runs on Node 24 (Hardhat 3 needs >= 22.13; npm under Node 20 silently skips Hardhat's
//    native EDR package). When the Node running this is older, Node 24 is installed from the npm registry
//    into `.tools/node24/` (git-ignored, about 7 s; the `node` package, as `npm install -g node@24` does)
//    and everything below runs under it. Nothing is installed outside the checkout.
// 2. Dependencies: `npm ci` when they were never installed (after a change of package-lock.json, run
//    `npm ci` yourself).
// 3. Runs `npm run <npm script>` with that Node first on PATH, forwarding SIGINT and SIGTERM, and exits
//    with its code.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const script = process.argv[2];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const exists = (path) => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};
const fail = (message) => {
  console.error(`ensure-deps: ${message}`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
let env = process.env;
if (major < 22 || (major === 22 && minor < 13)) {
  const prefix = join(root, '.tools', 'node24');
  const bin = join(prefix, 'node_modules', 'node', 'bin');
  if (!exists(join(bin, 'node'))) {
    console.error(`ensure-deps: Node ${process.versions.node} is too old; installing Node 24 into .tools/node24`);
    const r = spawnSync(npm, ['install', '--prefix', prefix, '--no-save', '--no-fund', '--no-audit', 'node@24'], {
      stdio: 'inherit',
      cwd: root,
    });
    if (r.status !== 0 || !exists(join(bin, 'node'))) {
      fail('could not install Node 24 (install it yourself: npm install -g --prefix /usr/local node@24 && hash -r)');
    }
  }
  env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const v = spawnSync('node', ['--version'], { env, encoding: 'utf8' });
  if (!/^v24\./.test(v.stdout ?? '')) fail(`.tools/node24 did not give Node 24 (got ${v.stdout || v.error})`);
}

if (!exists(join(root, 'node_modules/.package-lock.json')) || !exists(join(root, 'node_modules/.bin/hardhat'))) {
  console.error('ensure-deps: installing the locked dependencies (npm ci)');
  const r = spawnSync(npm, ['ci', '--no-fund', '--no-audit'], { stdio: 'inherit', env, cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (!script) process.exit(0);

const child = spawn(npm, ['run', script, '--', ...process.argv.slice(3)], {
  stdio: 'inherit',
  env,
  cwd: root,
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
