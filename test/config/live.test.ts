/**
 * `why502 config --live` on real sockets: the lab's nginx in front of a dead upstream, a 0600 socket, an
 * expired certificate and a short keep-alive upstream, each named with its cause; FastCGI asked of the real
 * PHP-FPM; unix sockets told apart (ENOENT, EACCES, EAGAIN); the idle keep-alive close measured against the
 * pool's keepalive_timeout; and how targets are read from the config (groups, variables, TLS settings).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeConfigWithTree } from '../../src/config/analyze.js';
import { liveCheck, planLiveChecks } from '../../src/config/live.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { parseFpmConfig } from '../../src/config/php-fpm-config.js';
import type { Fact } from '../../src/evidence/facts.js';
import { faultByName } from '../../src/lab/faults/index.js';
import { nginxBinary } from '../../src/lab/launchers/nginx.js';
import { fpmBinary, launchFpm } from '../../src/lab/launchers/php-fpm.js';
import { startScenario } from '../../src/lab/scenario.js';
import { assertValidReport, runCli } from '../helpers.js';

const ROOT = process.getuid?.() === 0;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'why502-live-'));
  await chmod(dir, 0o755);
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function tree(text: string): ReturnType<typeof loadNginxConfig> {
  return loadNginxConfig({ text, name: 'nginx.conf' });
}

function facts(r: { incidents: Fact[][] }): Fact[] {
  return r.incidents.flat();
}

/** A plain HTTP server on loopback; `keepAliveMs` is Node's idle keep-alive close (server.keepAliveTimeout). */
async function httpServer(keepAliveMs: number, handler: (res: ServerResponse) => void = (res) => res.end('ok')): Promise<{ port: number; server: HttpServer }> {
  const server = createHttpServer((_q, res) => handler(res));
  server.keepAliveTimeout = keepAliveMs;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const a = server.address();
  return { port: typeof a === 'object' && a ? a.port : 0, server };
}

async function unixServer(path: string, onConn: (s: Socket) => void = (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')): Promise<Server> {
  const srv = createServer((s) => {
    // The check closes its side first; a reset there is expected, not a test failure.
    s.on('error', () => undefined);
    // Read (and drop) what the check sends, or the end of its connection is never seen and close() waits forever.
    s.resume();
    onConn(s);
  });
  await new Promise<void>((r) => srv.listen(path, r));
  // As root the socket is 0755 (umask): nginx's workers could not open it. The tests that want that chmod it back.
  await chmod(path, 0o666);
  cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
  return srv;
}

describe('liveCheck on the lab: each upstream fault named with its cause', () => {
  const lab = async (fault: string, expected: string): Promise<void> => {
    const f = faultByName(fault);
    if (!f) throw new Error(`no fault ${fault}`);
    const scenario = await startScenario('nginx', f);
    try {
      expect(scenario.proxy.startError).toBeUndefined();
      const live = await liveCheck(loadNginxConfig({ path: scenario.proxy.configPath }), { timeoutMs: 8000 });
      const { report } = await analyzeConfigWithTree(scenario.proxy.configPath, { liveIncidents: live.incidents, live: live.targets });
      expect(report.causes[0]?.id, JSON.stringify({ causes: report.causes.map((c) => [c.id, c.count]), incidents: live.incidents, probes: live.probes })).toBe(expected);
      const probeEvidence = report.causes[0]?.evidence.find((e) => e.source === 'probe');
      expect(probeEvidence?.text).toContain('live check of');
      expect(report.causes[0]?.upstreams.length).toBeGreaterThan(0);
    } finally {
      await scenario.stop();
      await rm(scenario.dir, { recursive: true, force: true });
    }
  };

  it('a dead upstream (nothing listens): upstream-refused', { timeout: 20_000 }, async (t) => {
    if (!nginxBinary()) return t.skip('nginx is not installed (apt-get install nginx)');
    await lab('refuse', 'upstream-refused');
  });

  it('a 0600 root socket nginx\'s workers may not open: permission-denied', { timeout: 20_000 }, async (t) => {
    if (!nginxBinary()) return t.skip('nginx is not installed (apt-get install nginx)');
    if (!ROOT) return t.skip('needs root: only then do nginx\'s workers run as another user than the socket\'s owner');
    await lab('socket-permission', 'permission-denied');
  });

  it('an upstream with an expired certificate, verified by nginx: upstream-tls-expired', { timeout: 20_000 }, async (t) => {
    if (!nginxBinary()) return t.skip('nginx is not installed (apt-get install nginx)');
    await lab('tls-expired', 'upstream-tls-expired');
  });

  it('a keep-alive upstream that drops connections idle for 1 s, reused by nginx for 60 s: keepalive-race', { timeout: 20_000 }, async (t) => {
    if (!nginxBinary()) return t.skip('nginx is not installed (apt-get install nginx)');
    await lab('keepalive-idle-close', 'keepalive-race');
  });
});

describe('why502 config --live (the CLI)', () => {
  it('the lab nginx in front of a dead upstream: exit 1, upstream-refused from the live check, the timeout honoured', { timeout: 30_000 }, async (t) => {
    if (!nginxBinary()) return t.skip('nginx is not installed (apt-get install nginx)');
    const f = faultByName('refuse');
    if (!f) throw new Error('no fault refuse');
    const scenario = await startScenario('nginx', f);
    try {
      const r = await runCli(['config', '--live', '--timeout', '5', '--json', scenario.proxy.configPath], { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as unknown;
      assertValidReport(report);
      expect(report.causes[0]?.id).toBe('upstream-refused');
      expect(report.summary).toMatch(/1 upstream target\(s\) failed the live check \(upstream-refused\)/);
      expect(report.causes[0]?.message).toMatch(/^1 live check\(s\) failed/);
      expect(report.notAssessed.some((n) => /--live/.test(n.need))).toBe(false);
      const bad = await runCli(['config', '--live', '--timeout', '0', scenario.proxy.configPath]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--timeout 0/);
    } finally {
      await scenario.stop();
      await rm(scenario.dir, { recursive: true, force: true });
    }
  });
});

describe('liveCheck: FastCGI targets get a real FastCGI request', () => {
  it('the real PHP-FPM answers: measured, no incident', { timeout: 20_000 }, async (t) => {
    if (!fpmBinary()) return t.skip('php-fpm is not installed (apt-get install php-fpm)');
    const dir = await scratch();
    const fpm = await launchFpm({ dir, scripts: { 'index.php': '<?php echo "ok";' } });
    cleanup.push(() => fpm.stop());
    const r = await liveCheck(tree(`events {} http { server { listen 80; location ~ \\.php$ { include fastcgi_params; fastcgi_pass ${fpm.socket}; } } }`), { timeoutMs: 5000 });
    expect(r.incidents).toEqual([]);
    expect(r.targets).toHaveLength(1);
    expect(r.targets[0]?.target).toBe(fpm.socket);
    expect(r.targets[0]?.headerBytes).toBeGreaterThan(0);
    expect(r.targets[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.probes[0]?.transcript.join('\n')).toContain('Primary script unknown');
  });

  it('an HTTP server behind fastcgi_pass: invalid-response fastcgi-got-http (protocol-mismatch)', { timeout: 5000 }, async () => {
    const { port } = await httpServer(5000);
    const r = await liveCheck(tree(`fastcgi_pass 127.0.0.1:${port};`), { timeoutMs: 3000 });
    const f = facts(r).find((x) => x.kind === 'invalid-response');
    expect(f?.detail).toBe('fastcgi-got-http');
    expect(f?.upstream).toBe(`127.0.0.1:${port}`);
    expect(f?.scheme).toBe('fastcgi');
  });

  it("asks the pool's ping.path when the PHP-FPM config names one for that socket", { timeout: 5000 }, async () => {
    const dir = await scratch();
    const path = join(dir, 'fpm.sock');
    let asked = '';
    await unixServer(path, (s) => {
      s.on('data', (d: Buffer) => {
        if (asked === '') asked = d.toString('latin1');
        const body = Buffer.from('Content-type: text/plain\r\n\r\npong');
        const pad = (8 - (body.length % 8)) % 8;
        const stdout = Buffer.concat([Buffer.from([1, 6, 0, 1, body.length >> 8, body.length & 0xff, pad, 0]), body, Buffer.alloc(pad)]);
        s.end(Buffer.concat([stdout, Buffer.from([1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]));
      });
    });
    const fpm = parseFpmConfig({ name: 'www.conf', text: `[www]\nlisten = ${path}\npm = static\npm.max_children = 1\nping.path = /fpm-ping\n` });
    const r = await liveCheck(tree(`fastcgi_pass unix:${path};`), { timeoutMs: 3000, fpm });
    expect(r.incidents).toEqual([]);
    expect(asked).toContain('/fpm-ping');
  });
});

describe('liveCheck: unix sockets', () => {
  it('a missing socket: connect-failed ENOENT (upstream-refused)', { timeout: 5000 }, async () => {
    const dir = await scratch();
    const r = await liveCheck(tree(`fastcgi_pass unix:${join(dir, 'gone.sock')};`), { timeoutMs: 2000 });
    const f = facts(r)[0];
    expect(f).toMatchObject({ kind: 'connect-failed', errno: 'ENOENT', upstream: `unix:${join(dir, 'gone.sock')}`, scheme: 'fastcgi', ref: { source: 'probe', phase: 'connect' } });
  });

  it('a stale socket file nothing listens on: connect-failed ECONNREFUSED', { timeout: 5000 }, async () => {
    const dir = await scratch();
    const path = join(dir, 'stale.sock');
    // A listener that exits without closing leaves its socket file behind (Node unlinks it on close()).
    execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)},()=>process.exit(0))`]);
    const r = await liveCheck(tree(`proxy_pass http://unix:${path}:/;`), { timeoutMs: 2000 });
    expect(facts(r)[0]).toMatchObject({ kind: 'connect-failed', errno: 'ECONNREFUSED' });
  });

  it("judges a socket for nginx's workers: a root 0600 socket is EACCES for them even when this process may open it", { timeout: 5000 }, async (t) => {
    if (!ROOT) return t.skip('needs root to make a socket another user cannot open');
    const dir = await scratch();
    const path = join(dir, 'app.sock');
    await unixServer(path);
    await chmod(path, 0o600);
    const r = await liveCheck(tree(`user nobody;\nhttp { server { location / { proxy_pass http://unix:${path}:; } } }`), { timeoutMs: 2000 });
    const f = facts(r)[0];
    expect(f).toMatchObject({ kind: 'connect-failed', errno: 'EACCES', upstream: `unix:${path}` });
    expect(f?.ref.text).toMatch(/nginx's workers \(user "nobody"/);
    expect(f?.ref.text).toMatch(/mode 0600: no write permission for "nobody"/);
    expect(f?.ref.text).toMatch(/this check runs as root/);
  });

  it('a directory the workers cannot search denies them too; a 0666 socket in a 0755 directory does not', { timeout: 5000 }, async (t) => {
    if (!ROOT) return t.skip('needs root to make a directory another user cannot search');
    const dir = await scratch();
    const open = join(dir, 'open.sock');
    await unixServer(open);
    await chmod(open, 0o666);
    const ok = await liveCheck(tree(`proxy_pass http://unix:${open}:;`), { timeoutMs: 2000, workerUser: 'nobody' });
    expect(ok.incidents).toEqual([]);
    expect(ok.targets[0]?.headerBytes).toBeGreaterThan(0);
    const closed = join(dir, 'private');
    await mkdir(closed, { mode: 0o700 });
    const inner = join(closed, 'app.sock');
    await unixServer(inner);
    await chmod(inner, 0o666);
    const r = await liveCheck(tree(`proxy_pass http://unix:${inner}:;`), { timeoutMs: 2000, workerUser: 'nobody' });
    expect(facts(r)[0]?.errno).toBe('EACCES');
    expect(facts(r)[0]?.ref.text).toContain('no search permission');
  });

  it("a listener whose accept queue is full: connect-failed EAGAIN (upstream-overloaded)", { timeout: 8000 }, async () => {
    const dir = await scratch();
    const path = join(dir, 'busy.sock');
    // A child listens with a backlog of 1 (Node reads 0 as "the default") and blocks its event loop: it never accepts.
    const code = `const s=require('net').createServer().listen({path:${JSON.stringify(path)},backlog:1,readableAll:true,writableAll:true},()=>{process.stdout.write('ready\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,6000),20)})`;
    const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanup.push(() => {
      child.kill('SIGKILL');
    });
    await new Promise((r) => child.stdout?.once('data', r));
    await new Promise((r) => setTimeout(r, 100));
    // Fill the queue until the kernel answers EAGAIN (a unix listener holds backlog + 1 connections).
    let full = false;
    for (let i = 0; i < 8 && !full; i++) {
      const filler = connect({ path });
      cleanup.push(() => {
        filler.destroy();
      });
      full = await new Promise<boolean>((r) => {
        filler.once('connect', () => r(false));
        filler.once('error', (e: NodeJS.ErrnoException) => r(e.code === 'EAGAIN'));
      });
    }
    expect(full).toBe(true);
    const r = await liveCheck(tree(`fastcgi_pass unix:${path};`), { timeoutMs: 2000 });
    expect(facts(r)[0]).toMatchObject({ kind: 'connect-failed', errno: 'EAGAIN' });
  });
});

describe('liveCheck: the idle keep-alive close against nginx\'s reuse window', () => {
  const pooled = (port: number, extra = '', loc = 'proxy_http_version 1.1; proxy_set_header Connection "";'): string =>
    `http { upstream app { server 127.0.0.1:${port}; keepalive 8; ${extra} } server { location / { ${loc} proxy_pass http://app; } } }`;

  it('an upstream that closes idle connections (Node keepAliveTimeout 1.5 s, plus the 1 s grace of Node 20.20), reused for 60 s: measured, reused-connection-failed', { timeout: 10_000 }, async () => {
    const { port } = await httpServer(1500);
    const started = Date.now();
    const r = await liveCheck(tree(pooled(port)), { timeoutMs: 8000, idleWaitMs: 4000 });
    expect(Date.now() - started).toBeLessThan(4000);
    const t = r.targets[0];
    expect(t?.target).toBe(`127.0.0.1:${port}`);
    expect(t?.idleCloseMs).toBeGreaterThanOrEqual(1400);
    expect(t?.idleCloseMs).toBeLessThan(3000);
    const f = facts(r).find((x) => x.kind === 'reused-connection-failed');
    // Node 20.20 closes 1 s after its keepAliveTimeout (a grace it added); the detail carries what was measured.
    expect(f?.detail).toBe(`closes idle connections after ${Math.round((t?.idleCloseMs ?? 0) / 100) / 10} s, nginx reuses them for 60 s`);
    expect(f).toMatchObject({ upstream: `127.0.0.1:${port}`, scheme: 'http', ref: { source: 'probe', phase: 'http' } });
  });

  it('nginx drops idle connections first (keepalive_timeout 1s): no race, and no close within the wait', { timeout: 10_000 }, async () => {
    const { port } = await httpServer(5000);
    const r = await liveCheck(tree(pooled(port, 'keepalive_timeout 1s;')), { timeoutMs: 5000 });
    expect(r.incidents).toEqual([]);
    expect(r.targets[0]?.idleCloseMs).toBeNull();
  });

  it('a location that does not reuse the pool (HTTP/1.0, the default before 1.29.7): the close is measured, no incident', { timeout: 10_000 }, async () => {
    const { port } = await httpServer(1000);
    const r = await liveCheck(tree(pooled(port, '', '')), { timeoutMs: 6000, idleWaitMs: 3000, nginxVersion: '1.22.1' });
    expect(r.incidents).toEqual([]);
    expect(r.targets[0]?.idleCloseMs).toBeGreaterThanOrEqual(900);
  });

  it('since nginx 1.29.7 an upstream{} block keeps connections alive without a keepalive directive', { timeout: 10_000 }, async () => {
    const { port } = await httpServer(1000);
    const text = `http { upstream app { server 127.0.0.1:${port}; } server { location / { proxy_pass http://app; } } }`;
    const old = await liveCheck(tree(text), { timeoutMs: 3000, nginxVersion: '1.22.1' });
    expect(old.targets[0]?.idleCloseMs).toBeUndefined();
    const now = await liveCheck(tree(text), { timeoutMs: 6000, idleWaitMs: 3000, nginxVersion: '1.29.7' });
    expect(facts(now).map((f) => f.kind)).toContain('reused-connection-failed');
  });

  it('an upstream that closes right after each response is not an idle race', { timeout: 5000 }, async () => {
    const srv = createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => srv.close(() => r())));
    const a = srv.address();
    const r = await liveCheck(tree(pooled(typeof a === 'object' && a ? a.port : 0)), { timeoutMs: 3000 });
    expect(r.incidents).toEqual([]);
    expect(r.targets[0]?.idleCloseMs).toBeLessThan(150);
  });
});

describe('liveCheck: TCP targets, measurements, deadline', () => {
  it('measures the response header bytes and the time to first byte; sends the Host nginx sends', { timeout: 5000 }, async () => {
    const { port } = await httpServer(5000, (res) => {
      res.setHeader('Set-Cookie', `s=${'a'.repeat(6000)}`);
      res.end('ok');
    });
    const r = await liveCheck(tree(`server { server_name shop.example; location /api/ { proxy_set_header Host $host; proxy_pass http://127.0.0.1:${port}; } }`), { timeoutMs: 3000 });
    expect(r.incidents).toEqual([]);
    expect(r.targets[0]?.headerBytes).toBeGreaterThan(6000);
    expect(r.targets[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    const transcript = r.probes[0]?.transcript.join('\n') ?? '';
    expect(transcript).toContain('> GET /api/ HTTP/1.1');
    expect(transcript).toContain('> Host: shop.example');
  });

  it('an upstream answering 502 itself: app-status', { timeout: 5000 }, async () => {
    const { port } = await httpServer(5000, (res) => {
      res.statusCode = 502;
      res.end('bad');
    });
    const r = await liveCheck(tree(`proxy_pass http://127.0.0.1:${port};`), { timeoutMs: 3000 });
    expect(facts(r)[0]).toMatchObject({ kind: 'app-status', status: 502 });
  });

  it('a name that does not resolve: resolve-failed (nginx would not start)', { timeout: 8000 }, async () => {
    const r = await liveCheck(tree('proxy_pass http://no-such-host.invalid:8080;'), { timeoutMs: 5000 });
    expect(facts(r)[0]).toMatchObject({ kind: 'resolve-failed', upstream: 'no-such-host.invalid:8080', ref: { phase: 'dns' } });
  });

  it('probes each distinct target once, concurrently, under one deadline', { timeout: 5000 }, async () => {
    // A listener that never accepts: connects to it hang until the deadline.
    const code = `const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,8000),20)})`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanup.push(() => {
      child.kill('SIGKILL');
    });
    const hole = await new Promise<number>((r) => child.stdout?.once('data', (d: Buffer) => r(Number(String(d).trim()))));
    await new Promise((r) => setTimeout(r, 100));
    const fill = [connect(hole, '127.0.0.1'), connect(hole, '127.0.0.1'), connect(hole, '127.0.0.1')];
    for (const s of fill) s.on('error', () => undefined);
    cleanup.push(() => fill.forEach((s) => s.destroy()));
    const { port } = await httpServer(5000);
    const text = `server { location /a { proxy_pass http://127.0.0.1:${hole}; } location /b { proxy_pass http://127.0.0.1:${hole}; } location /c { proxy_pass http://127.0.0.1:${port}; } }`;
    const started = Date.now();
    const r = await liveCheck(tree(text), { timeoutMs: 800 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.probes).toHaveLength(2);
    expect(r.incidents).toHaveLength(1);
    expect(facts(r)[0]?.kind).toBe('timeout');
    expect(r.targets.find((t) => t.target === `127.0.0.1:${port}`)?.headerBytes).toBeGreaterThan(0);
  });
});

describe('planLiveChecks: passes with variables', () => {
  it('a variable set to a literal is substituted; a name is then resolved by nginx\'s resolver, per request', () => {
    const { plans, notes } = planLiveChecks(
      tree('http { resolver 127.0.0.1:5353 ipv6=off valid=10s; resolver_timeout 2s; server { set $backend app.internal:8080; location /api/ { proxy_pass http://$backend; } } }'),
      { nginxVersion: '1.22.1' },
    );
    expect(notes).toEqual([]);
    expect(plans[0]).toMatchObject({ target: 'app.internal:8080', host: 'app.internal', port: 8080, path: '/api/', resolver: { addresses: ['127.0.0.1:5353'], ipv6: false, timeoutMs: 2000 } });
  });
  it('the innermost set wins; an IP address needs no resolver; a map or request variable is not probed', () => {
    const { plans, notes } = planLiveChecks(
      tree('http { map $host $pool { default 10.0.0.1:80; } server { set $b 10.0.0.9:80; location / { set $b 127.0.0.1:9000; proxy_pass http://$b; } location /m { proxy_pass http://$pool; } location /h { proxy_pass http://$http_host; } } }'),
      { nginxVersion: '1.22.1' },
    );
    expect(plans.map((p) => [p.target, p.resolver])).toEqual([['127.0.0.1:9000', undefined]]);
    expect(notes.filter((n) => /is a variable, known only per request/.test(n))).toHaveLength(2);
  });
  it('a name behind a variable with no resolver: not probed, the config check reports it', () => {
    const { plans, notes } = planLiveChecks(tree('http { server { location / { set $b app.internal; proxy_pass http://$b; } } }'), { nginxVersion: '1.22.1' });
    expect(plans).toEqual([]);
    expect(notes[0]).toMatch(/no resolver is set/);
  });
});

describe('planLiveChecks: the targets nginx connects to, from the config', () => {
  it('expands upstream{} groups (port 80 by default, down servers left out), skips variables with a note', () => {
    const { plans, notes } = planLiveChecks(
      tree(`http {
        upstream app { server 10.0.0.1:8080; server backend.internal; server 10.0.0.3:8080 down; server unix:/run/app.sock; keepalive 4; keepalive_timeout 30s; }
        server {
          location /x { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; }
          location /v { proxy_pass http://$backend; }
          location ~ \\.php$ { fastcgi_pass php; }
        }
      }`),
      { nginxVersion: '1.22.1' },
    );
    expect(plans.map((p) => [p.target, p.host, p.port, p.unix])).toEqual([
      ['10.0.0.1:8080', '10.0.0.1', 8080, null],
      ['backend.internal', 'backend.internal', 80, null],
      ['unix:/run/app.sock', '', 0, '/run/app.sock'],
    ]);
    expect(plans[0]?.pool).toEqual({ group: 'app', keepaliveTimeoutMs: 30_000, reused: true });
    expect(plans[0]?.path).toBe('/x');
    expect(plans[0]?.hostHeader).toBe('app');
    expect(notes.join('\n')).toMatch(/server 10\.0\.0\.3:8080 is marked down/);
    expect(notes.join('\n')).toMatch(/proxy_pass http:\/\/\$backend: the target is a variable/);
    expect(notes.join('\n')).toMatch(/fastcgi_pass php: no port/);
  });

  it("reads nginx's TLS settings: no SNI by default, proxy_ssl_name, verification with the trusted CA, protocols", async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const { plans } = planLiveChecks(
      tree(`server {
        location /a { proxy_pass https://api.example.com; }
        location /b { proxy_ssl_server_name on; proxy_ssl_name internal.example; proxy_ssl_verify on; proxy_ssl_trusted_certificate ${join(dir, 'ca.pem')}; proxy_ssl_protocols TLSv1.2 TLSv1.3; proxy_pass https://10.0.0.9:8443/v1/; }
      }`),
      { nginxVersion: '1.22.1' },
    );
    expect(plans[0]).toMatchObject({ target: 'api.example.com', port: 443, hostHeader: 'api.example.com', tls: { sni: null, name: 'api.example.com', verify: false, maxVersion: 'TLSv1.2' } });
    expect(plans[1]).toMatchObject({ target: '10.0.0.9:8443', path: '/v1/', hostHeader: '10.0.0.9:8443', tls: { sni: 'internal.example', name: 'internal.example', verify: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } });
    expect(plans[1]?.tls?.ca).toContain('BEGIN CERTIFICATE');
  });
});
