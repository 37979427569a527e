/**
 * apache-proxy-timeout: how long httpd waits for a backend's answer (a worker's `timeout=`, else `ProxyTimeout`,
 * else `Timeout`, 60 s by default) against what the backend may take: the PHP-FPM pool's
 * `request_terminate_timeout` when the pool is given, and the latency measured live.
 */
import { APACHE_DEFAULT_TIMEOUT_MS, type ApacheParse, type ApacheProxyTarget, type ApacheScopeSettings } from '../apache-config.js';
import type { FpmPool } from '../php-fpm-config.js';
import { apacheText } from './proxy-text.js';
import { defineCheck, type ConfigFinding } from './types.js';

/** A live request that used this share of the timeout leaves no room for a slower one (as read-timeout). */
const LATENCY_SHARE = 0.5;

function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** The target as the live checks name it: "host:port" or "unix:/path". */
function liveName(t: ApacheProxyTarget): string | null {
  if (t.unixSocket !== null) return `unix:${t.unixSocket}`;
  if (t.port === null) return null;
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

function poolFor(pools: readonly FpmPool[], t: ApacheProxyTarget): FpmPool | null {
  if (t.scheme !== 'fcgi') return null;
  return (
    pools.find((p) => {
      const l = p.listen?.value;
      if (!l) return false;
      if (t.unixSocket !== null) return l.kind === 'unix' && l.path === t.unixSocket;
      return l.kind === 'tcp' && l.port === t.port && (l.host === null || l.host === t.host || (['127.0.0.1', 'localhost', '::1'].includes(t.host) && ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(l.host)));
    }) ?? null
  );
}

interface Use {
  target: ApacheProxyTarget;
  file: string;
  line: number;
  vhost: number | null;
  workerTimeoutMs?: number;
}

/** The read timeout for a use and where it comes from. */
function timeoutOf(apache: ApacheParse, u: Use): { ms: number; from: string } {
  if (u.workerTimeoutMs !== undefined) return { ms: u.workerTimeoutMs, from: 'its timeout= parameter' };
  const scope: ApacheScopeSettings | undefined = u.vhost === null ? apache.model.server : apache.model.virtualHosts[u.vhost];
  if (scope?.proxyTimeoutMs) return { ms: scope.proxyTimeoutMs.value, from: `ProxyTimeout (${scope.proxyTimeoutMs.file}:${scope.proxyTimeoutMs.line})` };
  if (scope?.timeoutMs) return { ms: scope.timeoutMs.value, from: `Timeout (${scope.timeoutMs.file}:${scope.timeoutMs.line}), which ProxyTimeout defaults to` };
  return { ms: APACHE_DEFAULT_TIMEOUT_MS, from: 'the default Timeout of 60 s' };
}

export default defineCheck({
  meta: {
    id: 'apache-proxy-timeout',
    cause: 'upstream-timeout',
    title: "httpd stops waiting for a backend before the backend's own limit, or close to its measured latency",
    directives: ['ProxyPass', 'ProxyPassMatch', 'BalancerMember', 'SetHandler', 'ProxyTimeout', 'Timeout', 'timeout', 'request_terminate_timeout'],
    why: 'mod_proxy waits for a backend\'s answer for the worker\'s `timeout=`, else `ProxyTimeout`, else `Timeout` (60 s by default), then gives up: 504 from mod_proxy_http ("AH01102: error reading status line from remote server"), an error from mod_proxy_fcgi ("AH01075: Error dispatching request to : (polling)"). A PHP-FPM pool whose `request_terminate_timeout` is longer keeps working on requests nobody will receive; a backend that already needs half the timeout on a quiet request crosses it under load. Timeouts must nest: the application\'s shorter than the proxy\'s.',
    reads: ['apache', 'php-fpm'],
  },
  check({ apache, fpm }, env) {
    if (!apache) return [];
    const out: ConfigFinding[] = [];
    const uses: Use[] = [];
    const withTimeout = (ms: number | undefined): Partial<Use> => (ms === undefined ? {} : { workerTimeoutMs: ms });
    for (const p of apache.model.proxyPasses) {
      if (p.directive === 'ProxyPassReverse' || !p.target) continue;
      if (p.target.scheme === 'balancer') {
        const b = apache.model.balancers.find((x) => x.name === `balancer://${p.target?.host.toLowerCase() ?? ''}`);
        for (const m of b?.members ?? []) uses.push({ target: m.target, file: m.file, line: m.line, vhost: p.vhost, ...withTimeout(m.worker.timeoutMs ?? p.worker.timeoutMs) });
      } else uses.push({ target: p.target, file: p.file, line: p.line, vhost: p.vhost, ...withTimeout(p.worker.timeoutMs) });
    }
    for (const h of apache.model.handlers) if (h.target) uses.push({ target: h.target, file: h.file, line: h.line, vhost: h.vhost });
    const seen = new Set<string>();
    for (const u of uses) {
      const { ms, from } = timeoutOf(apache, u);
      const text = apacheText(apache, u.file, u.line);
      const pool = fpm ? poolFor(fpm.model.pools, u.target) : null;
      const term = pool?.requestTerminateTimeoutMs;
      if (pool && term && term.value > ms && !seen.has(`fpm\0${u.file}\0${u.line}`)) {
        seen.add(`fpm\0${u.file}\0${u.line}`);
        out.push({
          file: u.file,
          line: u.line,
          text,
          message: `httpd waits ${secs(ms)} for ${u.target.raw} (${from}), but PHP-FPM pool [${pool.name}] lets a request run ${secs(term.value)} (${term.file}:${term.line}): slow requests end as 504 while PHP still works on them.`,
          before: `request_terminate_timeout = ${term.raw}`,
          after: `request_terminate_timeout = ${Math.max(1, Math.floor(ms / 1000) - 5)}s   ; in the pool: shorter than httpd's ${secs(ms)}\n# or, in Apache: ProxyTimeout ${Math.ceil(term.value / 1000) + 5}`,
        });
      }
      const name = liveName(u.target);
      const live = name ? env.live?.find((l) => l.target === name && l.latencyMs !== undefined) : undefined;
      if (live?.latencyMs !== undefined && live.latencyMs >= ms * LATENCY_SHARE && !seen.has(`live\0${u.file}\0${u.line}`)) {
        seen.add(`live\0${u.file}\0${u.line}`);
        const want = Math.max(ms, Math.ceil((live.latencyMs * 4) / 1000) * 1000);
        out.push({
          file: u.file,
          line: u.line,
          text,
          message: `${live.target} took ${secs(live.latencyMs)} to answer one quiet request (measured); httpd waits ${secs(ms)} for it (${from}): a request a little slower, or the same one under load, gets 504.`,
          before: text,
          after: u.target.scheme === 'fcgi' || u.workerTimeoutMs === undefined ? `ProxyTimeout ${want / 1000}` : text.replace(/\btimeout=\S+/i, `timeout=${want / 1000}`),
        });
      }
    }
    return out;
  },
});
