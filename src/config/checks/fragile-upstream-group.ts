/**
 * fragile-upstream-group: an upstream group that one failure can empty. A group of one server is never marked
 * failed (round-robin `peers->single`), but a `backup` or `down` entry makes it a group of several; every
 * server with a long fail_timeout keeps the group empty for that long (proxy-facts §4.5(a)).
 */
import { directives } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { nginxMs, textOf } from './util.js';

const LONG_FAIL_MS = 30_000;

export default defineCheck({
  meta: {
    id: 'fragile-upstream-group',
    cause: 'no-healthy-upstream',
    title: 'One failure can leave an upstream group with no server',
    directives: ['upstream', 'server'],
    why: 'nginx marks a server of a group failed after `max_fails` errors (default 1) for `fail_timeout` (default 10 s); when every server is marked, requests fail at once with 502 "no live upstreams". A group of exactly one server is exempt, but adding a `backup` or `down` entry removes that exemption; long fail_timeouts keep the group empty for longer.',
    reads: ['nginx'],
  },
  check({ nginx }) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    for (const { node: up } of directives(nginx, 'upstream')) {
      const servers = (up.block ?? []).filter((n) => n.directive === 'server' && !n.templated);
      if (servers.length < 2) continue;
      const param = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
      const active = servers.filter((s) => !s.args.includes('backup') && !s.args.includes('down'));
      const extra = servers.filter((s) => s.args.includes('backup') || s.args.includes('down'));
      const counts = (s: (typeof servers)[number]): boolean => param(s.args, 'max_fails') !== '0';
      if (active.length === 1 && extra.length > 0 && active[0] && counts(active[0])) {
        const s = active[0];
        out.push({
          file: s.file,
          line: s.line,
          text: textOf(s),
          message: `upstream "${up.args[0] ?? ''}" has one active server and a ${extra[0]?.args.includes('down') ? 'down' : 'backup'} entry: it is no longer a single-server group, so one failure marks this server failed and requests get "no live upstreams" for its fail_timeout.`,
          before: textOf(s),
          after: `${s.directive} ${s.args.filter((a) => !a.startsWith('max_fails=')).join(' ')} max_fails=0;   # never mark the only active server failed`,
        });
        continue;
      }
      const fragile = active.filter((s) => counts(s) && nginxMs(param(s.args, 'fail_timeout') ?? '10s') >= LONG_FAIL_MS && Number(param(s.args, 'max_fails') ?? '1') <= 1);
      if (active.length > 0 && fragile.length === active.length) {
        const s = active[0];
        if (!s) continue;
        out.push({
          file: s.file,
          line: s.line,
          text: textOf(s),
          message: `every server of upstream "${up.args[0] ?? ''}" is marked failed after one error for ${Math.round(nginxMs(param(s.args, 'fail_timeout') ?? '10s') / 1000)} s or more: one blip on each empties the group ("no live upstreams") for that long.`,
          before: textOf(s),
          after: `${s.directive} ${s.args.filter((a) => !a.startsWith('max_fails=') && !a.startsWith('fail_timeout=')).join(' ')} max_fails=3 fail_timeout=10s;`,
        });
      }
    }
    return out;
  },
});
