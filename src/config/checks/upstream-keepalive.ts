/**
 * upstream-keepalive: keep-alive to an upstream group that nginx cannot use (HTTP/1.0, "Connection: close"),
 * and pooled connections kept idle longer than application servers keep them (the keep-alive race).
 */
import type { ConfigNode } from '../nginx-node.js';
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { compareVersions, nginxMs, passTarget, textOf } from './util.js';

// Since 1.29.7 keep-alive is on for upstream{} blocks and proxy_http_version defaults to 1.1 (proxy-facts §4.5(e)).
const KEEPALIVE_DEFAULT_SINCE = '1.29.7';
// Node's server.keepAliveTimeout and uvicorn's --timeout-keep-alive default to 5 s, gunicorn's --keep-alive to 2 s.
const APP_IDLE_MS = 5000;

export default defineCheck({
  meta: {
    id: 'upstream-keepalive',
    cause: 'keepalive-race',
    title: 'Upstream keep-alive that cannot work, or that outlives the application server\'s idle timeout',
    directives: ['upstream', 'keepalive', 'keepalive_timeout', 'proxy_http_version', 'proxy_set_header', 'proxy_pass'],
    why: 'nginx reuses idle connections to an upstream group for up to `keepalive_timeout` (60 s by default). Application servers close idle connections much sooner (Node and uvicorn after 5 s, gunicorn after 2 s); a request sent on a connection the server is closing fails, and nginx does not retry POSTs: intermittent 502s. Keep-alive also needs HTTP/1.1 and an empty Connection header, or nginx closes every connection anyway.',
    reads: ['nginx'],
  },
  check({ nginx }, env) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    const byDefault = compareVersions(env.nginxVersion, KEEPALIVE_DEFAULT_SINCE) >= 0;
    const assumed = env.nginxVersionAssumed ? ` (nginx ${env.nginxVersion} assumed; pass --nginx-version)` : '';
    const groups = new Map<string, ConfigNode>();
    for (const { node } of directives(nginx, 'upstream')) groups.set(node.args[0] ?? '', node);
    const pooled = new Map<string, { keepalive: ConfigNode | null; timeoutMs: number; timeoutNode: ConfigNode | null }>();
    for (const [name, up] of groups) {
      const ka = (up.block ?? []).find((n) => n.directive === 'keepalive') ?? null;
      const on = ka ? Number(ka.args[0]) > 0 : byDefault;
      if (!on) continue;
      const kt = (up.block ?? []).find((n) => n.directive === 'keepalive_timeout') ?? null;
      pooled.set(name, { keepalive: ka, timeoutMs: kt ? nginxMs(kt.args[0]) : 60_000, timeoutNode: kt });
    }
    // Which pools some location really reuses: HTTP/1.1 and an empty Connection header (the defaults since 1.29.7).
    const speaks = (node: ConfigNode): { version: string; cleared: boolean } => {
      const version = effective(node, 'proxy_http_version').at(-1)?.args[0] ?? (byDefault ? '1.1' : '1.0');
      const connection = effective(node, 'proxy_set_header').find((h) => (h.args[0] ?? '').toLowerCase() === 'connection');
      return { version, cleared: connection !== undefined ? (connection.args[1] ?? '') === '' : byDefault };
    };
    const reused = new Set<string>();
    for (const { node } of directives(nginx, 'proxy_pass')) {
      const t = passTarget('proxy_pass', node.args[0] ?? '');
      const sp = speaks(node);
      if (t && pooled.has(t.host) && sp.version === '1.1' && sp.cleared) reused.add(t.host);
    }
    for (const [name, p] of pooled) {
      const up = groups.get(name);
      // A pool no location reuses cannot race; the finding below says it is unused.
      if (!up || !reused.has(name)) continue;
      const live = env.live?.find((l) => l.idleCloseMs !== undefined && l.idleCloseMs !== null && (up.block ?? []).some((s) => s.directive === 'server' && s.args[0] === l.target));
      const appIdle = live?.idleCloseMs ?? APP_IDLE_MS;
      if (p.timeoutMs > appIdle) {
        const at = p.timeoutNode ?? p.keepalive ?? up;
        out.push({
          file: at.file,
          line: at.line,
          text: textOf(at),
          message: live
            ? `connections to "${name}" are reused for up to ${p.timeoutMs / 1000} s, but ${live.target} closed an idle one after ${((live.idleCloseMs ?? 0) / 1000).toFixed(1)} s (measured): requests sent on those fail.`
            : `connections to "${name}" are reused for up to ${p.timeoutMs / 1000} s${p.keepalive ? '' : ` (keep-alive is on by default since nginx ${KEEPALIVE_DEFAULT_SINCE})${assumed}`}; application servers close idle ones after 2–5 s by default, so some requests go out on connections being closed.`,
          before: `upstream ${name} {\n    ${p.keepalive ? textOf(p.keepalive) : '# keepalive on by default'}\n}`,
          after: `upstream ${name} {\n    ${p.keepalive ? textOf(p.keepalive) : 'keepalive 32;'}\n    keepalive_timeout ${Math.max(1, Math.floor(appIdle / 1000) - 1)}s;   # shorter than the app's idle timeout\n}\n# or raise the app's: Node server.keepAliveTimeout = 65000; gunicorn --keep-alive 65`,
        });
      }
    }
    // Keep-alive configured but not used: HTTP/1.0 (the default before 1.29.7) or a Connection header kept.
    if (!byDefault) {
      for (const { node } of directives(nginx, 'proxy_pass')) {
        const t = passTarget('proxy_pass', node.args[0] ?? '');
        if (!t || !pooled.has(t.host)) continue;
        const { version, cleared } = speaks(node);
        if (version === '1.1' && cleared) continue;
        out.push({
          file: node.file,
          line: node.line,
          text: textOf(node),
          message: `upstream "${t.host}" has keepalive, but this location speaks HTTP/${version}${cleared ? '' : ' and passes a Connection header'}: nginx closes each connection, so the pool is never used.`,
          before: `${textOf(node)}`,
          after: `proxy_http_version 1.1;\nproxy_set_header Connection "";\n${textOf(node)}\n# and in upstream ${t.host} {}: keepalive_timeout shorter than the application's idle timeout`,
        });
      }
    }
    return out;
  },
});
