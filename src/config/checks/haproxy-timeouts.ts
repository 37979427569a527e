/**
 * haproxy-timeouts: a backend without `timeout connect` or `timeout server` (HAProxy's manual: "An unspecified
 * timeout results in an infinite timeout ... reports a warning during startup"), and a `timeout server` that a
 * server's measured latency already uses half of (termination state sH: "The 'timeout server' stroke before the
 * server could return its response headers", 504).
 */
import type { HaproxyBackend } from '../haproxy-config.js';
import { defaultsOf, haproxyText } from './proxy-text.js';
import { defineCheck, type ConfigFinding } from './types.js';

/** A live request that used this share of the timeout leaves no room for a slower one (as read-timeout). */
const LATENCY_SHARE = 0.5;

function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** "host:port" as the live checks name a server. */
function targetOf(address: string, port: number | null): string | null {
  if (port === null) return null;
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

export default defineCheck({
  meta: {
    id: 'haproxy-timeouts',
    cause: 'upstream-timeout',
    title: 'A HAProxy backend with no connect or server timeout, or a server timeout its servers nearly use up',
    directives: ['timeout connect', 'timeout server', 'defaults', 'backend', 'listen'],
    why: 'HAProxy\'s manual on `timeout connect` and `timeout server`: "An unspecified timeout results in an infinite timeout, which is not recommended"; HAProxy accepts it with a warning at startup. A request to a server that hangs then waits until the client, a CDN or a load balancer in front gives up (their 504 or 524), and the stuck sessions pile up. `timeout server` is the server\'s processing time for the response headers: when it strikes, HAProxy answers 504 (termination state `sH`), so a server that already needs half of it on a quiet request crosses it under load.',
    reads: ['haproxy'],
  },
  check({ haproxy }, env) {
    if (!haproxy) return [];
    const out: ConfigFinding[] = [];
    const reported = new Set<string>();
    for (const b of haproxy.model.backends) {
      if (b.servers.length === 0) continue;
      const missing = (['connect', 'server'] as const).filter((t) => !b.timeouts[t]);
      if (missing.length > 0) missingFinding(b, missing);
      const server = b.timeouts.server;
      if (!server || server.value === 0 || !env.live) continue;
      const targets = b.servers.map((s) => targetOf(s.address, s.port)).filter((t): t is string => t !== null);
      const slow = env.live.filter((l) => targets.includes(l.target) && l.latencyMs !== undefined).sort((x, y) => (y.latencyMs ?? 0) - (x.latencyMs ?? 0))[0];
      if (slow?.latencyMs === undefined || slow.latencyMs < server.value * LATENCY_SHARE) continue;
      const want = Math.max(server.value, Math.ceil((slow.latencyMs * 4) / 1000) * 1000);
      const text = haproxyText(haproxy, server.file, server.line);
      out.push({
        file: server.file,
        line: server.line,
        text,
        message: `${slow.target} (backend ${b.name}) took ${secs(slow.latencyMs)} to answer one quiet request (measured); timeout server is ${secs(server.value)}${server.inherited ? ' (from defaults)' : ''}: a request a little slower, or the same one under load, gets 504 (sH).`,
        before: `backend ${b.name}\n    ${server.inherited ? `# ${text} (inherited)` : text}`,
        after: `backend ${b.name}\n    timeout server ${want / 1000}s   # several times the measured latency; keep the client's and any CDN's longer`,
      });
    }
    return out;

    function missingFinding(b: HaproxyBackend, missing: Array<'connect' | 'server'>): void {
      if (!haproxy) return;
      // Point at the defaults section the backend uses, once, else at the backend itself.
      const defs = defaultsOf(haproxy, b);
      const at = defs ?? b;
      const key = `${at.file}\0${at.line}\0${missing.join()}`;
      if (reported.has(key)) return;
      reported.add(key);
      const header = haproxyText(haproxy, at.file, at.line) || `backend ${b.name}`;
      const names = missing.map((m) => `timeout ${m}`).join(' and ');
      const waits = [missing.includes('connect') ? 'for a connection to a server that drops packets' : '', missing.includes('server') ? 'for a server that never answers' : ''].filter(Boolean).join(', and ');
      const where = defs ? `backend ${b.name} and its defaults section set no ${names}` : `backend ${b.name} sets no ${names} and has no defaults section`;
      out.push({
        file: at.file,
        line: at.line,
        text: header,
        message: `${where}: HAProxy waits without limit (${waits}), so requests hang until the client or the hop in front gives up with its own 504.`,
        before: header,
        after: `${header}\n${missing.includes('connect') ? '    timeout connect 5s\n' : ''}${missing.includes('server') ? '    timeout server 60s   # longer than your slowest legitimate response\n' : ''}`.trimEnd(),
      });
    }
  },
});
