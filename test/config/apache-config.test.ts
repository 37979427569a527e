/**
 * Apache config parser: on the configs the lab's launcher writes (and a real Apache then runs), on a Debian layout
 * (apache2.conf with mods-enabled, conf-enabled and sites-enabled, copied from Debian 12's apache2 and php8.2-fpm
 * packages, plus a proxy virtual host from Apache's documentation), and on configs `apache2 -t` rejects too.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apacheWords, parseApacheConfig, parseApacheProxyUrl } from '../../src/config/apache-config.js';
import { apacheTime } from '../../src/config/apache-proxy-url.js';
import { MAX_CONFIG_FILES } from '../../src/config/config-files.js';
import { makeCa } from '../../src/lab/certs.js';
import type { ProxyTarget } from '../../src/lab/faults/types.js';
import { apacheBinary, launchApache } from '../../src/lab/launchers/apache.js';

const DEBIAN = resolve('test/config/fixtures/apache/debian');
const bin = apacheBinary();
const root = mkdtempSync(join(tmpdir(), 'why502-apache-config-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `apache2 -t`: 0 when Apache accepts the configuration. Debian's envvars are given as the environment. */
function apacheCheck(file: string, serverRoot: string): { code: number | null; output: string } {
  const run = join(root, 'run');
  mkdirSync(run, { recursive: true });
  const env = { ...process.env, APACHE_RUN_USER: 'www-data', APACHE_RUN_GROUP: 'www-data', APACHE_PID_FILE: join(run, 'pid'), APACHE_RUN_DIR: run, APACHE_LOCK_DIR: run, APACHE_LOG_DIR: run };
  const r = spawnSync(bin ?? 'apache2', ['-t', '-d', serverRoot, '-f', file], { encoding: 'utf8', env });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Start the lab's Apache for a target, stop it, return the config it wrote. */
async function labConfig(name: string, target: ProxyTarget): Promise<{ path: string; startError: string | undefined }> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const proxy = await launchApache({ dir, target });
  await proxy.stop();
  return { path: proxy.configPath, startError: proxy.startError };
}

describe.skipIf(!bin)('the configs the lab writes (Apache runs each)', () => {
  it('a balancer of two members with retry, ProxyTimeout, logs and their format', async () => {
    const { path, startError } = await labConfig('balancer', { scheme: 'http', servers: ['127.0.0.1:1', '127.0.0.1:2'], failFast: true, readTimeoutMs: 3000 });
    expect(startError).toBeUndefined();
    const { model, errors, directives } = parseApacheConfig(path);
    expect(errors).toEqual([]);
    expect(model.serverRoot).toBe('/usr/lib/apache2');
    expect(model.modules.map((m) => m.name)).toEqual(expect.arrayContaining(['proxy_module', 'proxy_http_module', 'proxy_balancer_module']));
    expect(model.server.proxyTimeoutMs?.value).toBe(3000);
    expect(model.server.errorLog).toMatchObject({ kind: 'file', path: join(root, 'balancer/logs/error.log') });
    expect(model.server.customLogs[0]).toMatchObject({ path: join(root, 'balancer/logs/access.log'), format: 'combined', formatString: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"' });
    expect(model.server.logLevel?.value).toEqual({ level: 'warn', modules: {} });
    expect(model.balancers).toHaveLength(1);
    const pool = model.balancers[0];
    expect(pool?.name).toBe('balancer://pool');
    expect(pool?.members.map((m) => [m.target.host, m.target.port, m.worker.retryMs])).toEqual([
      ['127.0.0.1', 1, 30_000],
      ['127.0.0.1', 2, 30_000],
    ]);
    expect(model.proxyPasses).toEqual([expect.objectContaining({ directive: 'ProxyPass', path: '/', target: expect.objectContaining({ scheme: 'balancer', host: 'pool' }) as unknown, vhost: null })]);
    expect(directives.find((d) => d.name === 'BalancerMember')).toMatchObject({ file: path, sections: [{ name: 'Proxy', args: ['balancer://pool'] }], active: true });
  });

  it('PHP-FPM over a unix socket', async () => {
    const { path, startError } = await labConfig('fcgi', { scheme: 'fastcgi', servers: [`unix:${join(root, 'php.sock')}`], fastcgi: { root: '/srv/www' } });
    expect(startError).toBeUndefined();
    const { model, errors } = parseApacheConfig(path);
    expect(errors).toEqual([]);
    expect(model.proxyPasses[0]?.target).toMatchObject({ scheme: 'fcgi', host: 'localhost', port: null, path: '/srv/www/', unixSocket: join(root, 'php.sock') });
  });

  it('TLS to the backend with verification against a CA', async () => {
    const ca = await makeCa(join(root, 'ca'));
    const { path, startError } = await labConfig('tls', { scheme: 'https', servers: ['127.0.0.1:3'], verify: { ca: ca.cert, name: 'app.test' }, tlsVersion: 'TLSv1.2' });
    expect(startError).toBeUndefined();
    const { model, errors } = parseApacheConfig(path);
    expect(errors).toEqual([]);
    const s = model.server;
    expect([s.sslProxyEngine?.value, s.sslProxyVerify?.value, s.sslProxyCheckPeerName?.value, s.sslProxyCheckPeerExpire?.value]).toEqual([true, 'require', true, true]);
    expect(s.sslProxyCACertificateFile?.value).toBe(ca.cert);
    expect(s.sslProxyProtocol?.value).toBe('-all +TLSv1.2');
    expect(s.logLevel?.value).toEqual({ level: 'warn', modules: { ssl: 'info' } });
    expect(model.proxyPasses[0]?.target).toMatchObject({ scheme: 'https', host: '127.0.0.1', port: 3 });
  });
});

describe('a Debian layout: apache2.conf, mods-enabled, conf-enabled (php8.2-fpm.conf), sites-enabled', () => {
  const main = join(DEBIAN, 'apache2.conf');
  const { model, errors, notes, directives } = parseApacheConfig(main);
  it.skipIf(!bin)('is accepted by apache2 -t', () => {
    const r = apacheCheck(main, DEBIAN);
    expect(r.code, r.output).toBe(0);
  });
  it("follows IncludeOptional globs relative to ServerRoot, with Debian's envvars for ${APACHE_LOG_DIR}", () => {
    expect(errors).toEqual([]);
    expect(notes.map((n) => n.message)).toEqual([expect.stringMatching(/^variables APACHE_RUN_USER, .* taken from Debian's envvars$/)]);
    expect(model.serverRoot).toBe(DEBIAN);
    expect(model.files[0]).toBe(main);
    expect(model.files.slice(1, 3)).toEqual([join(DEBIAN, 'mods-enabled/access_compat.load'), join(DEBIAN, 'mods-enabled/alias.load')]);
    expect(model.files).toContain(join(DEBIAN, 'sites-enabled/app.conf'));
    expect(model.files).toHaveLength(50);
    expect(model.server.timeoutMs).toMatchObject({ value: 300_000, file: main, line: 92 });
    expect(model.server.errorLog?.path).toBe('/var/log/apache2/error.log');
    expect(model.logFormats.combined).toBe('%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"');
  });
  it('evaluates <IfModule> against the modules loaded so far', () => {
    const inactive = directives.filter((d) => !d.active).map((d) => `${d.file.slice(DEBIAN.length + 1)}:${d.line} ${d.name}`);
    // mod_gnutls, mod_include and mod_cgi(d) are not enabled; mod_ssl is, so "Listen 443" under ssl_module holds.
    expect(inactive).toEqual(expect.arrayContaining(['ports.conf:12 Listen', 'conf-enabled/serve-cgi-bin.conf:3 Define']));
    expect(directives.find((d) => d.file.endsWith('ports.conf') && d.line === 8)).toMatchObject({ name: 'Listen', args: ['443'], active: true });
  });
  it("reads Debian's PHP-FPM handler", () => {
    expect(model.handlers).toEqual([
      expect.objectContaining({
        raw: 'proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost',
        target: expect.objectContaining({ scheme: 'fcgi', unixSocket: '/run/php/php8.2-fpm.sock' }) as unknown,
        sections: ['FilesMatch .+\\.ph(?:ar|p|tml)$'],
        vhost: null,
        file: join(DEBIAN, 'conf-enabled/php8.2-fpm.conf'),
        line: 12,
      }),
    ]);
  });
  it('reads the virtual hosts with the main server settings they inherit', () => {
    const [def, app] = model.virtualHosts;
    expect(def).toMatchObject({ addresses: ['*:80'], errorLog: { path: '/var/log/apache2/error.log', inherited: false }, timeoutMs: { value: 300_000, inherited: true } });
    expect(def?.customLogs[0]).toMatchObject({ path: '/var/log/apache2/access.log', format: 'combined' });
    expect(app).toMatchObject({ index: 1, addresses: ['*:443'], serverName: 'app.example.com', serverAliases: ['www.app.example.com'] });
    expect(app?.proxyTimeoutMs).toMatchObject({ value: 30_000, inherited: false });
    expect(app?.errorLog?.path).toBe('/var/log/apache2/app-error.log');
    expect(app?.logLevel?.value).toEqual({ level: 'warn', modules: { proxy: 'info', ssl: 'info' } });
    expect([app?.sslProxyEngine?.value, app?.sslProxyVerify?.value, app?.sslProxyCheckPeerName?.value, app?.sslProxyCheckPeerExpire?.value]).toEqual([true, 'require', true, true]);
  });
  it('reads ProxyPass targets, exclusions, <Location> forms, line continuations and worker parameters', () => {
    const app = join(DEBIAN, 'sites-enabled/app.conf');
    const rows = model.proxyPasses.map((p) => [p.directive, p.path, p.target?.scheme ?? '!', p.target?.port ?? null, p.line, p.location]);
    expect(rows).toEqual([
      ['ProxyPass', '/mirror/foo/i', '!', null, 20, null],
      ['ProxyPass', '/mirror/foo', 'https', 443, 21, null],
      ['ProxyPassReverse', '/mirror/foo', 'https', 443, 23, null],
      ['ProxyPass', '/test', 'balancer', null, 30, null],
      ['ProxyPass', '/api', 'http', 8080, 33, 'Location /api'],
      ['ProxyPassMatch', '^/myapp/(.*\\.php(/.*)?)$', 'fcgi', 9000, 36, null],
      ['ProxyPass', '/fpm/', 'fcgi', null, 37, null],
    ]);
    expect(model.proxyPasses.every((p) => p.file === app && p.vhost === 1)).toBe(true);
    expect(model.proxyPasses[1]?.worker).toEqual({ connectionTimeoutMs: 5000, timeoutMs: 30_000, retryMs: 0, keepalive: true });
    expect(model.proxyPasses[4]?.worker).toEqual({ connectionTimeoutMs: 500 });
    expect(model.proxyPasses[6]?.target?.unixSocket).toBe('/run/php/php8.2-fpm.sock');
    const b = model.balancers[0];
    expect(b).toMatchObject({ name: 'balancer://mycluster', vhost: 1, params: { lbmethod: 'byrequests', timeout: '15' } });
    expect(b?.members.map((m) => [m.target.raw, m.worker])).toEqual([
      ['http://192.168.1.50:80', { retryMs: 30_000, ttlMs: 120_000 }],
      ['http://192.168.1.51:80', { disablereuse: true }],
    ]);
    expect(b?.members[1]?.params.loadfactor).toBe('2');
  });
});

describe('configs Apache rejects, and include handling', () => {
  const base = (dir: string): string =>
    [
      `ServerRoot ${dir}`,
      'ServerName test.local',
      'Listen 127.0.0.1:1',
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `ErrorLog ${dir}/error.log`,
      ...['mpm_event', 'authz_core', 'proxy', 'proxy_http', 'proxy_balancer', 'slotmem_shm', 'lbmethod_byrequests'].map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    ].join('\n');
  /** Write files under a fresh directory; the first is the main file. */
  const tree = (name: string, files: Record<string, string>): { dir: string; main: string } => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'conf.d'), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text.replaceAll('@BASE@', base(dir)).replaceAll('@DIR@', dir));
    return { dir, main: join(dir, Object.keys(files)[0] ?? '') };
  };
  const rejected: Array<{ name: string; files: Record<string, string>; message: RegExp; file?: string; line: number }> = [
    { name: 'include cycle', files: { 'main.conf': '@BASE@\nInclude conf.d/a.conf\n', 'conf.d/a.conf': 'Include conf.d/b.conf\n', 'conf.d/b.conf': 'Include conf.d/a.conf\n' }, message: /include cycle: .*a\.conf -> .*b\.conf -> .*a\.conf/, file: 'conf.d/b.conf', line: 1 },
    { name: 'include glob without a match', files: { 'main.conf': '@BASE@\nInclude conf.d/*.vhost\n' }, message: /No matches for the wildcard '\*\.vhost' in '.*conf\.d', failing/, line: 14 },
    { name: 'unclosed section', files: { 'main.conf': '@BASE@\n<VirtualHost *:80>\n  ServerName a\n' }, message: /<VirtualHost> was not closed/, line: 14 },
    { name: 'mismatched close', files: { 'main.conf': '@BASE@\n<VirtualHost *:80>\n<Location />\n</VirtualHost>\n' }, message: /Expected <\/Location> but saw <\/VirtualHost>/, line: 16 },
    { name: 'BalancerMember outside <Proxy> without a balancer', files: { 'main.conf': '@BASE@\nBalancerMember http://127.0.0.1:8080\n' }, message: /BalancerMember must define balancer name when outside <Proxy > section/, line: 14 },
    { name: 'a worker parameter that is not a time', files: { 'main.conf': '@BASE@\nProxyPass / http://127.0.0.1:8080/ timeout=soon\n' }, message: /timeout=soon: not a valid time/, line: 14 },
  ];
  for (const c of rejected) {
    it(c.name, () => {
      const { dir, main } = tree(c.name.replace(/\W+/g, '-'), c.files);
      const { errors } = parseApacheConfig(main);
      expect(errors).toEqual([expect.objectContaining({ file: join(dir, c.file ?? 'main.conf'), line: c.line, message: expect.stringMatching(c.message) as unknown })]);
      if (bin) expect(apacheCheck(main, dir).code).not.toBe(0);
    });
  }
  it('IncludeOptional without a match, Define and ${VAR}, <IfDefine> with -D, directory includes', () => {
    const { dir, main } = tree('accepted', {
      'main.conf': '@BASE@\nIncludeOptional conf.d/*.vhost\nDefine BACKEND 127.0.0.1:8080\nInclude conf.d\n<IfDefine WITH_API>\n  ProxyPass /api http://${BACKEND}/api\n</IfDefine>\nProxyPass /x http://${UNDEFINED_VAR}/\n',
      'conf.d/10-app.conf': 'ProxyPass /app http://${BACKEND}/ \\\n    retry=0\n',
    });
    const plain = parseApacheConfig(main);
    expect(plain.errors).toEqual([]);
    expect(plain.notes.map((n) => [n.line, n.message])).toEqual([
      [14, 'IncludeOptional conf.d/*.vhost: nothing matches'],
      [20, 'AH00111: Config variable ${UNDEFINED_VAR} is not defined'],
    ]);
    expect(plain.model.proxyPasses.map((p) => [p.path, p.target?.host, p.target?.port, p.file, p.line])).toEqual([
      ['/app', '127.0.0.1', 8080, join(dir, 'conf.d/10-app.conf'), 1],
      ['/x', '${UNDEFINED_VAR}', 80, main, 20],
    ]);
    expect(plain.model.proxyPasses[0]?.worker).toEqual({ retryMs: 0 });
    const withApi = parseApacheConfig(main, { defines: ['WITH_API'] });
    expect(withApi.model.proxyPasses.map((p) => p.path)).toEqual(['/app', '/api', '/x']);
    if (bin) expect(apacheCheck(main, dir).code).toBe(0);
  });
  it('gives directives included inside a <VirtualHost> to that virtual host', () => {
    const { dir, main } = tree('vhost-include', {
      'main.conf': '<VirtualHost *:8080>\n  ServerName inner.test\n  Include conf.d/proxy.conf\n</VirtualHost>\nProxyTimeout 20\n',
      'conf.d/proxy.conf': '<IfModule proxy_module>\n  ProxyPass / http://127.0.0.1:9000/\n</IfModule>\nProxyPass /off http://127.0.0.1:9001/\n',
    });
    const r = parseApacheConfig(main, { staticModules: ['core.c', 'mod_proxy.c'] });
    expect(r.errors).toEqual([]);
    expect(r.model.proxyPasses.map((p) => [p.path, p.vhost, p.file, p.line])).toEqual([
      ['/', 0, join(dir, 'conf.d/proxy.conf'), 2],
      ['/off', 0, join(dir, 'conf.d/proxy.conf'), 4],
    ]);
    expect(r.directives.find((d) => d.line === 2 && d.name === 'ProxyPass')?.sections.map((x) => x.name)).toEqual(['VirtualHost', 'IfModule']);
    expect(r.model.virtualHosts[0]?.proxyTimeoutMs).toMatchObject({ value: 20_000, inherited: true, line: 5 });
    const withoutProxy = parseApacheConfig(main);
    expect(withoutProxy.model.proxyPasses.map((p) => p.path)).toEqual(['/off']);
    expect(withoutProxy.directives.find((d) => d.line === 2 && d.name === 'ProxyPass')?.active).toBe(false);
  });
  it('reports a main file it cannot read', () => {
    expect(parseApacheConfig(join(root, 'nope.conf')).errors[0]).toMatchObject({ line: 0, message: expect.stringMatching(/could not open configuration file .*no such file/) as unknown });
  });
  it(`reads at most ${MAX_CONFIG_FILES} files, then says what it left out`, () => {
    const dir = join(root, 'many');
    mkdirSync(join(dir, 'sites'), { recursive: true });
    for (let i = 0; i < MAX_CONFIG_FILES + 5; i++) writeFileSync(join(dir, 'sites', `${String(i).padStart(5, '0')}.conf`), `ServerAlias a${i}\n`);
    writeFileSync(join(dir, 'main.conf'), 'IncludeOptional sites/*.conf\n');
    const r = parseApacheConfig(join(dir, 'main.conf'));
    expect(r.model.files).toHaveLength(MAX_CONFIG_FILES);
    expect(r.errors).toEqual([expect.objectContaining({ file: join(dir, 'main.conf'), line: 1, message: expect.stringMatching(/more than 10000 config files; the rest were not read/) as unknown })]);
  });
});

describe('words, URLs and times', () => {
  it("cuts words like ap_getword_conf", () => {
    expect(apacheWords('ProxyPass "/app" "http://127.0.0.1:8080/" retry=0')).toEqual(['ProxyPass', '/app', 'http://127.0.0.1:8080/', 'retry=0']);
    expect(apacheWords(`LogFormat "%h \\"%r\\" %>s" combined`)).toEqual(['LogFormat', '%h "%r" %>s', 'combined']);
    expect(apacheWords("SetEnvIfNoCase ^Authorization$ '(.+)' HTTP_AUTHORIZATION=$1")).toEqual(['SetEnvIfNoCase', '^Authorization$', '(.+)', 'HTTP_AUTHORIZATION=$1']);
  });
  it('parses mod_proxy URLs with default ports', () => {
    expect(parseApacheProxyUrl('fcgi://127.0.0.1:9000/var/www/')).toMatchObject({ scheme: 'fcgi', host: '127.0.0.1', port: 9000, explicitPort: true, path: '/var/www/' });
    expect(parseApacheProxyUrl('http://[::1]/')).toMatchObject({ host: '::1', port: 80, explicitPort: false });
    expect(parseApacheProxyUrl('fcgi://localhost/')).toMatchObject({ port: 8000 });
    expect(parseApacheProxyUrl('unix:/run/app.sock|http://localhost/')).toMatchObject({ scheme: 'http', unixSocket: '/run/app.sock', port: null });
    expect(parseApacheProxyUrl('balancer://pool')).toMatchObject({ scheme: 'balancer', host: 'pool', port: null });
    expect(parseApacheProxyUrl('/not/a/url')).toBeNull();
  });
  it('reads httpd times: seconds by default, ms, mi, h', () => {
    expect([apacheTime('30'), apacheTime('500ms'), apacheTime('2mi'), apacheTime('1h'), apacheTime('x')]).toEqual([30_000, 500, 120_000, 3_600_000, null]);
  });
});
