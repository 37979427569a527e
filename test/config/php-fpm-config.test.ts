/**
 * PHP-FPM config parser: on Debian's php-fpm.conf and www.conf (php8.2-fpm 8.2.36-1~deb12u1), on the pool the
 * lab starts, on a pool tree written from PHP's documented directives, and on configs php-fpm itself refuses.
 * Where php-fpm is installed, `php-fpm -t` checks each written config so none is invented.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FPM_DEFAULTS, fpmListen, fpmTime, iniValue, parseFpmConfig } from '../../src/config/php-fpm-config.js';
import { fpmBinary, launchFpm } from '../../src/lab/launchers/php-fpm.js';

const FIXTURES = resolve('test/config/fixtures/php-fpm/debian');
const bin = fpmBinary();
const asRoot = process.getuid?.() === 0;
const root = mkdtempSync(join(tmpdir(), 'why502-fpm-config-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `php-fpm -t -y <file>`: exit 0 when php-fpm accepts the configuration. */
function fpmCheck(path: string): { code: number | null; output: string } {
  const r = spawnSync(bin ?? 'php-fpm', ['-t', '-y', path, ...(asRoot ? ['-R'] : [])], { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("Debian's php-fpm.conf and pool.d/www.conf (php8.2-fpm 8.2.36-1~deb12u1)", () => {
  // The stock file includes /etc/php/8.2/fpm/pool.d/*.conf; point that at the copy beside it.
  const text = readFileSync(join(FIXTURES, 'php-fpm.conf'), 'utf8').replace('/etc/php/8.2/fpm/pool.d', join(FIXTURES, 'pool.d'));
  const { model, errors, notes, directives } = parseFpmConfig({ name: join(FIXTURES, 'php-fpm.conf'), text });
  it('follows the include and reads the www pool', () => {
    expect(errors).toEqual([]);
    expect(notes).toEqual([]);
    expect(model.files).toEqual([join(FIXTURES, 'php-fpm.conf'), join(FIXTURES, 'pool.d/www.conf')]);
    expect(model.global.errorLog).toMatchObject({ kind: 'file', path: '/var/log/php8.2-fpm.log', line: 26, isDefault: false });
    expect(model.global.pid?.value).toBe('/run/php/php8.2-fpm.pid');
    const www = model.pools[0];
    expect(model.pools).toHaveLength(1);
    expect(www).toMatchObject({ name: 'www', file: join(FIXTURES, 'pool.d/www.conf'), line: 4 });
    expect(www?.listen).toMatchObject({ value: { kind: 'unix', path: '/run/php/php8.2-fpm.sock' }, line: 41 });
    expect([www?.listenOwner?.value, www?.listenGroup?.value, www?.listenMode]).toEqual(['www-data', 'www-data', undefined]);
    expect([www?.user?.value, www?.group?.value]).toEqual(['www-data', 'www-data']);
    expect(www?.pm?.value).toBe('dynamic');
    expect([www?.maxChildren?.value, www?.startServers?.value, www?.minSpareServers?.value, www?.maxSpareServers?.value]).toEqual([5, 2, 1, 3]);
    // Commented out in Debian's file: php-fpm's defaults apply.
    expect(www?.requestTerminateTimeoutMs).toBeUndefined();
    expect(www?.listenBacklog).toBeUndefined();
    expect(FPM_DEFAULTS.listenBacklog).toBe(511);
    expect(www?.statusPath).toBeUndefined();
    expect(directives.find((d) => d.name === 'pm.max_children')).toMatchObject({ file: join(FIXTURES, 'pool.d/www.conf'), line: 127, args: ['5'], section: 'www' });
  });
  it('reads a pool file on its own, with the default error_log marked as such', () => {
    const r = parseFpmConfig(join(FIXTURES, 'pool.d/www.conf'));
    expect(r.errors).toEqual([]);
    expect(r.model.pools[0]?.maxChildren?.value).toBe(5);
    expect(r.model.global.errorLog).toMatchObject({ isDefault: true, line: 0 });
  });
  it.skipIf(!existsSync('/etc/php/8.2/fpm/php-fpm.conf'))("reads this host's /etc/php/8.2/fpm/php-fpm.conf", () => {
    const r = parseFpmConfig('/etc/php/8.2/fpm/php-fpm.conf');
    expect(r.errors).toEqual([]);
    expect(r.model.pools.map((p) => p.name)).toContain('www');
  });
});

describe.skipIf(!bin)('the pool the lab starts (php-fpm runs it)', () => {
  it('reads its socket, backlog and pool size', async () => {
    const dir = join(root, 'lab');
    mkdirSync(dir, { recursive: true });
    const fpm = await launchFpm({ dir, maxChildren: 3, backlog: 7, scripts: { 'index.php': '<?php echo "ok";' } });
    await fpm.stop();
    const { model, errors } = parseFpmConfig(join(dir, 'php-fpm.conf'));
    expect(errors).toEqual([]);
    expect(model.global.errorLog.path).toBe(fpm.log);
    const www = model.pools[0];
    expect(www?.listen?.value).toEqual({ kind: 'unix', path: fpm.socket.replace(/^unix:/, '') });
    expect([www?.listenMode?.value, www?.listenBacklog?.value, www?.maxChildren?.value, www?.maxSpareServers?.value]).toEqual(['0666', 7, 3, 3]);
    expect(www?.catchWorkersOutput?.value).toBe(true);
    expect(www?.php.log_errors).toMatchObject({ value: 'On', admin: true });
  });
});

describe('a pool tree written from the documented directives (https://www.php.net/manual/en/install.fpm.configuration.php)', () => {
  const dir = join(root, 'tree');
  mkdirSync(join(dir, 'pool.d'), { recursive: true });
  const main = join(dir, 'php-fpm.conf');
  writeFileSync(main, ['[global]', `pid = ${dir}/php-fpm.pid`, `error_log = ${dir}/fpm.log`, `include = ${dir}/pool.d/*.conf`, ''].join('\n'));
  writeFileSync(
    join(dir, 'pool.d/app.conf'),
    [
      '[app]',
      'user = nobody',
      'listen = 127.0.0.1:9001',
      'listen.backlog = 1024',
      'listen.allowed_clients = 127.0.0.1, ::1',
      'pm = static',
      'pm.max_children = 20',
      'request_terminate_timeout = 2m',
      'request_slowlog_timeout = 10s',
      `slowlog = ${dir}/$pool.slow.log`,
      'pm.status_path = /status',
      'php_admin_value[memory_limit] = 256M',
      `php_admin_value[error_log] = ${dir}/$pool.error.log`,
      'php_value[memory_limit] = 512M ; php_admin_value wins',
      'php_flag[display_errors] = off',
      'env[APP_ENV] = "production"',
      'catch_workers_output = yes',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'pool.d/api.conf'),
    ['[api]', 'user = nobody', `listen = ${dir}/$pool.sock`, 'listen.mode = 0660', 'pm = ondemand', 'pm.max_children = 8', 'pm.process_idle_timeout = 10s', ''].join('\n'),
  );
  const { model, errors, notes } = parseFpmConfig(main);
  it.skipIf(!bin)('is accepted by php-fpm -t', () => {
    const r = fpmCheck(main);
    expect(r.code, r.output).toBe(0);
  });
  it('reads both pools in glob order, with $pool expanded', () => {
    expect(errors).toEqual([]);
    expect(notes).toEqual([]);
    expect(model.pools.map((p) => p.name)).toEqual(['api', 'app']);
    const [api, app] = model.pools;
    expect(api?.listen?.value).toEqual({ kind: 'unix', path: `${dir}/api.sock` });
    expect(api?.pm?.value).toBe('ondemand');
    expect(api?.processIdleTimeoutMs?.value).toBe(10_000);
    expect(app?.listen?.value).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9001 });
    expect(app?.listenAllowedClients?.value).toEqual(['127.0.0.1', '::1']);
    expect(app?.requestTerminateTimeoutMs?.value).toBe(120_000);
    expect(app?.requestSlowlogTimeoutMs?.value).toBe(10_000);
    expect(app?.slowlog?.value).toBe(`${dir}/app.slow.log`);
    expect(app?.php.memory_limit).toMatchObject({ value: '256M', admin: true, line: 12 });
    expect(app?.php.display_errors?.value).toBe('Off');
    expect(app?.errorLog?.value).toBe(`${dir}/app.error.log`);
    expect(app?.env.APP_ENV?.value).toBe('production');
    expect(app?.statusPath?.value).toBe('/status');
  });
});

describe('configs php-fpm refuses: reported in its words', () => {
  const pool = (lines: string[]): string => ['[global]', `error_log = ${root}/err.log`, '[www]', 'user = nobody', ...lines, ''].join('\n');
  const cases: Array<{ name: string; text: string; message: RegExp; line?: number }> = [
    { name: 'no listen address', text: pool(['pm = static', 'pm.max_children = 2']), message: /\[pool www\] no listen address have been defined!/ },
    { name: 'no pm.max_children', text: pool([`listen = ${root}/a.sock`, 'pm = static']), message: /\[pool www\] pm.max_children must be a positive value/ },
    { name: 'a # comment (not INI since PHP 7)', text: pool(['# comment', `listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2']), message: /value is NULL for a ZEND_INI_PARSER_ENTRY/, line: 5 },
    { name: 'an unknown entry', text: pool([`listen = ${root}/a.sock`, 'pm = static', 'pm.max_childs = 2', 'pm.max_children = 2']), message: /unknown entry 'pm.max_childs'/, line: 7 },
    { name: '$pool in the global section', text: ['[global]', `error_log = ${root}/$pool.log`, '[www]', 'user = nobody', `listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2', ''].join('\n'), message: /Can't use '\$pool' when the pool is not defined/, line: 2 },
    { name: 'pm.start_servers above pm.max_spare_servers', text: pool([`listen = ${root}/a.sock`, 'pm = dynamic', 'pm.max_children = 10', 'pm.min_spare_servers = 1', 'pm.max_spare_servers = 3', 'pm.start_servers = 5']), message: /pm.start_servers\(5\) must not be less than pm.min_spare_servers\(1\) and not greater than pm.max_spare_servers\(3\)/, line: 10 },
    { name: 'request_slowlog_timeout without slowlog', text: pool([`listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2', 'request_slowlog_timeout = 5s']), message: /'slowlog' must be specified for use with 'request_slowlog_timeout'/ },
    { name: 'two pools on one socket', text: pool([`listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2', '[b]', 'user = nobody', `listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2']), message: /unable to set listen address as it's already used in another pool 'www'/ },
    { name: 'a bad time unit', text: pool([`listen = ${root}/a.sock`, 'pm = static', 'pm.max_children = 2', 'request_terminate_timeout = 30x']), message: /unable to parse value for entry 'request_terminate_timeout'/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const path = join(root, `${c.name.replace(/\W+/g, '-')}.conf`);
      writeFileSync(path, c.text);
      const { errors } = parseFpmConfig(path);
      expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(c.message) as unknown, ...(c.line ? { line: c.line } : {}) })]);
      if (bin) expect(fpmCheck(path).code).not.toBe(0);
    });
  }
  it('an include that includes itself stops instead of looping', () => {
    const path = join(root, 'self.conf');
    writeFileSync(path, `include = ${path}\n[www]\n`);
    const r = parseFpmConfig(path);
    expect(r.errors[0]?.message).toMatch(/include cycle/);
    if (bin) expect(fpmCheck(path).code).not.toBe(0);
  });
  it('an include that matches nothing is only a note, as php-fpm only warns', () => {
    const r = parseFpmConfig({ name: 'x.conf', text: `include = ${root}/nothing/*.conf\n[www]\nlisten = 9000\npm = static\npm.max_children = 1\n` });
    expect(r.errors).toEqual([]);
    expect(r.notes[0]?.message).toMatch(/^Nothing matches the include pattern/);
  });
});

describe('INI values and php-fpm units', () => {
  it('reads values as the INI scanner does', () => {
    expect(iniValue(' /run/php/php8.2-fpm.sock ; the socket', {}).value).toBe('/run/php/php8.2-fpm.sock');
    expect(iniValue(' "a ; b" ', {}).value).toBe('a ; b');
    expect(iniValue(" '${HOME}' ", { HOME: '/root' }).value).toBe('${HOME}');
    expect(iniValue(' ${POOL_DIR}/x.sock', { POOL_DIR: '/srv' }).value).toBe('/srv/x.sock');
    expect(iniValue(' "unterminated', {}).error).toMatch(/missing closing quote/);
  });
  it('reads times in seconds with s, m, h, d suffixes (as ms)', () => {
    expect([fpmTime('30'), fpmTime('30s'), fpmTime('2m'), fpmTime('1h'), fpmTime('1d'), fpmTime('3x')]).toEqual([30_000, 30_000, 120_000, 3_600_000, 86_400_000, null]);
  });
  it('reads listen addresses as php-fpm does', () => {
    expect(fpmListen('9000', '/usr')).toEqual({ kind: 'tcp', host: null, port: 9000 });
    expect(fpmListen('[::1]:9000', '/usr')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    expect(fpmListen('localhost:9000', '/usr')).toEqual({ kind: 'tcp', host: 'localhost', port: 9000 });
    expect(fpmListen('run/www.sock', '/usr')).toEqual({ kind: 'unix', path: '/usr/run/www.sock' });
  });
});
