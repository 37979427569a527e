/**
 * A generated tree of 5,000 included files parses completely and correctly. How fast is a benchmark
 * (bench/config/run.ts), never an assertion here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { siteFile, writeIncludeTree } from '../../bench/config/generate.js';
import { toCrossplane } from '../../src/config/dump.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { directives, effective } from '../../src/config/nginx-lookup.js';

const dir = mkdtempSync(join(tmpdir(), 'why502-config-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a 5,000-file include tree', () => {
  it('reads every file once, in glob order, with every server and location in place', () => {
    const gen = writeIncludeTree(dir, 5000);
    const t = loadNginxConfig({ path: gen.main });
    expect(t.errors).toEqual([]);
    expect(t.status).toBe('ok');
    expect(t.files).toHaveLength(gen.files);
    expect(t.files[1]?.file).toBe(join(dir, 'conf.d', siteFile(0)));
    expect(t.files.at(-1)?.file).toBe(join(dir, 'conf.d', siteFile(4999)));

    const servers = directives(t, 'server').filter((d) => d.context.length === 1);
    expect(servers).toHaveLength(gen.servers);
    expect(directives(t, 'location')).toHaveLength(gen.locations);
    const passes = directives(t, 'proxy_pass');
    expect(passes).toHaveLength(gen.servers * 2);
    const last = passes.at(-1);
    expect(last).toMatchObject({ context: ['http', 'server', 'location'] });
    expect(last?.node).toMatchObject({ args: ['http://app_4999'], file: join(dir, 'conf.d', siteFile(4999)), line: 20 });
    expect(last?.node.via?.args).toEqual(['conf.d/*.conf']);
    // Inheritance across the include: http's timeout reaches "@app"; "/api/" overrides it.
    expect(effective(passes[0]?.node ?? t, 'proxy_read_timeout').map((n) => n.args[0])).toEqual(['30s']);
    expect(effective(passes[1]?.node ?? t, 'proxy_read_timeout').map((n) => n.args[0])).toEqual(['60s']);

    const payload = toCrossplane(t);
    expect(payload.config).toHaveLength(gen.files);
    expect(payload.config[0]?.parsed[3]?.block?.[3]).toMatchObject({ directive: 'include', includes: Array.from({ length: 5000 }, (_v, i) => i + 1) });
  });
});
