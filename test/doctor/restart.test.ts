/**
 * The restart command for a down PHP-FPM, the way it runs on the host: systemd's unit, else Debian's init script,
 * else the command line its config implies. The host is a copied tree (Debian 12's real php8.2-fpm files from
 * this machine) with systemctl answered from its real unit file in `systemctl show`'s own format.
 */
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fpmCandidates, parseSystemctlShow, planRestart, readInitScripts, readSystemd } from '../../src/doctor/restart.js';
import { makeSys, type Exec } from '../../src/doctor/sys.js';

const UNIT = '/lib/systemd/system/php8.2-fpm.service';
const INIT = '/etc/init.d/php8.2-fpm';
const CONF = '/etc/php/8.2/fpm/php-fpm.conf';
const POOL = '/etc/php/8.2/fpm/pool.d/www.conf';
const SOCKET = 'unix:/run/php/php8.2-fpm.sock';
const have = (() => {
  try {
    for (const f of [UNIT, INIT, CONF, POOL]) readFileSync(f);
    return true;
  } catch {
    return false;
  }
})();

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A host tree: PHP-FPM's config, the php-fpm8.2 binary's name, PID 1's name, and optionally the init script. */
function host(opts: { pid1: string; initScript: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'why502-restart-'));
  roots.push(root);
  const put = (p: string, from?: string, text?: string, mode = 0o644): void => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    if (from) copyFileSync(from, join(root, p));
    else writeFileSync(join(root, p), text ?? '');
    chmodSync(join(root, p), mode);
  };
  put(CONF, CONF);
  put(POOL, POOL);
  put('/usr/sbin/php-fpm8.2', undefined, '', 0o755);
  put('/usr/bin/systemctl', undefined, '', 0o755);
  put('/proc/1/comm', undefined, `${opts.pid1}\n`);
  if (opts.pid1 === 'systemd') mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
  if (opts.initScript) put(INIT, INIT, undefined, 0o755);
  return root;
}

/** `systemctl show` for the real unit file, in the format systemd prints ExecStart in. */
function systemctlFor(unitText: string): Exec {
  const exec = /^ExecStart=(.*)$/m.exec(unitText)?.[1] ?? '';
  const path = exec.split(' ')[0] ?? '';
  return (_cmd, args) => {
    if (args[0] === 'list-units') return Promise.resolve({ code: 0, stdout: 'php8.2-fpm.service loaded inactive dead The PHP 8.2 FastCGI Process Manager\n', stderr: '', timedOut: false });
    if (args[0] === 'show') {
      return Promise.resolve({ code: 0, stdout: `Id=php8.2-fpm.service\nActiveState=inactive\nExecStart={ path=${path} ; argv[]=${exec} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\nEnvironment=\nTriggers=\n`, stderr: '', timedOut: false });
    }
    return Promise.resolve(null);
  };
}

async function plan(root: string, exec: Exec | null) {
  const sys = makeSys({ root, exec });
  const systemd = await readSystemd(sys);
  const initScripts = readInitScripts(sys);
  const fpm = fpmCandidates(sys, [], [SOCKET], systemd, initScripts);
  return { systemd, plan: planRestart({ sys, procs: [], fpm, systemd, initScripts, asRoot: false }, { target: SOCKET, owners: [] }) };
}

describe.skipIf(!have)('the restart command for a stopped PHP-FPM, as the host runs it', () => {
  it('systemd runs it: `systemctl restart php8.2-fpm`', async () => {
    const root = host({ pid1: 'systemd', initScript: true });
    const { systemd, plan: p } = await plan(root, systemctlFor(readFileSync(UNIT, 'utf8')));
    expect(systemd.available).toBe(true);
    expect(p).toMatchObject({ command: 'systemctl restart php8.2-fpm', how: 'systemd', unit: 'php8.2-fpm.service', fpm: { configPath: CONF, pool: 'www' } });
    expect(p?.because.join(' ')).toContain(`${POOL}:41`);
  });

  it("no systemd (a container): Debian's init script", async () => {
    const root = host({ pid1: 'bash', initScript: true });
    const { systemd, plan: p } = await plan(root, null);
    expect(systemd.available).toBe(false);
    expect(p).toMatchObject({ command: `${INIT} restart`, how: 'init.d' });
    expect(p?.because.join(' ')).toMatch(/no systemd here/);
  });

  it('neither: the command line the config implies (daemonize stays on: no --nodaemonize)', async () => {
    const root = host({ pid1: 'bash', initScript: false });
    const { plan: p } = await plan(root, null);
    expect(p).toMatchObject({ command: `/usr/sbin/php-fpm8.2 --fpm-config ${CONF}`, how: 'config' });
  });

  it('nothing on the host serves the target: no plan (the doctor says what to start instead of guessing)', async () => {
    const root = host({ pid1: 'bash', initScript: false });
    const sys = makeSys({ root, exec: null });
    const systemd = await readSystemd(sys);
    const fpm = fpmCandidates(sys, [], ['unix:/run/other/app.sock'], systemd, []);
    expect(planRestart({ sys, procs: [], fpm, systemd, initScripts: [], asRoot: false }, { target: 'unix:/run/other/app.sock', owners: [] })).toBeNull();
  });
});

describe('parseSystemctlShow', () => {
  it('reads Id, ActiveState, ExecStart argv, socket Listen= lines and Triggers', () => {
    const units = parseSystemctlShow(
      [
        'Id=php8.2-fpm.service',
        'ActiveState=failed',
        'ExecStart={ path=/usr/sbin/php-fpm8.2 ; argv[]=/usr/sbin/php-fpm8.2 --nodaemonize --fpm-config /etc/php/8.2/fpm/php-fpm.conf ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
        '',
        'Id=gunicorn.socket',
        'ActiveState=active',
        'Listen=/run/gunicorn.sock (Stream)',
        'Triggers=gunicorn.service',
      ].join('\n'),
    );
    expect(units).toEqual([
      expect.objectContaining({ id: 'php8.2-fpm.service', activeState: 'failed', execStart: [['/usr/sbin/php-fpm8.2', '--nodaemonize', '--fpm-config', '/etc/php/8.2/fpm/php-fpm.conf']] }),
      expect.objectContaining({ id: 'gunicorn.socket', listen: ['/run/gunicorn.sock'], triggers: ['gunicorn.service'] }),
    ]);
  });
});
