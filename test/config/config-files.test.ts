/** The include plumbing the HAProxy, Apache and PHP-FPM parsers share: fnmatch globs, sorting, cycles, budget. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { componentPattern, ConfigFileSet, expandGlob, listFilesRecursive, splitLines } from '../../src/config/config-files.js';

const root = mkdtempSync(join(tmpdir(), 'why502-config-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('globs', () => {
  it('match within one component; a leading dot must be matched explicitly (fnmatch FNM_PERIOD, glob(3))', () => {
    expect(componentPattern('*.conf').test('a.conf')).toBe(true);
    expect(componentPattern('*.conf').test('.hidden.conf')).toBe(false);
    expect(componentPattern('.*.conf').test('.hidden.conf')).toBe(true);
    expect(componentPattern('php?.[0-9]').test('php8.2')).toBe(true);
    expect(componentPattern('php?.[0-9]').test('php82')).toBe(false);
    expect(componentPattern('[!a]*').test('b.conf')).toBe(true);
    expect(componentPattern('[!a]*').test('a.conf')).toBe(false);
    expect(componentPattern('a\\*').test('a*')).toBe(true);
  });
  it('expand wildcards in any component, sorted bytewise, directories only where a component follows', () => {
    for (const d of ['sites/a', 'sites/b', 'sites/.git']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['sites/a/2.conf', 'sites/a/10.conf', 'sites/b/1.conf', 'sites/b/x.txt', 'sites/.git/z.conf', 'sites/B.conf']) writeFileSync(join(root, f), '');
    expect(expandGlob(join(root, 'sites/*/*.conf')).map((p) => p.slice(root.length + 1))).toEqual(['sites/a/10.conf', 'sites/a/2.conf', 'sites/b/1.conf']);
    expect(expandGlob(join(root, 'sites/*')).map((p) => p.slice(root.length + 1))).toEqual(['sites/B.conf', 'sites/a', 'sites/b']);
    expect(expandGlob(join(root, 'nothing/*.conf'))).toEqual([]);
    expect(listFilesRecursive(join(root, 'sites')).map((p) => p.slice(root.length + 1))).toEqual(['sites/.git/z.conf', 'sites/B.conf', 'sites/a/10.conf', 'sites/a/2.conf', 'sites/b/1.conf', 'sites/b/x.txt']);
  });
});

describe('ConfigFileSet', () => {
  it('refuses a file already open further up the chain (through symlinks too), allows it side by side', () => {
    const a = join(root, 'a.conf');
    writeFileSync(a, 'x');
    symlinkSync(a, join(root, 'link.conf'));
    const files = new ConfigFileSet();
    expect(files.open(a).ok).toBe(true);
    const again = files.open(join(root, 'link.conf'));
    expect(again.ok ? '' : again.reason).toMatch(/^include cycle: .*a\.conf -> .*a\.conf$/);
    files.leave();
    expect(files.open(a).ok).toBe(true);
    files.leave();
    expect(files.read).toEqual([a, a]);
  });
  it('stops at its budget', () => {
    const files = new ConfigFileSet(2);
    const a = join(root, 'a.conf');
    for (let i = 0; i < 2; i++) {
      expect(files.open(a).ok).toBe(true);
      files.leave();
    }
    const r = files.open(a);
    expect(r.ok ? '' : r.reason).toBe('more than 2 config files; the rest were not read');
  });
  it('splits CRLF and LF lines alike', () => {
    expect(splitLines('a\r\nb\nc')).toEqual(['a', 'b', 'c']);
  });
});
