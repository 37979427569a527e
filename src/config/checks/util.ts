/** Small pure helpers for config checks: directive text, upstream targets, nginx sizes and times, versions. */
import { isIP } from 'node:net';
import type { ConfigTree } from '../nginx-load.js';
import { directives } from '../nginx-lookup.js';
import type { ConfigNode } from '../nginx-node.js';

/** The directive as written, for evidence. */
export function textOf(n: ConfigNode): string {
  return `${n.directive}${n.args.length > 0 ? ` ${n.args.map((a) => (/[\s;{}"']/.test(a) ? `"${a}"` : a)).join(' ')}` : ''}${n.block ? ' { … }' : ';'}`;
}

export interface PassTarget {
  scheme: string;
  host: string;
  port: number | null;
  /** The URL or address holds nginx variables. */
  variable: boolean;
  unix: string | null;
}

/**
 * Read a proxy_pass / fastcgi_pass target: "http://backend:8080/x", "unix:/run/php.sock", "127.0.0.1:9000".
 * @example passTarget('proxy_pass', 'https://api.example.com') // { scheme: 'https', host: 'api.example.com', port: null, ... }
 */
export function passTarget(directive: string, arg: string): PassTarget | null {
  const variable = arg.includes('$');
  const dflt = directive === 'proxy_pass' ? 'http' : directive.replace(/_pass$/, '');
  let rest = arg;
  let scheme = dflt;
  const m = /^([a-z0-9]+):\/\//i.exec(arg);
  if (m) {
    scheme = (m[1] ?? dflt).toLowerCase();
    rest = arg.slice(m[0].length);
  }
  if (rest.startsWith('unix:')) return { scheme, host: '', port: null, variable, unix: rest.slice(5).replace(/:.*$/, '') };
  const hostPort = rest.split('/')[0] ?? '';
  const hp = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort) ?? /^([^:]+)(?::(\d+))?$/.exec(hostPort);
  if (!hp) return null;
  return { scheme, host: hp[1] ?? '', port: hp[2] ? Number(hp[2]) : null, variable, unix: null };
}

/** A host name (not an IP literal, not a variable). */
export function isHostName(host: string): boolean {
  return host !== '' && !host.includes('$') && isIP(host) === 0;
}

/** nginx time: "60s", "1m", "500ms", "90" (seconds) → ms; NaN when unreadable. */
export function nginxMs(v: string | undefined): number {
  if (v === undefined) return NaN;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d)?/y;
  let at = 0;
  while (at < v.length) {
    re.lastIndex = at;
    const m = re.exec(v);
    if (!m) return NaN;
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    at = re.lastIndex;
  }
  return at > 0 ? total : NaN;
}

/** nginx size: "8k", "1m", "4096" → bytes; NaN when unreadable. */
export function nginxBytes(v: string | undefined): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v ?? '');
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Number(m[1]) * (mult[(m[2] ?? '').toLowerCase()] ?? 1);
}

/** Compare dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The targets a pass directive reaches, named as the live checks name them: "host:port", "host", "unix:/path",
 * or each server of the upstream{} group it names.
 * @example passTargets(tree, node) // ['127.0.0.1:3000', '127.0.0.1:3001'] for proxy_pass http://app
 */
export function passTargets(tree: ConfigTree, node: ConfigNode): string[] {
  const t = passTarget(node.directive, node.args[0] ?? '');
  if (!t || t.variable) return [];
  if (t.unix !== null) return [`unix:${t.unix}`];
  const shown = t.host.includes(':') ? `[${t.host}]` : t.host;
  if (t.port === null) {
    const group = directives(tree, 'upstream').find(({ node: u }) => u.args[0] === t.host)?.node;
    if (group) return (group.block ?? []).filter((s) => s.directive === 'server' && s.args[0] !== undefined && !s.args.includes('down')).map((s) => s.args[0] ?? '');
    return [shown];
  }
  return [`${shown}:${t.port}`];
}
