#!/usr/bin/env node
// `npm test`: every gate in order — system packages the lab needs, lint, typecheck, build, generated files
// current (WebAssembly, docs), the catalogue check, then the unit tests and the lab matrix (vitest).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

// Debian packages the lab and tests run, and how to tell each is installed.
const has = (path) => () => existsSync(path);
const DEBIAN_PACKAGES = {
  nginx: has('/usr/sbin/nginx'),
  haproxy: has('/usr/sbin/haproxy'),
  apache2: has('/usr/sbin/apache2'),
  caddy: has('/usr/bin/caddy'),
  'php-fpm': () => existsSync('/usr/sbin') && readdirSync('/usr/sbin').some((f) => /^php-fpm[\d.]*$/.test(f)),
  openssl: has('/usr/bin/openssl'),
  'util-linux': has('/usr/bin/setpriv'),
};

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stderr.write(`\n✗ ${name} failed\n`);
    process.exit(r.status ?? 1);
  }
}

const missing = Object.entries(DEBIAN_PACKAGES)
  .filter(([, installed]) => !installed())
  .map(([p]) => p);
if (missing.length > 0) {
  const root = process.getuid?.() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    process.stdout.write(`== installing Debian packages: ${missing.join(' ')}\n`);
    // Keep package scripts from starting services (no nginx on port 80): policy-rc.d says "not now".
    const policy = '/usr/sbin/policy-rc.d';
    const hadPolicy = existsSync(policy);
    if (!hadPolicy) execFileSync('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod +x ${policy}`]);
    try {
      step('apt-get update', 'apt-get', ['update', '-qq']);
      step('apt-get install', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
    } finally {
      if (!hadPolicy) execFileSync('rm', ['-f', policy]);
    }
  } else if (process.env.CI === 'true') {
    process.stderr.write(`missing Debian packages in CI: ${missing.join(' ')} (install them, or run as root)\n`);
    process.exit(1);
  } else {
    process.stderr.write(`note: ${missing.join(' ')} not installed; the lab tests will be skipped (sudo apt-get install ${missing.join(' ')})\n`);
  }
}

const npx = (bin, args) => [process.execPath, [`node_modules/${bin}`, ...args]];
step('lint', ...npx('eslint/bin/eslint.js', ['.']));
step('typecheck', ...npx('typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']));
step('build', 'npm', ['run', '-s', 'build']);
step('generated WebAssembly is current', process.execPath, ['--import', 'tsx', 'scripts/build-wasm.ts', '--check']);
step('docs are current', process.execPath, ['--import', 'tsx', 'scripts/gen-docs.ts', '--check']);
step('catalogue check', process.execPath, ['--import', 'tsx', 'scripts/catalogue-check.ts']);
step('unit tests and lab matrix', ...npx('vitest/vitest.mjs', ['run']));
process.stdout.write('\n✓ all gates passed\n');
