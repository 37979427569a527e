/**
 * apache-proxy-retry: a ProxyPass to a single backend (not a balancer) keeps mod_proxy's retry of 60 s. After one
 * failed connect, httpd puts the worker in error state ("AH00959: ap_proxy_connect_backend disabling worker for
 * (host) for 60s") and answers 503 to every request for that worker until the retry time has passed, even once
 * the backend is back. Balancers recover all members at once when all are in error (forcerecovery, on by default);
 * the generic worker behind a bare `SetHandler proxy:` ignores errors; neither is reported.
 */
import type { ApacheParse, ApacheProxyPass } from '../apache-config.js';
import { apacheText } from './proxy-text.js';
import { defineCheck, type ConfigFinding } from './types.js';

/** mod_proxy's retry when none is set (mod_proxy docs, "retry": 60). */
const DEFAULT_RETRY_MS = 60_000;
/** Longer than this, a backend restart of a few seconds becomes a much longer outage. */
const LONG_RETRY_MS = 10_000;

/** The <Proxy url> + ProxySet worker definition a ProxyPass target falls under (longest matching URL), if any. */
function definedWorker(apache: ApacheParse, p: ApacheProxyPass): Record<string, string> | null {
  const raw = p.target?.raw.toLowerCase() ?? '';
  const match = apache.model.workers.filter((w) => raw.startsWith(w.url.toLowerCase().replace(/\/+$/, ''))).sort((a, b) => b.url.length - a.url.length)[0];
  return match?.params ?? null;
}

export default defineCheck({
  meta: {
    id: 'apache-proxy-retry',
    cause: 'no-healthy-upstream',
    title: 'A ProxyPass to a single backend turns one failed connect into 60 s of 503s',
    directives: ['ProxyPass', 'ProxyPassMatch', 'ProxySet', 'retry'],
    why: 'mod_proxy puts a worker in error state when a connection to its backend fails and, for the `retry` time (60 s by default), forwards no request to it. With a single backend behind ProxyPass there is nothing else to send to: a restart that takes two seconds (a deploy, a crash and a supervisor restart) becomes a minute of 503s ("AH00959: ap_proxy_connect_backend disabling worker for (…) for 60s", then "AH00940: … disabled connection for (…)"). `retry=0` retries the backend on the next request.',
    reads: ['apache'],
  },
  check({ apache }) {
    if (!apache) return [];
    const out: ConfigFinding[] = [];
    const seen = new Set<string>();
    for (const p of apache.model.proxyPasses) {
      if (p.directive === 'ProxyPassReverse' || !p.target || p.target.scheme === 'balancer') continue;
      const defined = definedWorker(apache, p);
      const params = { ...defined, ...p.params };
      if (/i/i.test(params.status ?? '')) continue;
      const retryText = params.retry;
      const retryMs = retryText === undefined ? DEFAULT_RETRY_MS : Number(retryText) * 1000;
      if (!Number.isFinite(retryMs) || retryMs <= LONG_RETRY_MS) continue;
      const key = p.target.raw.toLowerCase().replace(/\/+$/, '');
      if (seen.has(key)) continue;
      seen.add(key);
      const text = apacheText(apache, p.file, p.line);
      const after = retryText === undefined ? `${text} retry=0` : text.replace(/\bretry=\S+/i, 'retry=0');
      out.push({
        file: p.file,
        line: p.line,
        text,
        message: `${p.target.raw} is the only backend here and keeps a retry of ${retryMs / 1000} s${retryText === undefined ? ' (the default)' : ''}: after one failed connect, httpd answers 503 to every request for it for ${retryMs / 1000} s, even once it is back.`,
        before: text,
        after: `${after}   # retry at the next request (or a few seconds: retry=2)`,
      });
    }
    return out;
  },
});
