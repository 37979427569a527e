/**
 * HAProxy config parser: on the configs the lab's launcher writes (and a real HAProxy then runs), on Debian's stock
 * haproxy.cfg, on a config built from the examples of HAProxy's manual, and on broken configs that `haproxy -c`
 * rejects too. Where HAProxy is installed, every fixture is checked with `haproxy -c` so none is invented.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAPROXY_CHECK_DEFAULTS, type HaproxyBackend, parseHaproxyConfig, parseServerAddress } from '../../src/config/haproxy-config.js';
import { haproxyCondition, haproxyTime, haproxyWords } from '../../src/config/haproxy-words.js';
import { makeCa } from '../../src/lab/certs.js';
import type { ProxyTarget } from '../../src/lab/faults/types.js';
import { haproxyBinary, launchHaproxy } from '../../src/lab/launchers/haproxy.js';

const FIXTURES = 'test/config/fixtures/haproxy';
const bin = haproxyBinary();
const root = mkdtempSync(join(tmpdir(), 'why502-haproxy-config-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `haproxy -c` on a file: 0 valid, 1 errors (2: valid but no listener, which is fine for backend-only configs). */
function haproxyCheck(path: string, env: Record<string, string> = {}): { code: number | null; output: string } {
  const r = spawnSync(bin ?? 'haproxy', ['-c', '-f', path], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

function backend(model: { backends: HaproxyBackend[] }, name: string): HaproxyBackend {
  const b = model.backends.find((x) => x.name === name);
  if (!b) throw new Error(`no backend ${name}`);
  return b;
}

/** Start the lab's HAProxy for a target, parse the config it wrote, stop it. */
async function labConfig(name: string, target: ProxyTarget): Promise<{ path: string; startError: string | undefined }> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const proxy = await launchHaproxy({ dir, target });
  await proxy.stop();
  return { path: proxy.configPath, startError: proxy.startError };
}

describe.skipIf(!bin)('the configs the lab writes (HAProxy runs each)', () => {
  it('a load-balanced group with health checks, keep-alive reuse and a short read timeout', async () => {
    const { path, startError } = await labConfig('group', { scheme: 'http', servers: ['127.0.0.1:1', '127.0.0.1:2'], failFast: true, keepalive: true, readTimeoutMs: 1500, maxConnections: 64 });
    expect(startError).toBeUndefined();
    const { model, errors, directives } = parseHaproxyConfig(path);
    expect(errors).toEqual([]);
    expect(model.global.maxconn?.value).toBe(64);
    expect(model.global.logs[0]).toMatchObject({ target: 'stdout', facility: 'local0', level: 'info' });
    const be = backend(model, 'be');
    expect(be.defaults).toBe('');
    expect(be.timeouts.server).toMatchObject({ value: 1500, raw: '1500ms', file: path, inherited: true });
    expect(be.timeouts.connect?.value).toBe(2000);
    expect(be.timeouts.client?.value).toBe(10_000);
    expect(be.retries?.value).toBe(1);
    expect(be.httplog?.value).toBe(true);
    expect(be.httpReuse?.value).toBe('always');
    expect(be.servers.map((s) => [s.name, s.address, s.port])).toEqual([
      ['s0', '127.0.0.1', 1],
      ['s1', '127.0.0.1', 2],
    ]);
    expect(be.servers[0]?.options).toMatchObject({ check: true, inter: 5000, fall: 1, rise: 2 });
    expect(be.servers[0]?.options.other).toMatchObject({ observe: 'layer4', 'error-limit': '1', 'on-error': 'mark-down' });
    expect(model.frontends[0]?.defaultBackend?.value).toBe('be');
    // Every keyword line is there, with its place and section.
    const server = directives.find((d) => d.name === 'server');
    expect(server).toMatchObject({ file: path, args: ['s0', '127.0.0.1:1', 'check', 'inter', '5s', 'fall', '1', 'rise', '2', 'observe', 'layer4', 'error-limit', '1', 'on-error', 'mark-down'], section: { kind: 'backend', name: 'be' } });
  });

  it('TLS to the upstream with verification, SNI and the TLS error in the log format', async () => {
    const ca = await makeCa(join(root, 'ca'));
    const { path, startError } = await labConfig('tls', { scheme: 'https', servers: ['127.0.0.1:3'], verify: { ca: ca.cert, name: 'app.test' } });
    expect(startError).toBeUndefined();
    const { model, errors } = parseHaproxyConfig(path);
    expect(errors).toEqual([]);
    const be = backend(model, 'be');
    expect(be.servers[0]?.options).toMatchObject({ ssl: true, verify: 'required', caFile: ca.cert, caFilePath: ca.cert, sni: 'str(app.test)', verifyhost: 'app.test' });
    expect(be.httplog).toBeUndefined();
    expect(be.logFormat?.value).toMatch(/^%ci:%cp \[%tr\] .* ssl_bc_err=%\{\+Q\}\[ssl_bc_err_str\]$/);
  });

  it('a host name resolved at run time through a resolvers section', async () => {
    const { path, startError } = await labConfig('dns', { scheme: 'http', servers: ['127.0.0.1:8080'], hostName: 'app.lab.test', resolver: '127.0.0.1:5353' });
    expect(startError).toBeUndefined();
    const { model, errors } = parseHaproxyConfig(path);
    expect(errors).toEqual([]);
    expect(model.resolvers).toEqual([
      expect.objectContaining({ name: 'lab', nameservers: [expect.objectContaining({ name: 'ns1', address: '127.0.0.1:5353' })], resolveRetries: 1, timeouts: { resolve: 1000, retry: 1000 }, hold: { nx: 1000 } }),
    ]);
    expect(backend(model, 'be').servers[0]).toMatchObject({ address: 'app.lab.test', port: 8080, unix: null, options: { resolvers: 'lab', initAddr: 'none' } });
  });

  it('a unix socket server', async () => {
    const { path, startError } = await labConfig('unix', { scheme: 'http', servers: [`unix:${join(root, 'app.sock')}`] });
    expect(startError).toBeUndefined();
    const s = backend(parseHaproxyConfig(path).model, 'be').servers[0];
    expect(s).toMatchObject({ address: join(root, 'app.sock'), port: null, unix: join(root, 'app.sock') });
    expect(s?.options.check).toBeUndefined();
  });
});

describe("Debian's stock haproxy.cfg (haproxy 2.6.12-1+deb12u4)", () => {
  const path = join(FIXTURES, 'debian-haproxy.cfg');
  it('is read without errors: logs to syslog, a stats socket, timeouts in plain milliseconds', () => {
    const { model, errors, notes } = parseHaproxyConfig(path);
    expect(errors).toEqual([]);
    expect(notes).toEqual([]);
    expect(model.global.logs.map((l) => [l.target, l.facility, l.level])).toEqual([
      ['/dev/log', 'local0', undefined],
      ['/dev/log', 'local1', 'notice'],
    ]);
    expect(model.global.statsSockets[0]).toMatchObject({ path: '/run/haproxy/admin.sock', line: 5 });
    expect(model.global.chroot?.value).toBe('/var/lib/haproxy');
    const d = model.defaults[0];
    expect(d?.name).toBeNull();
    expect(d?.timeouts).toMatchObject({ connect: { value: 5000, line: 25 }, client: { value: 50_000 }, server: { value: 50_000, line: 27 } });
    expect(d?.httplog?.value).toBe(true);
    expect(d?.options.dontlognull?.value).toBe(true);
    expect(d?.errorFiles['502']?.value).toBe('/etc/haproxy/errors/502.http');
    expect(model.backends).toEqual([]);
  });
  it.skipIf(!bin)('is valid for haproxy -c', () => {
    expect(haproxyCheck(path).output).toMatch(/Configuration file is valid/);
  });
});

describe("a config from the manual's examples (named defaults, default-server, templates, resolvers)", () => {
  const path = join(FIXTURES, 'docs-examples.cfg');
  const { model, errors, notes, directives } = parseHaproxyConfig(path);
  it.skipIf(!bin)('is valid for haproxy -c', () => {
    expect(haproxyCheck(path).code).toBe(0);
  });
  it('has no errors and every keyword line positioned', () => {
    expect(errors).toEqual([]);
    expect(notes).toEqual([]);
    expect(directives.filter((d) => d.name === 'server' || d.name === 'server-template')).toHaveLength(8);
    expect(directives.find((d) => d.name === 'http-reuse')).toMatchObject({ line: 26, args: ['safe'], section: { kind: 'defaults', name: 'apps' } });
  });
  it('resolves timeouts through `defaults apps from base` into the proxies', () => {
    const app = backend(model, 'be_app');
    expect(app.defaults).toBe('apps');
    expect(app.timeouts.server).toMatchObject({ value: 60_000, line: 24, inherited: true });
    expect(app.timeouts.connect).toMatchObject({ value: 5000, line: 16, inherited: true });
    expect(app.timeouts['http-keep-alive']?.value).toBe(2000);
    expect(app.timeouts.queue?.value).toBe(10_000);
    expect(app.retries?.value).toBe(3);
    expect(app.httpReuse?.value).toBe('safe');
    expect(backend(model, 'be_dyn').timeouts.server).toMatchObject({ value: 90_000, inherited: false });
    const stats = backend(model, 'stats');
    expect(stats.kind).toBe('listen');
    expect(stats.httpReuse).toBeUndefined();
    expect(stats.options.redispatch?.value).toBe(false);
    expect(stats.binds[0]?.address).toBe('127.0.0.1:8404');
  });
  it('reads health checks and server options, with default-server lines applied', () => {
    const app = backend(model, 'be_app');
    expect(app.httpchk).toMatchObject({ method: 'GET', uri: '/health', version: 'HTTP/1.1', line: 42 });
    expect(app.httpCheckRules.map((r) => r.args)).toEqual([['expect', 'status', '200']]);
    const [first, second, tls, sock, v6] = app.servers;
    expect(first?.options).toMatchObject({ check: true, inter: 1000, other: { weight: '13', cookie: 'first' } });
    expect(first?.options.fall).toBeUndefined();
    expect(HAPROXY_CHECK_DEFAULTS.fall).toBe(3);
    expect(second?.options.backup).toBe(true);
    expect(tls?.options).toMatchObject({ ssl: true, verify: 'required', caFile: 'ca-certificates.crt', caFilePath: '/etc/ssl/certs/ca-certificates.crt', sni: 'str(app.example.com)', verifyhost: 'app.example.com', checkSsl: true });
    expect(sock).toMatchObject({ unix: '/run/app.sock', port: null, options: { disabled: true } });
    expect(v6).toMatchObject({ address: '::1', port: 8081, addr: { family: 'ipv6' }, options: { maxconn: 32 } });
    const dyn = backend(model, 'be_dyn').servers;
    expect(dyn[0]).toMatchObject({ name: 'srv', address: 'app.example.com', port: 80, template: { range: '1-3', count: 3 }, options: { check: true, resolvers: 'mydns', initAddr: 'none' } });
    expect(dyn[1]?.options.other['resolve-prefer']).toBe('ipv6');
  });
  it('reads frontends and resolvers', () => {
    const fe = model.frontends[0];
    expect(fe?.defaultBackend?.value).toBe('be_app');
    expect(fe?.useBackends[0]).toMatchObject({ backend: 'be_dyn', condition: ['if', '{', 'path_beg', '/dyn', '}'] });
    expect(model.resolvers[0]).toMatchObject({ name: 'mydns', nameservers: [{ address: '127.0.0.53:53' }, { address: '8.8.8.8:53' }], timeouts: { retry: 1000 }, hold: { valid: 10_000, nx: 3000 } });
  });
});

describe('configs HAProxy refuses: the parser reports them where haproxy -c does', () => {
  const base = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n';
  const cases: Array<{ name: string; text: string; line: number; message: RegExp }> = [
    { name: 'a missing default_backend', text: `${base}frontend fe\n  bind 127.0.0.1:1\n  default_backend nope\n`, line: 8, message: /unable to find required default_backend or use_backend: 'nope'/ },
    { name: 'a timeout with an unknown unit', text: `${base}backend b\n  timeout server 30x\n`, line: 7, message: /'timeout server' expects an integer value/ },
    { name: '`no option httplog`', text: `${base}listen l\n  bind 127.0.0.1:1\n  no option httplog\n`, line: 8, message: /negation\/default is not supported for option 'httplog'/ },
    { name: 'an unmatched quote', text: `${base}backend b\n  server s "127.0.0.1:1\n`, line: 7, message: /unmatched quote/ },
    { name: 'a keyword before any section', text: `maxconn 10\n${base}`, line: 1, message: /out of section/ },
    { name: 'a server naming unknown resolvers', text: `${base}backend b\n  server s app.test:80 resolvers nope init-addr none\n`, line: 7, message: /unable to find required resolvers 'nope'/ },
    { name: 'the pre-2.1 contimeout', text: `${base}backend b\n  contimeout 5s\n`, line: 7, message: /not supported anymore/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { errors } = parseHaproxyConfig({ name: 'broken.cfg', text: c.text });
      expect(errors).toEqual([expect.objectContaining({ file: 'broken.cfg', line: c.line, message: expect.stringMatching(c.message) as unknown })]);
      if (!bin) return;
      const path = join(root, `${c.name.replace(/\W+/g, '-')}.cfg`);
      writeFileSync(path, c.text);
      expect(haproxyCheck(path).code, haproxyCheck(path).output).toBe(1);
    });
  }
});

describe('line syntax', () => {
  it('cuts words like HAProxy: quotes, escapes, comments, environment variables in double quotes', () => {
    expect(haproxyWords('log-format "%{+Q}o %t"\' %s\'\\ %{-Q}r # comment').words).toEqual(['log-format', '%{+Q}o %t %s %{-Q}r']);
    expect(haproxyWords('server backup "${SRV_BACKUP}:1080" backup', { SRV_BACKUP: '10.0.0.9' }).words).toEqual(['server', 'backup', '10.0.0.9:1080', 'backup']);
    expect(haproxyWords("http-request set-path '%[path,regsub(\"(foo|bar)\",blah,g)]'").words[2]).toBe('%[path,regsub("(foo|bar)",blah,g)]');
    expect(haproxyWords('a \\#b c\\x41').words).toEqual(['a', '#b', 'cA']);
    const unset = haproxyWords('server s "${NOPE}:80"');
    expect(unset.words[2]).toBe('${NOPE}:80');
    expect(unset.unresolved).toEqual(['NOPE']);
  });
  it('reads times with units', () => {
    expect([haproxyTime('5000'), haproxyTime('5s'), haproxyTime('1m'), haproxyTime('500us'), haproxyTime('2h'), haproxyTime('5 s')]).toEqual([5000, 5000, 60_000, 0.5, 7_200_000, null]);
  });
  it('reads server addresses', () => {
    expect(parseServerAddress('10.1.1.1:1080')).toMatchObject({ address: '10.1.1.1', port: 1080, unix: null });
    expect(parseServerAddress('[2001:db8::1]:443')).toMatchObject({ address: '2001:db8::1', port: 443 });
    expect(parseServerAddress('/run/app.sock')).toMatchObject({ unix: '/run/app.sock', port: null });
    expect(parseServerAddress('10.0.0.1')).toMatchObject({ address: '10.0.0.1', port: null });
    expect(parseServerAddress('10.0.0.1:+1000')).toMatchObject({ port: null, portOffset: 1000 });
    expect(parseServerAddress('abns@app')).toMatchObject({ address: 'app', unix: null, family: 'abns' });
  });
  it('keeps only the lines of `.if` blocks that hold', () => {
    const text = `.if defined(WITH_B)\nbackend b\n  server s 127.0.0.1:1\n.elif streq(x,x)\nbackend c\n.else\nbackend d\n.endif\n`;
    expect(parseHaproxyConfig({ name: 't.cfg', text }, { env: { WITH_B: '' } }).model.backends.map((b) => b.name)).toEqual(['b']);
    expect(parseHaproxyConfig({ name: 't.cfg', text }).model.backends.map((b) => b.name)).toEqual(['c']);
    expect(haproxyCondition(['!defined(A)', '&&', '(0', '||', '1)'], {})).toBe(true);
    const unknown = parseHaproxyConfig({ name: 't.cfg', text: '.if version_atleast(2.4)\nbackend v\n.endif\n' });
    expect(unknown.model.backends.map((b) => b.name)).toEqual(['v']);
    expect(unknown.notes[0]?.message).toMatch(/cannot evaluate/);
  });
  it('inherits health checks from defaults until a proxy has its own http-check rules', () => {
    const text = 'defaults\n  option httpchk GET /health\n  http-check expect status 200\nbackend a\n  server s 127.0.0.1:1 check\nbackend b\n  http-check expect status 204\n';
    const { model } = parseHaproxyConfig({ name: 't.cfg', text });
    expect(backend(model, 'a').httpchk).toMatchObject({ method: 'GET', uri: '/health', inherited: true, line: 2 });
    expect(backend(model, 'a').httpCheckRules.map((r) => [r.line, r.args.join(' ')])).toEqual([[3, 'expect status 200']]);
    expect(backend(model, 'b').httpCheckRules.map((r) => [r.line, r.args.join(' ')])).toEqual([[7, 'expect status 204']]);
  });
  it('reads a directory of *.cfg files in lexical order, as `haproxy -f <dir>` does', () => {
    const dir = join(root, 'conf.d');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '20-backend.cfg'), 'backend app\n  server a 127.0.0.1:8080 check\n');
    writeFileSync(join(dir, '10-defaults.cfg'), 'defaults\n  timeout server 42s\n');
    writeFileSync(join(dir, 'README'), 'not a config\n');
    const { model, errors } = parseHaproxyConfig(dir);
    expect(errors).toEqual([]);
    expect(model.files.map((f) => f.split('/').pop())).toEqual(['10-defaults.cfg', '20-backend.cfg']);
    expect(backend(model, 'app').timeouts.server).toMatchObject({ value: 42_000, inherited: true, file: join(dir, '10-defaults.cfg') });
  });
  it('reports a file it cannot read, without throwing', () => {
    const r = parseHaproxyConfig(join(root, 'missing.cfg'));
    expect(r.errors[0]).toMatchObject({ line: 0, message: expect.stringMatching(/no such file/) as unknown });
  });
});
