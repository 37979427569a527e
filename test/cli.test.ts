/** The CLI surface: the catalogue command, help, and the JSON it prints. */
import { describe, expect, it } from 'vitest';
import { CAUSE_IDS, SEED_CATEGORIES } from '../src/causes/types.js';
import { runCli } from './helpers.js';

describe('why502 causes', () => {
  it('--json holds every cause with a seed heading and owner and visitor fixes', async () => {
    const r = await runCli(['causes', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; title: string; seedCategory: string; fixes: { owner: string[]; visitor: string[] } }[];
    expect(list.map((c) => c.id).sort()).toEqual([...CAUSE_IDS].sort());
    for (const c of list) {
      expect(SEED_CATEGORIES as readonly string[]).toContain(c.seedCategory);
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.fixes.owner.length).toBeGreaterThan(0);
      expect(c.fixes.visitor.length).toBeGreaterThan(0);
    }
  });
  it('explains one cause; an unknown id is a usage error', async () => {
    const r = await runCli(['causes', 'keepalive-race']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('keep-alive');
    expect(r.stdout).toContain('Fixes for the site owner');
    expect((await runCli(['causes', 'no-such-cause'])).code).toBe(2);
  });
  it('every command has --help', async () => {
    for (const cmd of [[], ['logs'], ['causes']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: why502/);
    }
  });
});
