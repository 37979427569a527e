/**
 * Every config check against its fixtures (test/config/checks/<id>/fire-*.conf|.cfg must give a finding at the
 * line named in "# expect: fire <id> <line>", nofire-* none), each read with the parser its `meta.reads` names
 * (HAProxy, Apache, else nginx; "# fpm: FILE" adds a PHP-FPM pool, "# live: TARGET key=N" a live measurement)
 * and, where the real server is installed, accepted by it (haproxy -c, apache2 -t); the version-aware keep-alive default,
 * the host-dependent checks with an injected host, the report built from findings, and SARIF against the
 * SARIF 2.1.0 schema (vendored from the SARIF SDK).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { analyzeConfigWithTree, findingsToCauses, installedNginxVersion, runChecks } from '../../src/config/analyze.js';
import { parseApacheConfig } from '../../src/config/apache-config.js';
import { CONFIG_CHECKS } from '../../src/config/checks/index.js';
import type { CheckEnv, ConfigCheck, ConfigSet, LiveTarget } from '../../src/config/checks/types.js';
import { parseHaproxyConfig } from '../../src/config/haproxy-config.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { parseFpmConfig } from '../../src/config/php-fpm-config.js';
import { toSarif } from '../../src/config/sarif.js';
import { assertValidReport } from '../helpers.js';

const ROOT = join('test', 'config', 'checks');
const ENV: CheckEnv = { nginxVersion: '1.22.1', nginxVersionAssumed: false };
const FIXTURE = /^(?:fire|nofire)-.*\.(?:conf|cfg)$/;

/** Which config a check's fixtures are: the first of HAProxy, Apache it reads, else nginx. */
function fixtureKind(check: ConfigCheck): 'haproxy' | 'apache' | 'nginx' {
  return check.meta.reads.includes('haproxy') ? 'haproxy' : check.meta.reads.includes('apache') ? 'apache' : 'nginx';
}

/** A fixture read the way its check's configs are, with the pool and live measurements its header names. */
function loadFixture(check: ConfigCheck, path: string): { configs: ConfigSet; env: CheckEnv; errors: unknown[] } {
  const text = readFileSync(path, 'utf8');
  const configs: ConfigSet = {};
  let errors: unknown[];
  const kind = fixtureKind(check);
  if (kind === 'haproxy') {
    configs.haproxy = parseHaproxyConfig(path);
    errors = configs.haproxy.errors;
  } else if (kind === 'apache') {
    configs.apache = parseApacheConfig(path);
    errors = configs.apache.errors;
  } else {
    configs.nginx = loadNginxConfig({ path });
    errors = configs.nginx.errors;
  }
  const fpm = /^# fpm: (\S+)/m.exec(text)?.[1];
  if (fpm) {
    configs.fpm = parseFpmConfig(join(path, '..', fpm));
    errors = [...errors, ...configs.fpm.errors];
  }
  const live: LiveTarget[] = [...text.matchAll(/^# live: (\S+)((?: \w+=\d+)+)/gm)].map((m): LiveTarget => ({
    target: m[1] ?? '',
    ...(Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)=(\d+)/g)].map((kv) => [kv[1], Number(kv[2])])) as Partial<LiveTarget>),
  }));
  return { configs, env: live.length > 0 ? { ...ENV, live } : ENV, errors };
}

function which(bin: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) if (existsSync(join(dir, bin))) return join(dir, bin);
  return null;
}

describe('config checks: fixtures', () => {
  for (const check of CONFIG_CHECKS) {
    let files: string[] = [];
    try {
      files = readdirSync(join(ROOT, check.meta.id)).filter((f) => FIXTURE.test(f));
    } catch {
      /* host-dependent checks have their own tests below */
    }
    for (const file of files) {
      it(`${check.meta.id}: ${file}`, () => {
        const path = join(ROOT, check.meta.id, file);
        const expectLine = /^# expect: (fire|nofire) (\S+)(?: (\d+))?/m.exec(readFileSync(path, 'utf8'));
        expect(expectLine?.[2]).toBe(check.meta.id);
        const { configs, env, errors } = loadFixture(check, path);
        expect(errors).toEqual([]);
        const findings = check.check(configs, env);
        if (expectLine?.[1] === 'nofire') expect(findings).toEqual([]);
        else {
          expect(findings.length).toBeGreaterThan(0);
          expect(findings.map((f) => f.line)).toContain(Number(expectLine?.[3]));
          for (const f of findings) expect(f.after, 'every finding carries a fix').toBeTruthy();
        }
      });
    }
  }
  it('every HAProxy and Apache fixture is accepted by the real server, where it is installed', (ctx) => {
    const haproxy = which('haproxy');
    const apache = which('apache2') ?? which('httpd');
    if (!haproxy && !apache) ctx.skip();
    let checked = 0;
    for (const check of CONFIG_CHECKS) {
      const kind = fixtureKind(check);
      const bin = kind === 'haproxy' ? haproxy : kind === 'apache' ? apache : null;
      if (!bin || !existsSync(join(ROOT, check.meta.id))) continue;
      for (const file of readdirSync(join(ROOT, check.meta.id)).filter((f) => FIXTURE.test(f))) {
        const path = resolve(ROOT, check.meta.id, file);
        const r = spawnSync(bin, kind === 'haproxy' ? ['-c', '-f', path] : ['-t', '-f', path], { encoding: 'utf8', timeout: 10_000 });
        expect(r.status, `${bin} rejects ${file}: ${r.stdout}${r.stderr}`).toBe(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
  it('every check that needs no host has fire and nofire fixtures', () => {
    for (const check of CONFIG_CHECKS) {
      if (check.meta.id === 'fastcgi-socket' || check.meta.id === 'fpm-pool') continue;
      const files = readdirSync(join(ROOT, check.meta.id));
      expect(files.some((f) => f.startsWith('fire-')), check.meta.id).toBe(true);
      expect(files.some((f) => f.startsWith('nofire-')), check.meta.id).toBe(true);
    }
  });
});

describe('config checks: versions and the host', () => {
  const check = (id: string) => CONFIG_CHECKS.find((c) => c.meta.id === id)!;
  it('keep-alive on by default since nginx 1.29.7 is a race risk with no keepalive line at all', () => {
    const tree = loadNginxConfig({ text: 'http { upstream app { server 127.0.0.1:3000; } server { location / { proxy_pass http://app; } } }' });
    expect(check('upstream-keepalive').check({ nginx: tree }, { nginxVersion: '1.22.1', nginxVersionAssumed: false })).toEqual([]);
    const found = check('upstream-keepalive').check({ nginx: tree }, { nginxVersion: '1.29.7', nginxVersionAssumed: false });
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/on by default since nginx 1\.29\.7/);
  });
  it('a measured idle close shorter than keepalive_timeout names the measurement', () => {
    const tree = loadNginxConfig({ text: 'http { upstream app { server 127.0.0.1:3000; keepalive 8; keepalive_timeout 30s; } server { location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; } } }' });
    const found = check('upstream-keepalive').check({ nginx: tree }, { ...ENV, live: [{ target: '127.0.0.1:3000', idleCloseMs: 2000 }] });
    expect(found[0]?.message).toMatch(/closed an idle one after 2\.0 s \(measured\)/);
  });
  it('upstream-keepalive: a pool no location reuses is reported unused, not as a race', () => {
    const tree = loadNginxConfig({ text: 'http { upstream app { server 127.0.0.1:3000; keepalive 32; } server { location / { proxy_pass http://app; } } }' });
    const found = check('upstream-keepalive').check({ nginx: tree }, ENV);
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/the pool is never used/)]);
  });
  it('installedNginxVersion reads `nginx -v` (it prints on stderr)', (t) => {
    if (!existsSync('/usr/sbin/nginx')) return t.skip('nginx is not installed');
    expect(installedNginxVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('read-timeout: a latency measured live against the read timeout, through an upstream{} group', () => {
    const tree = loadNginxConfig({ text: 'http { upstream app { server 127.0.0.1:3000; server 127.0.0.1:3001; } server { location / { proxy_read_timeout 10s; proxy_pass http://app; } } }' });
    const slow = check('read-timeout').check({ nginx: tree }, { ...ENV, live: [{ target: '127.0.0.1:3000', latencyMs: 200 }, { target: '127.0.0.1:3001', latencyMs: 6200 }] });
    expect(slow).toHaveLength(1);
    expect(slow[0]?.message).toMatch(/^127\.0\.0\.1:3001 took 6\.2s .* proxy_read_timeout is 10s/);
    expect(slow[0]?.after).toMatch(/^proxy_read_timeout 25s;/);
    expect(check('read-timeout').check({ nginx: tree }, { ...ENV, live: [{ target: '127.0.0.1:3000', latencyMs: 800 }] })).toEqual([]);
  });
  it('buffer-size: the largest header of an upstream{} group\'s servers', () => {
    const tree = loadNginxConfig({ text: 'http { upstream app { server 127.0.0.1:3000; server 127.0.0.1:3001; } server { location / { proxy_pass http://app; } } }' });
    const found = check('buffer-size').check({ nginx: tree }, { ...ENV, live: [{ target: '127.0.0.1:3000', headerBytes: 900 }, { target: '127.0.0.1:3001', headerBytes: 9000 }] });
    expect(found[0]?.message).toMatch(/^127\.0\.0\.1:3001 sent a 9000-byte response header/);
  });
  it('fastcgi_pass to a missing socket, and to one the workers may not open', () => {
    const tree = loadNginxConfig({ text: 'user www-data;\nhttp { server { location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; } } }' });
    const missing = check('fastcgi-socket').check({ nginx: tree }, { ...ENV, stat: () => null });
    expect(missing[0]?.message).toMatch(/does not exist/);
    const denied = check('fastcgi-socket').check(
      { nginx: tree },
      { ...ENV, stat: () => ({ uid: 0, gid: 0, mode: 0o140600, user: 'root', group: 'root' }), userIds: () => ({ uid: 33, gids: [33] }) },
    );
    expect(denied[0]?.message).toMatch(/mode 0600.*"www-data"/);
    const fine = check('fastcgi-socket').check({ nginx: tree }, { ...ENV, stat: () => ({ uid: 33, gid: 33, mode: 0o140660 }), userIds: () => ({ uid: 33, gids: [33] }) });
    expect(fine).toEqual([]);
  });
  it('PHP-FPM: children that cannot fit in memory, and a kill timeout longer than nginx waits', () => {
    const fpm = parseFpmConfig({ name: 'www.conf', text: '[www]\nlisten = /run/php/php8.2-fpm.sock\npm = static\npm.max_children = 50\nrequest_terminate_timeout = 300s\nphp_admin_value[memory_limit] = 256M\n' });
    const nginx = loadNginxConfig({ text: 'http { server { location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; fastcgi_read_timeout 60s; } } }' });
    const found = check('fpm-pool').check({ fpm, nginx }, { ...ENV, memoryBytes: 4 * 1024 ** 3 });
    expect(found.map((f) => f.line).sort()).toEqual([4, 5]);
    const fits = check('fpm-pool').check({ fpm, nginx }, { ...ENV, memoryBytes: 64 * 1024 ** 3 });
    expect(fits.map((f) => f.line)).toEqual([5]);
  });
});

describe('config report and SARIF', () => {
  it('analyzeConfig: each finding a cause with file:line evidence; a clean config has none', async () => {
    const { report } = await analyzeConfigWithTree(join(ROOT, 'pass-scheme-port', 'fire-http-to-443.conf'), { nginxVersion: '1.22.1', host: false });
    assertValidReport(report);
    expect(report.causes[0]).toMatchObject({ id: 'protocol-mismatch', count: 1 });
    expect(report.causes[0]?.evidence[0]).toMatchObject({ source: 'config', line: 4 });
    const clean = await analyzeConfigWithTree(join(ROOT, 'pass-scheme-port', 'nofire-matching.conf'), { nginxVersion: '1.22.1', host: false });
    expect(clean.report.causes).toEqual([]);
  });
  it('SARIF output validates against the SARIF 2.1.0 schema', () => {
    const schema = JSON.parse(readFileSync('schema/vendor/sarif-2.1.0.json', 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(schema);
    const byId = new Map(CONFIG_CHECKS.map((c) => [c.meta.id, c]));
    const fixtures = readdirSync(ROOT).flatMap((id) => readdirSync(join(ROOT, id)).filter((f) => f.startsWith('fire-') && FIXTURE.test(f)).map((f) => ({ id, path: join(ROOT, id, f) })));
    const findings = fixtures.flatMap(({ id, path }) => {
      const check = byId.get(id);
      if (!check) return [];
      const { configs, env } = loadFixture(check, path);
      return runChecks(configs, env).findings;
    });
    expect(findings.length).toBeGreaterThan(10);
    expect(new Set(findings.map((f) => f.check.meta.id))).toContain('haproxy-server-check');
    expect(new Set(findings.map((f) => f.check.meta.id))).toContain('apache-proxy-retry');
    const sarif = toSarif(findings, process.cwd());
    const ok = validate(sarif);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
    expect(findingsToCauses(findings).length).toBeGreaterThan(5);
  });
});
