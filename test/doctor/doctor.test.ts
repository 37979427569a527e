/**
 * `why502 doctor` on the real lab: nginx in front of a real PHP-FPM that is then stopped, examined through the
 * real /proc (focused on the lab's nginx by its config path, so other processes on the machine do not count).
 * The top cause must be upstream-refused and its first owner fix the command that starts that PHP-FPM again;
 * the command is then run to show it is the right one. With a 0600 socket (as root): permission-denied.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/doctor.js';
import type { DoctorStats } from '../../src/doctor/doctor.js';
import { faultByName } from '../../src/lab/faults/index.js';
import { nginxBinary } from '../../src/lab/launchers/nginx.js';
import { fpmBinary } from '../../src/lab/launchers/php-fpm.js';
import { liveProcessCount, startProcess, type Started } from '../../src/lab/processes.js';
import { startScenario, type LiveScenario } from '../../src/lab/scenario.js';
import type { Report } from '../../src/report/types.js';
import { assertValidReport, runCli } from '../helpers.js';

const ROOT = process.getuid?.() === 0;
const HAVE_LAB = nginxBinary() !== null && fpmBinary() !== null;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function scenario(fault: string): Promise<LiveScenario> {
  const f = faultByName(fault);
  if (!f) throw new Error(`no fault ${fault}`);
  const live = await startScenario('nginx', f);
  cleanup.push(async () => {
    await live.stop();
    await rm(live.dir, { recursive: true, force: true });
  });
  return live;
}

function doctorStats(r: Report): DoctorStats {
  return (r.stats as typeof r.stats & { doctor: DoctorStats }).doctor;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('why502 doctor in the lab', () => {
  it.skipIf(!HAVE_LAB)('nginx + PHP-FPM, PHP-FPM stopped: upstream-refused, first fix the command that starts that PHP-FPM again', { timeout: 60_000 }, async () => {
    const live = await scenario('php-fatal');
    const conf = join(live.dir, 'php-fpm.conf');
    const socket = join(live.dir, 'php-fpm.sock');
    expect(existsSync(socket)).toBe(true);
    await live.upstream.stop();
    expect(existsSync(socket)).toBe(false);

    // The site is down and nobody has asked yet: the host and the config say so on their own.
    const quiet = await runDoctor({ configPath: live.proxy.configPath, software: false });
    assertValidReport(quiet);
    expect(quiet.command).toBe('doctor');
    expect(quiet.causes[0]?.id).toBe('upstream-refused');
    const expected = `${fpmBinary() ?? ''} --nodaemonize --fpm-config ${conf}`;
    expect(quiet.causes[0]?.fixes.owner[0]).toContain(`\`${expected}\``);
    const stats = doctorStats(quiet);
    expect(stats.proxies.map((p) => p.config)).toEqual([live.proxy.configPath]);
    expect(stats.upstreams).toEqual([expect.objectContaining({ target: `unix:${socket}`, state: 'down' })]);
    // The lab runs no systemd and no init script starts this config: the command comes from the config itself.
    expect(stats.restarts).toEqual([expect.objectContaining({ target: `unix:${socket}`, command: expected, how: 'config' })]);
    expect(quiet.summary).toContain(expected);

    // A visitor's request fails: the logs the config names add it, with nginx's own line.
    const res = await fetch(`${live.proxy.url}/index.php`);
    expect(res.status).toBe(502);
    await new Promise((r) => setTimeout(r, 150));
    const report = await runDoctor({ configPath: live.proxy.configPath });
    assertValidReport(report);
    const top = report.causes[0];
    expect(top?.id).toBe('upstream-refused');
    expect(top?.fixes.owner[0]).toContain(`\`${expected}\``);
    expect(top?.evidence.some((e) => e.source === 'log' && /No such file or directory/.test(e.text))).toBe(true);
    expect(top?.evidence.some((e) => e.source === 'system')).toBe(true);
    expect(top?.count ?? 0).toBeGreaterThan(quiet.causes[0]?.count ?? 0);
    expect(doctorStats(report).logs.filter((l) => l.read).map((l) => l.path)).toEqual(expect.arrayContaining([...live.logs]));
    // Software: nginx's version and what later releases fixed, from its own change log.
    const ngx = doctorStats(report).software.find((s) => s.name === 'nginx');
    expect(ngx?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ngx?.laterFixes?.source).toContain('docs/xml/nginx/changes.xml');

    // The command is the right one: run as given, it serves the socket again and the doctor finds nothing down.
    const argv = expected.split(' ');
    const fpm: Started = startProcess(argv[0] ?? '', argv.slice(1), { stopSignal: 'SIGQUIT' });
    cleanup.push(() => fpm.stop());
    await waitFor(() => existsSync(socket), 8000);
    const after = await runDoctor({ configPath: live.proxy.configPath, software: false, since: Date.now() });
    assertValidReport(after);
    expect(doctorStats(after).upstreams).toEqual([expect.objectContaining({ target: `unix:${socket}`, state: 'up' })]);
    expect(doctorStats(after).restarts).toEqual([]);
    expect(after.causes.find((c) => c.id === 'upstream-refused')).toBeUndefined();
    // Without a window the refusals are in the logs still: history, said as such and ranked after what fails now.
    const history = await runDoctor({ configPath: live.proxy.configPath, software: false });
    const refused = history.causes.find((c) => c.id === 'upstream-refused');
    expect(refused?.message).toMatch(/is listening again/);
    if (history.causes.length > 1) expect(history.causes[0]?.id).not.toBe('upstream-refused');
    // No systemd here: no fix may tell the owner to run systemctl.
    for (const c of report.causes) expect(c.fixes.owner.filter((f) => /\bsystemctl\b/.test(f)), c.id).toEqual([]);
  });

  it.skipIf(!HAVE_LAB || !ROOT)('a 0600 socket the workers may not open: permission-denied, first fix naming the socket and the workers\' user', { timeout: 60_000 }, async () => {
    const live = await scenario('socket-permission');
    const socket = join(live.dir, 'app.sock');
    const res = await fetch(`${live.proxy.url}/`);
    expect(res.status).toBe(502);
    await new Promise((r) => setTimeout(r, 150));
    const report = await runDoctor({ configPath: live.proxy.configPath, software: false });
    assertValidReport(report);
    const top = report.causes[0];
    expect(top?.id).toBe('permission-denied');
    expect(top?.fixes.owner[0]).toContain(socket);
    expect(top?.fixes.owner[0]).toMatch(/mode 0600/);
    expect(top?.fixes.owner[0]).toMatch(/workers run as nobody/);
    expect(doctorStats(report).upstreams).toEqual([expect.objectContaining({ target: `unix:${socket}`, state: 'denied' })]);
    expect(top?.evidence.some((e) => e.source === 'log' && /13: Permission denied/.test(e.text))).toBe(true);
  });

  it.skipIf(!HAVE_LAB)('the CLI: `why502 doctor --json` exits 1 with the report; text names the host and the command', { timeout: 60_000 }, async () => {
    const live = await scenario('php-fatal');
    await live.upstream.stop();
    const json = await runCli(['doctor', '--config', live.proxy.configPath, '--json', '--no-software', '--since', '5m'], { timeoutMs: 30_000 });
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as unknown;
    assertValidReport(report);
    expect(report.command).toBe('doctor');
    expect(report.causes[0]?.id).toBe('upstream-refused');
    expect(doctorStats(report).software).toEqual([]);
    const text = await runCli(['doctor', '--config', live.proxy.configPath, '--no-live', '--no-software'], { timeoutMs: 30_000 });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/This host\n {2}proxy: nginx pid \d+/);
    expect(text.stdout).toContain(`start it: ${fpmBinary() ?? ''} --nodaemonize --fpm-config ${join(live.dir, 'php-fpm.conf')}`);
    const md = await runCli(['doctor', '--config', live.proxy.configPath, '--markdown', '--no-software'], { timeoutMs: 30_000 });
    expect(md.stdout).toContain('## This host');
    expect(md.stdout).toContain('| # | Cause | Signs |');
  });

  it('the CLI: nothing examined is exit code 2; a bad --since or --proxy is a usage error', async () => {
    const none = await runCli(['doctor', '--config', '/nonexistent/why502/nginx.conf', '--json', '--no-software']);
    expect(none.code).toBe(2);
    assertValidReport(JSON.parse(none.stdout));
    const since = await runCli(['doctor', '--since', 'yesterday-ish']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since yesterday-ish/);
    const proxy = await runCli(['doctor', '--proxy', 'lighttpd']);
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toMatch(/--proxy lighttpd: one of nginx, apache, haproxy, caddy/);
  });

  it('no proxy running with that config: an error, no cause (exit code 2)', async () => {
    const report = await runDoctor({ configPath: '/nonexistent/why502/nginx.conf', software: false });
    assertValidReport(report);
    expect(report.causes).toEqual([]);
    expect(report.errors[0]).toMatch(/^no proxy found running/);
    expect(report.summary).toMatch(/No proxy found running/);
  });

  it('leaves no lab process running', async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    expect(liveProcessCount()).toBe(0);
  });
});
