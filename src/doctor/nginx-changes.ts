/**
 * Bug fixes in nginx releases that concern proxying (upstream, proxy, backend, 502/503/504, keepalive,
 * resolver), from nginx's own change log: docs/xml/nginx/changes.xml of https://github.com/nginx/nginx at
 * commit 3f6f7824d4e2eb1ac37dec76683d525ac0ff521c (the source of its CHANGES file). Only `type="bugfix"` entries of 1.18.0 and
 * later, English text as written (markup removed, thanks lines dropped); `line` is the entry's line in that
 * file. Regenerate by filtering that file the same way when a newer nginx matters.
 */

/** One bug fix of a release. */
export interface NginxChange {
  version: string;
  /** Release date (YYYY-MM-DD). */
  date: string;
  /** Line of the `<change type="bugfix">` element in changes.xml. */
  line: number;
  text: string;
}

/** Where the entries come from, for citing. */
export const NGINX_CHANGES_SOURCE = {
  repository: 'https://github.com/nginx/nginx',
  file: 'docs/xml/nginx/changes.xml',
  commit: '3f6f7824d4e2eb1ac37dec76683d525ac0ff521c',
} as const;

/** Proxy-related bug fixes, newest release first. */
export const NGINX_PROXY_FIXES: readonly NginxChange[] = [
  { version: "1.31.3", date: "2026-07-15", line: 233, text: "\"[error] upstream sent frame for unknown stream\" and \"[crit] cache file ... contains invalid header\" messages might appear in logs when sending a cached HTTP/2 response in the ngx_http_proxy_v2_module if the \"proxy_cache_revalidate\" directive was used." },
  { version: "1.31.0", date: "2026-05-13", line: 623, text: "connections with HTTP/2 backends might not be cached when using the \"proxy_set_body\" or \"proxy_pass_request_body\" directives." },
  { version: "1.31.0", date: "2026-05-13", line: 634, text: "proxied HTTP/0.9, SCGI, or uWSGI responses might be transferred incorrectly if the first line was not fully read." },
  { version: "1.29.8", date: "2026-04-07", line: 681, text: "in processing of HTTP 103 (Early Hints) responses from a proxied backend." },
  { version: "1.29.7", date: "2026-03-24", line: 844, text: "an invalid HTTP/2 request might be sent after switching to the next upstream if buffered body was used in the ngx_http_grpc_module." },
  { version: "1.29.6", date: "2026-03-10", line: 908, text: "proxying to scgi backends might not work when using chunked transfer encoding and the \"scgi_request_buffering\" directive." },
  { version: "1.29.5", date: "2026-02-04", line: 968, text: "use-after-free might occur after switching to the next gRPC or HTTP/2 backend." },
  { version: "1.29.5", date: "2026-02-04", line: 979, text: "an invalid HTTP/2 request might be sent after switching to the next upstream." },
  { version: "1.29.5", date: "2026-02-04", line: 1000, text: "fixed setting HTTP_HOST when proxying to FastCGI, SCGI, and uwsgi backends." },
  { version: "1.29.4", date: "2025-12-09", line: 1099, text: "a segmentation fault might occur in a worker process if the \"try_files\" directive and \"proxy_pass\" with a URI were used." },
  { version: "1.29.2", date: "2025-10-07", line: 1230, text: "in delta-seconds processing in the \"Cache-Control\" backend response header line." },
  { version: "1.27.5", date: "2025-04-16", line: 1479, text: "in the \"grpc_ssl_password_file\", \"proxy_ssl_password_file\", and \"uwsgi_ssl_password_file\" directives when loading SSL certificates and encrypted keys from variables; the bug had appeared in 1.23.1." },
  { version: "1.27.3", date: "2024-11-26", line: 1702, text: "the \"so_keepalive\" parameter of the \"listen\" directive might be handled incorrectly on DragonFly BSD." },
  { version: "1.27.3", date: "2024-11-26", line: 1713, text: "in the \"proxy_store\" directive." },
  { version: "1.25.4", date: "2024-02-14", line: 2022, text: "a socket descriptor error, a socket leak, or a segmentation fault in a worker process (for SSL proxying) might occur if AIO was used in a subrequest." },
  { version: "1.25.4", date: "2024-02-14", line: 2035, text: "a segmentation fault might occur in a worker process if SSL proxying was used along with the \"image_filter\" directive and errors with code 415 were redirected with the \"error_page\" directive." },
  { version: "1.25.3", date: "2023-10-24", line: 2099, text: "the \"Status\" backend response header line with an empty reason phrase was handled incorrectly." },
  { version: "1.23.3", date: "2022-12-13", line: 2453, text: "nginx might hog CPU during unbuffered proxying if SSL connections to backends were used." },
  { version: "1.23.1", date: "2022-07-19", line: 2620, text: "while returning byte ranges nginx did not remove the \"Content-Range\" header line if it was present in the original backend response." },
  { version: "1.23.1", date: "2022-07-19", line: 2633, text: "a proxied response might be truncated during reconfiguration on Linux; the bug had appeared in 1.17.5." },
  { version: "1.23.0", date: "2022-06-21", line: 2680, text: "if there were multiple \"Vary\" header lines in the backend response, nginx only used the last of them when caching." },
  { version: "1.23.0", date: "2022-06-21", line: 2691, text: "if there were multiple \"WWW-Authenticate\" header lines in the backend response and errors with code 401 were intercepted or the \"auth_request\" directive was used, nginx only sent the first of the header lines to the client." },
  { version: "1.21.6", date: "2022-01-25", line: 2765, text: "nginx returned the \"Connection: keep-alive\" header line in responses during graceful shutdown of old worker processes." },
  { version: "1.21.4", date: "2021-11-02", line: 2931, text: "after receiving a response with incorrect length from a proxied backend nginx might nevertheless cache the connection." },
  { version: "1.21.4", date: "2021-11-02", line: 2944, text: "invalid headers from backends were logged at the \"info\" level instead of \"error\"; the bug had appeared in 1.21.1." },
  { version: "1.21.2", date: "2021-08-31", line: 3054, text: "backend SSL connections in the stream module might hang after an SSL handshake." },
  { version: "1.21.2", date: "2021-08-31", line: 3078, text: "SSL connections with gRPC backends might hang if select, poll, or /dev/poll methods were used." },
  { version: "1.21.1", date: "2021-07-06", line: 3175, text: "nginx did not escape \"\"\", \"<\", \">\", \"\\\", \"^\", \"`\", \"{\", \"|\", and \"}\" characters when proxying with changed URI." },
  { version: "1.21.1", date: "2021-07-06", line: 3199, text: "keepalive connections with gRPC backends might not be closed after receiving a GOAWAY frame." },
  { version: "1.21.1", date: "2021-07-06", line: 3210, text: "reduced memory consumption for long-lived requests when proxying with more than 64 buffers." },
  { version: "1.19.9", date: "2021-03-30", line: 3376, text: "\"upstream sent response body larger than indicated content length\" errors might occur when working with gRPC backends; the bug had appeared in 1.19.1." },
  { version: "1.19.9", date: "2021-03-30", line: 3389, text: "nginx might not close a connection till keepalive timeout expiration if the connection was closed by the client while discarding the request body." },
  { version: "1.19.9", date: "2021-03-30", line: 3400, text: "nginx might not detect that a connection was already closed by the client when waiting for auth_delay or limit_req delay, or when working with backends." },
  { version: "1.19.8", date: "2021-03-09", line: 3449, text: "HTTP/2 connections were immediately closed when using \"keepalive_timeout 0\"; the bug had appeared in 1.19.7." },
  { version: "1.19.7", date: "2021-02-16", line: 3531, text: "\"zero size buf in output\" alerts might appear in logs if an upstream server returned an incorrect response during unbuffered proxying; the bug had appeared in 1.19.1." },
  { version: "1.19.6", date: "2020-12-15", line: 3573, text: "\"no live upstreams\" errors if a \"server\" inside \"upstream\" block was marked as \"down\"." },
  { version: "1.19.5", date: "2020-11-24", line: 3653, text: "\"upstream sent frame for closed stream\" errors might occur when working with gRPC backends." },
  { version: "1.19.3", date: "2020-09-29", line: 3739, text: "the \"stale-if-error\" cache control extension was erroneously applied if backend returned a response with status code 500, 502, 503, 504, 403, 404, or 429." },
  { version: "1.19.3", date: "2020-09-29", line: 3752, text: "\"[crit] cache file ... has too long header\" messages might appear in logs if caching was used and the backend returned responses with the \"Vary\" header line." },
  { version: "1.19.3", date: "2020-09-29", line: 3789, text: "a segmentation fault might occur in a worker process when using HTTP/2 if errors with code 400 were redirected to a proxied location using the \"error_page\" directive." },
  { version: "1.19.1", date: "2020-07-07", line: 3988, text: "zero length UDP datagrams were not proxied." },
  { version: "1.19.1", date: "2020-07-07", line: 3997, text: "proxying to uwsgi backends using SSL might not work." },
  { version: "1.19.0", date: "2020-05-26", line: 4053, text: "\"upstream sent frame for closed stream\" errors might occur when working with gRPC backends." },
  { version: "1.19.0", date: "2020-05-26", line: 4064, text: "OCSP stapling might not work if the \"resolver\" directive was not specified." },
];
