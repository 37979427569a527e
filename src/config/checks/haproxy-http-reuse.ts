/**
 * haproxy-http-reuse: `http-reuse aggressive` or `always` sends first requests over idle server connections, with
 * no `retry-on` that replays a request the server closed on. HAProxy's manual (http-reuse): "safe" sends a
 * session's first request over its own connection "in case the server closes the connection when the request is
 * being sent"; "always" is "only recommended when the path to the server is known for never breaking existing
 * connections quickly after releasing them".
 */
import { haproxyText, sectionKeyword } from './proxy-text.js';
import { defineCheck, type ConfigFinding } from './types.js';

/** retry-on keywords that cover a request sent on a connection the server was closing (configuration.txt, retry-on). */
const COVERS_CLOSE = new Set(['empty-response', 'all-retryable-errors']);

export default defineCheck({
  meta: {
    id: 'haproxy-http-reuse',
    cause: 'keepalive-race',
    title: 'HAProxy reuses idle server connections for first requests, with no retry when the server closed one',
    directives: ['http-reuse', 'retry-on', 'retries'],
    why: 'By default (`http-reuse safe`) HAProxy sends the first request of each client session over a connection of its own, so if a server closes an idle connection just as a request goes out, only a later request is affected and the browser can retry it. `aggressive` and `always` send first requests over idle connections too; the manual keeps them for servers that never close connections soon after releasing them. An application server that closes idle connections after a few seconds then turns some requests into 502s (empty response, termination state `SH`) unless `retry-on empty-response` replays them.',
    reads: ['haproxy'],
  },
  check({ haproxy }) {
    if (!haproxy) return [];
    const out: ConfigFinding[] = [];
    const reported = new Set<string>();
    for (const b of haproxy.model.backends) {
      const reuse = b.httpReuse;
      if (b.servers.length === 0 || b.mode?.value !== 'http' || !reuse || (reuse.value !== 'aggressive' && reuse.value !== 'always')) continue;
      const retryOn = sectionKeyword(haproxy, b, 'retry-on');
      if (retryOn?.args.some((a) => COVERS_CLOSE.has(a))) continue;
      const key = `${reuse.file}\0${reuse.line}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const text = haproxyText(haproxy, reuse.file, reuse.line);
      out.push({
        file: reuse.file,
        line: reuse.line,
        text,
        message: `backend ${b.name} uses "http-reuse ${reuse.value}"${reuse.inherited ? ' (from defaults)' : ''} ${retryOn ? `with "${haproxyText(haproxy, retryOn.file, retryOn.line)}"` : 'with no retry-on'}: a first request sent on an idle connection the server is closing fails with 502 instead of being retried.`,
        before: text,
        after: `http-reuse safe   # the default: first requests get their own connection\n# or keep "${text}" and replay idempotent failures (the application must tolerate replays):\n# retry-on conn-failure empty-response`,
      });
    }
    return out;
  },
});
