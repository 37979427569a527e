/**
 * `why502 config` on HAProxy and Apache configs: detection from name and content (nginx stays the default),
 * `--kind`, the report and SARIF for their findings, the live comparisons of the HAProxy and Apache checks, and the
 * usage errors (`--kind` other than nginx|haproxy|apache, `--dump` on a non-nginx config).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConfigWithTree, detectConfigKind } from '../../src/config/analyze.js';
import { parseApacheConfig } from '../../src/config/apache-config.js';
import { CONFIG_CHECKS } from '../../src/config/checks/index.js';
import type { CheckEnv } from '../../src/config/checks/types.js';
import { parseHaproxyConfig } from '../../src/config/haproxy-config.js';
import type { Report } from '../../src/report/types.js';
import { assertValidReport, runCli } from '../helpers.js';

const ROOT = join('test', 'config', 'checks');
const ENV: CheckEnv = { nginxVersion: '1.22.1', nginxVersionAssumed: true };
const check = (id: string) => CONFIG_CHECKS.find((c) => c.meta.id === id)!;

describe('config kind detection', () => {
  it('HAProxy sections at column 0, Apache directives and file names; nginx otherwise', () => {
    expect(detectConfigKind('global\n    maxconn 100\ndefaults\n    mode http\n', 'x').kind).toBe('haproxy');
    expect(detectConfigKind('backend app\n    server a 10.0.0.1:80 check\n', '-').kind).toBe('haproxy');
    expect(detectConfigKind('<VirtualHost *:80>\n  ProxyPass / http://127.0.0.1:3000/\n</VirtualHost>\n', 'site.conf').kind).toBe('apache');
    expect(detectConfigKind('ProxyPass / http://127.0.0.1:3000/\n', '-').kind).toBe('apache');
    expect(detectConfigKind('', '/etc/apache2/apache2.conf')).toEqual({ kind: 'apache', why: 'its name, apache2.conf' });
    expect(detectConfigKind('', '/etc/haproxy/conf.d/10-app.cfg').kind).toBe('haproxy');
    // nginx: a whole config, a server-block fragment whose lines start at column 0, nginx -T output.
    expect(detectConfigKind('http {\n  upstream backend { server 127.0.0.1:3000; }\n  server { listen 80; }\n}\n', 'nginx.conf').kind).toBe('nginx');
    expect(detectConfigKind('listen 80;\nserver_name example.com;\nlocation / { proxy_pass http://backend; }\n', '-').kind).toBe('nginx');
    expect(detectConfigKind('nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n# configuration file /etc/nginx/nginx.conf:\nhttp {}\n', '-').kind).toBe('nginx');
  });
  it('analyzeConfig reads a HAProxy config with its parser and says so; nginx fixtures are still nginx', async () => {
    const h = await analyzeConfigWithTree(join(ROOT, 'haproxy-server-check', 'fire-two-servers-no-check.cfg'), { host: false });
    assertValidReport(h.report);
    expect(h.kind).toBe('haproxy');
    expect(h.tree).toBeNull();
    expect(h.report.causes[0]).toMatchObject({ id: 'upstream-refused', count: 1 });
    expect(h.report.causes[0]?.evidence[0]).toMatchObject({ source: 'config', line: 23, text: 'server app2 10.0.0.12:3000' });
    expect(h.report.stats.config?.notes[0]).toMatch(/^read as HAProxy config \(a "global" section at column 0\)/);
    expect(h.report.stats.config?.kind).toBe('haproxy');
    expect(h.report.summary).toMatch(/Checked as HAProxy config/);
    const n = await analyzeConfigWithTree(join(ROOT, 'pass-scheme-port', 'fire-http-to-443.conf'), { nginxVersion: '1.22.1', host: false });
    expect(n.kind).toBe('nginx');
    expect(n.report.causes[0]?.id).toBe('protocol-mismatch');
  });
  it('a clean HAProxy config, and a file that cannot be read', async () => {
    const clean = await analyzeConfigWithTree(join(ROOT, 'haproxy-timeouts', 'nofire-timeouts-set.cfg'), { host: false });
    assertValidReport(clean.report);
    expect(clean.report.causes).toEqual([]);
    expect(clean.report.summary).toMatch(/^No 502-prone setting found in 1 file\(s\) \(read as HAProxy config/);
    const missing = await analyzeConfigWithTree('/nonexistent/haproxy.cfg', { host: false, kind: 'haproxy' });
    expect(missing.files).toBe(0);
    expect(missing.report.summary).toBe('Nothing could be read from /nonexistent/haproxy.cfg: no such file or directory.');
    expect(missing.report.errors).toEqual(['/nonexistent/haproxy.cfg: no such file or directory']);
  });
});

describe('HAProxy and Apache checks against live measurements and a PHP-FPM pool', () => {
  it('haproxy-timeouts: a server that used half of timeout server on a quiet request', () => {
    const haproxy = parseHaproxyConfig({ name: 'h.cfg', text: 'defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 10s\nbackend app\n    server a 10.0.0.1:3000 check\n    server b 10.0.0.2:3000 check\n' });
    const slow = check('haproxy-timeouts').check({ haproxy }, { ...ENV, live: [{ target: '10.0.0.1:3000', latencyMs: 300 }, { target: '10.0.0.2:3000', latencyMs: 6400 }] });
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ file: 'h.cfg', line: 5, text: 'timeout server 10s' });
    expect(slow[0]?.message).toMatch(/^10\.0\.0\.2:3000 \(backend app\) took 6\.4s .* timeout server is 10s \(from defaults\).*504 \(sH\)/);
    expect(slow[0]?.after).toMatch(/timeout server 26s/);
    expect(check('haproxy-timeouts').check({ haproxy }, { ...ENV, live: [{ target: '10.0.0.1:3000', latencyMs: 900 }] })).toEqual([]);
  });
  it('haproxy-server-dns: the fix reuses an existing resolvers section', () => {
    const haproxy = parseHaproxyConfig({ name: 'h.cfg', text: 'resolvers docker\n    nameserver dns 127.0.0.11:53\nbackend app\n    server a app:3000 check\n' });
    const found = check('haproxy-server-dns').check({ haproxy }, ENV);
    expect(found[0]?.after).toBe('backend app\n    server a app:3000 check resolvers docker init-addr last,libc,none');
  });
  it('apache-proxy-timeout: the pool given beside it, and a balancer member measured live', () => {
    const apache = parseApacheConfig({ name: 'site.conf', text: '<Proxy "balancer://app">\n    BalancerMember "http://10.0.0.5:8080" timeout=20\n</Proxy>\nProxyPass / balancer://app/\n' });
    const found = check('apache-proxy-timeout').check({ apache }, { ...ENV, live: [{ target: '10.0.0.5:8080', latencyMs: 12_000 }] });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 2 });
    expect(found[0]?.message).toMatch(/^10\.0\.0\.5:8080 took 12s .* httpd waits 20s for it \(its timeout= parameter\)/);
    expect(found[0]?.after).toMatch(/timeout=48/);
  });
  it('apache-proxy-retry: retry on the ProxyPass line wins over nothing, status=+I ignores errors', () => {
    const apache = parseApacheConfig({ name: 'site.conf', text: 'ProxyPass /a http://127.0.0.1:3000/ retry=5\nProxyPass /b http://127.0.0.1:3001/ status=+I\nProxyPass /c http://127.0.0.1:3002/\n' });
    const found = check('apache-proxy-retry').check({ apache }, ENV);
    expect(found.map((f) => f.line)).toEqual([3]);
    expect(found[0]?.after).toMatch(/^ProxyPass \/c http:\/\/127\.0\.0\.1:3002\/ retry=0/);
  });
});

describe('why502 config on HAProxy and Apache configs (CLI)', () => {
  it('--json on a haproxy.cfg exits 1 with the cause, the report valid against the schema', async () => {
    const r = await runCli(['config', '--json', join(ROOT, 'haproxy-server-check', 'fire-two-servers-no-check.cfg')]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    assertValidReport(report);
    expect(report.causes[0]?.id).toBe('upstream-refused');
    expect(report.causes[0]?.fixes.owner[0]).toMatch(/server app2 10\.0\.0\.12:3000 check/);
  });
  it('--kind apache reads an Apache file; stdin is detected too', async () => {
    const path = join(ROOT, 'apache-proxy-retry', 'fire-single-backend.conf');
    const r = await runCli(['config', '--json', '--kind', 'apache', path]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    assertValidReport(report);
    expect(report.causes.map((c) => c.id)).toEqual(['no-healthy-upstream']);
    expect(report.stats.config?.notes[0]).toMatch(/^read as Apache httpd config \(--kind\)/);
    expect(report.stats.config?.kind).toBe('apache');
    const piped = await runCli(['config', '--json', '-'], { stdin: readFileSync(path) });
    expect(piped.code, piped.stderr).toBe(1);
    expect((JSON.parse(piped.stdout) as Report).causes[0]?.evidence[0]).toMatchObject({ file: '-', line: 20 });
  });
  it('--sarif on a HAProxy config names the check as the rule', async () => {
    const r = await runCli(['config', '--sarif', join(ROOT, 'haproxy-http-reuse', 'fire-reuse-always.cfg')]);
    expect(r.code, r.stderr).toBe(1);
    const sarif = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }> };
    expect(sarif.runs[0]?.results[0]).toMatchObject({ ruleId: 'haproxy-http-reuse' });
    expect(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.region.startLine).toBe(10);
  });
  it('a --kind other than nginx|haproxy|apache, and --dump on a HAProxy config, are usage errors', async () => {
    const bad = await runCli(['config', '--kind', 'lighttpd', join(ROOT, 'haproxy-timeouts', 'nofire-timeouts-set.cfg')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kind lighttpd: one of nginx, haproxy, apache/);
    const dump = await runCli(['config', '--dump', join(ROOT, 'haproxy-timeouts', 'nofire-timeouts-set.cfg')]);
    expect(dump.code).toBe(2);
    expect(dump.stderr).toMatch(/--dump prints nginx's parsed tree only/);
    const clean = await runCli(['config', '--json', join(ROOT, 'haproxy-timeouts', 'nofire-timeouts-set.cfg')]);
    expect(clean.code, clean.stderr).toBe(0);
  });
});

describe('why502 config on what is not a config', () => {
  it('a missing path, a directory, a binary file and empty stdin: said first, exit 2, never "no setting found"', { timeout: 30_000 }, async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['config', '/nonexistent/why502.conf'], undefined, /Nothing could be read from \/nonexistent\/why502\.conf: no such file or directory\./],
      [['config', 'test/config'], undefined, /a directory: give the main config file/],
      [['config', process.execPath], undefined, /binary data, not a config/],
      [['config', '-'], '', /Nothing could be read from standard input: empty/],
      [['config', '--live', '/nonexistent/why502.conf'], undefined, /no such file or directory/],
    ];
    for (const [args, stdin, want] of cases) {
      const r = await runCli(args, stdin !== undefined ? { stdin } : {});
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout).toMatch(want);
      expect(r.stdout).not.toMatch(/No 502-prone setting found/);
    }
  });
});
