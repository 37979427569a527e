/** keepalive-race: the proxy reused an idle keep-alive connection that the upstream had just closed. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'keepalive-race',
    title: 'The proxy reused a keep-alive connection the upstream had just closed',
    seedCategory: 'Incorrect Proxy Settings',
    summary: 'The proxy keeps idle connections to the upstream open for reuse longer than the upstream does; now and then it sends a request on a connection the upstream is closing at that moment, and the request fails.',
    explanation:
      'With upstream keep-alive, the proxy caches idle connections (nginx `keepalive` in an `upstream{}` block, on by default for upstream blocks since nginx 1.29.7; HAProxy, Envoy, ALB always). If the upstream closes idle connections sooner than the proxy stops reusing them (Node.js 5 s `keepAliveTimeout`, gunicorn 2 s, uvicorn 5 s, Apache 5 s versus nginx 60 s, ALB 60 s), a request can race the close and gets an RST or EOF. Idempotent requests are retried by nginx once, so failures show mostly on POST/PATCH, or as error lines whose requests still succeeded. The pattern is intermittent: a few 502s (Envoy/Istio: 503 UC "connection termination") on an otherwise healthy upstream.',
    statuses: [502, 503],
    signals: [
      'intermittent nginx "upstream prematurely closed connection" / "recv() failed (104: Connection reset by peer)" on a keep-alive upstream, mostly on POST',
      'error-log failures whose requests did not end in a 5xx (the proxy retried on a fresh connection)',
      'Envoy/Istio: 503 with UC, "upstream_reset_before_response_started{connection_termination}"',
      'GCP LB: backend_connection_closed_before_data_sent_to_client; ALB: 502 with target closing the connection',
      'probe: failures only on reused connections',
    ],
    facts: ['reused-connection-failed'],
    explains: ['upstream-closed-early'],
    fixes: {
      owner: [
        'Make the upstream keep idle connections open longer than the proxy reuses them: Node `server.keepAliveTimeout = 65000; server.headersTimeout = 66000;`, gunicorn `--keep-alive 75`, uvicorn `--timeout-keep-alive 75`, Apache `KeepAliveTimeout 75`.',
        'Or make the proxy drop idle connections sooner than the upstream: nginx `keepalive_timeout 4s;` inside the `upstream{}` block (shorter than the app\'s), Envoy `common_http_protocol_options.idle_timeout`, HAProxy `timeout server-fin`/`pool-purge-delay`.',
        'Let non-idempotent requests be retried only where safe: nginx `proxy_next_upstream error timeout non_idempotent;` is dangerous for payments; prefer fixing the timeouts.',
        'Rule: app keep-alive timeout > proxy upstream idle timeout > load balancer idle timeout is wrong way round; it must be app > proxy > LB for each hop\'s client side.',
      ],
      visitor: ['The site fails now and then under a timing problem between its servers. Retrying usually works; if a form submission failed, check whether it went through before submitting again.'],
    },
    related: ['upstream-closed-early', 'upstream-draining'],
    lab: { faults: ['keepalive-idle-close'] },
    messages: {
      reused: '{count} request(s) failed on a reused keep-alive connection to {upstream}.',
      afterIdle: '{count} request(s) failed on {upstream} right after it had been idle: the proxy reused a keep-alive connection the upstream had already closed.',
      recoveredRetries: '{count} request(s) failed on {upstream} while {recovered} other upstream failures were hidden by a retry: idle keep-alive connections closed by the upstream.',
    },
  },
  detect(i) {
    const f = own(i, 'reused-connection-failed')[0];
    return f ? claim(0.85, 'reused', [f]) : null;
  },
  reconsider(from, upstream, all) {
    if (from !== 'upstream-closed-early') return null;
    const failed = upstream.byCause['upstream-closed-early'] ?? 0;
    // nginx retries a request whose cached connection failed; errors whose requests then succeeded show
    // the race. Failures left over are the non-idempotent ones it may not retry.
    if (all.accessLogJoined && upstream.recovered > 0 && (failed <= upstream.recovered || upstream.nonIdempotentFailures > 0)) {
      return {
        to: 'keepalive-race',
        confidence: upstream.nonIdempotentFailures > 0 ? 0.8 : 0.7,
        messageId: 'recoveredRetries',
        note: `${upstream.recovered} upstream failure(s) on ${upstream.upstream} were logged for requests that still succeeded: the proxy retried them on a fresh connection, the signature of reused idle keep-alive connections; ${upstream.nonIdempotentFailures} failed request(s) were non-idempotent (POST/PATCH), which proxies do not retry.`,
      };
    }
    if (upstream.reusedConnectionFailures > 0) return { to: 'keepalive-race', confidence: 0.75, messageId: 'reused' };
    // Request logs without retries (HAProxy, Caddy): the upstream answers most requests, and the ones it closes
    // on are those that came after it had been idle, when the proxy reused a pooled connection it had timed out.
    if (failed > 0 && upstream.afterIdleFailures >= Math.max(1, Math.ceil(failed * 0.8)) && upstream.successes >= failed) {
      return {
        to: 'keepalive-race',
        confidence: 0.65,
        messageId: 'afterIdle',
        note: `${upstream.afterIdleFailures} of ${failed} failure(s) came after ${upstream.upstream || 'the upstream'} had been idle for a second or more, while ${upstream.successes} other request(s) got normal answers: the pattern of idle keep-alive connections the upstream closed first.`,
      };
    }
    return null;
  },
});
