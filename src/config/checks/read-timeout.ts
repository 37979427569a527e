/**
 * read-timeout: nginx's read timeout toward an upstream is short for the latency measured live, or the timeouts
 * do not nest: a CDN in front (Cloudflare, seen from `real_ip_header CF-Connecting-IP` or its address ranges in
 * `set_real_ip_from`) gives up before nginx does.
 */
import type { ConfigTree } from '../nginx-load.js';
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { nginxMs, passTargets, textOf } from './util.js';

const DEFAULT_READ_MS = 60_000;
/** Cloudflare's Proxy Read Timeout (120 s on all plans but Enterprise: its 524 docs, proxy-facts §4.1). */
const CLOUDFLARE_READ_MS = 120_000;
/** A live request that used this share of the read timeout leaves no room for a slower one. */
const LATENCY_SHARE = 0.5;
/** Cloudflare's published ranges (cloudflare.com/ips-v4, ips-v6): a set_real_ip_from among them means it is in front. */
const CLOUDFLARE_RANGES = ['2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32', '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18', '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/13', '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22'];

function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** Where the config says Cloudflare is in front, or null. */
function cloudflareFront(nginx: ConfigTree): string | null {
  const header = directives(nginx, 'real_ip_header').find(({ node }) => (node.args[0] ?? '').toLowerCase() === 'cf-connecting-ip')?.node;
  if (header) return `${textOf(header)} (${header.file}:${header.line})`;
  const from = directives(nginx, 'set_real_ip_from').find(({ node }) => CLOUDFLARE_RANGES.includes(node.args[0] ?? ''))?.node;
  return from ? `${textOf(from)}, one of Cloudflare's ranges (${from.file}:${from.line})` : null;
}

export default defineCheck({
  meta: {
    id: 'read-timeout',
    cause: 'upstream-timeout',
    title: "The upstream read timeout is short for the upstream's latency, or the timeouts do not nest",
    directives: ['proxy_read_timeout', 'fastcgi_read_timeout', 'uwsgi_read_timeout', 'grpc_read_timeout', 'real_ip_header', 'set_real_ip_from'],
    why: "nginx waits `proxy_read_timeout` (60 s by default) for each read from the upstream, then answers 504. An upstream that already needs half of that on a quiet request will cross it under load. Timeouts must nest — the application's shorter than the proxy's, the proxy's shorter than the CDN's or load balancer's — or the outer hop gives up first (Cloudflare 524 after 120 s) while the inner ones keep working on a request nobody will receive.",
    reads: ['nginx'],
  },
  check({ nginx }, env) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    const front = cloudflareFront(nginx);
    const seen = new Set<string>();
    for (const { node } of directives(nginx, ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass'])) {
      const prefix = node.directive.replace(/_pass$/, '');
      const set = effective(node, `${prefix}_read_timeout`).at(-1);
      const timeout = set ? nginxMs(set.args[0]) : DEFAULT_READ_MS;
      if (!Number.isFinite(timeout)) continue;
      const at = set ?? node;
      const key = `${at.file}:${at.line}`;
      const before = set ? textOf(set) : `# ${prefix}_read_timeout ${secs(timeout)} (default), for ${textOf(node)}`;
      const targets = passTargets(nginx, node);
      const slow = env.live?.filter((l) => targets.includes(l.target) && l.latencyMs !== undefined).sort((a, b) => (b.latencyMs ?? 0) - (a.latencyMs ?? 0))[0];
      if (slow?.latencyMs !== undefined && slow.latencyMs >= timeout * LATENCY_SHARE && !seen.has(key)) {
        seen.add(key);
        const want = Math.max(timeout, Math.ceil((slow.latencyMs * 4) / 1000) * 1000);
        const capped = front ? Math.min(want, CLOUDFLARE_READ_MS - 5000) : want;
        out.push({
          file: at.file,
          line: at.line,
          text: textOf(at),
          message: `${slow.target} took ${secs(slow.latencyMs)} to answer one quiet request (measured); ${prefix}_read_timeout is ${secs(timeout)}: a request a little slower, or the same one under load, gets 504.`,
          before,
          after: `${prefix}_read_timeout ${Math.round(capped / 1000)}s;   # and find what makes ${slow.target} slow (its own log, the database)`,
        });
      }
      if (front && timeout > CLOUDFLARE_READ_MS && !seen.has(key)) {
        seen.add(key);
        out.push({
          file: at.file,
          line: at.line,
          text: textOf(at),
          message: `Cloudflare is in front (${front}) and gives up after ${secs(CLOUDFLARE_READ_MS)} with a 524, before this ${secs(timeout)} ${prefix}_read_timeout: between the two the visitor gets Cloudflare's error while nginx and the application keep working on the request.`,
          before,
          after: `${prefix}_read_timeout ${Math.round((CLOUDFLARE_READ_MS - 5000) / 1000)}s;   # inside Cloudflare's 120 s; move longer work to a background job`,
        });
      }
    }
    return out;
  },
});
