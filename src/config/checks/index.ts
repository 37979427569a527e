/** The config checks, one module each (like the causes); `analyzeConfig` runs them all. */
import apacheProxyRetry from './apache-proxy-retry.js';
import apacheProxyTimeout from './apache-proxy-timeout.js';
import bufferSize from './buffer-size.js';
import fastcgiSocket from './fastcgi-socket.js';
import fpmPool from './fpm-pool.js';
import fragileUpstreamGroup from './fragile-upstream-group.js';
import haproxyHttpReuse from './haproxy-http-reuse.js';
import haproxyServerCheck from './haproxy-server-check.js';
import haproxyServerDns from './haproxy-server-dns.js';
import haproxyTimeouts from './haproxy-timeouts.js';
import passSchemePort from './pass-scheme-port.js';
import readTimeout from './read-timeout.js';
import staleUpstreamDns from './stale-upstream-dns.js';
import type { ConfigCheck } from './types.js';
import upstreamKeepalive from './upstream-keepalive.js';
import upstreamTls from './upstream-tls.js';
import variablePassNoResolver from './variable-pass-no-resolver.js';
import workerConnectionsFd from './worker-connections-fd.js';
import workerConnectionsLow from './worker-connections-low.js';

export const CONFIG_CHECKS: readonly ConfigCheck[] = [
  variablePassNoResolver,
  staleUpstreamDns,
  passSchemePort,
  upstreamTls,
  upstreamKeepalive,
  fragileUpstreamGroup,
  bufferSize,
  readTimeout,
  workerConnectionsFd,
  workerConnectionsLow,
  fastcgiSocket,
  fpmPool,
  haproxyServerCheck,
  haproxyTimeouts,
  haproxyServerDns,
  haproxyHttpReuse,
  apacheProxyRetry,
  apacheProxyTimeout,
];
