/**
 * Directive names the parser knows, for one purpose: telling that a word at the start of a line begins a new
 * directive, so the directive before it lacks its ";". Names that are also common parameter values (`index`,
 * `default`, `off`…) are left out on purpose, so a parameter list continued on the next line is never split.
 * Names from nginx's documentation (https://nginx.org/en/docs/dirindex.html).
 */
export const LINE_START_DIRECTIVES: ReadonlySet<string> = new Set([
  // main, events
  'user', 'worker_processes', 'worker_rlimit_nofile', 'worker_connections', 'pid', 'error_log', 'include', 'events', 'http',
  'stream', 'mail', 'load_module', 'daemon', 'master_process', 'env', 'use', 'multi_accept', 'accept_mutex',
  // http core
  'server', 'location', 'listen', 'server_name', 'root', 'alias', 'try_files', 'error_page', 'client_max_body_size',
  'client_body_buffer_size', 'client_header_buffer_size', 'large_client_header_buffers', 'client_body_timeout',
  'client_header_timeout', 'keepalive_timeout', 'keepalive_requests', 'send_timeout', 'sendfile', 'tcp_nopush',
  'tcp_nodelay', 'types_hash_max_size', 'server_tokens', 'default_type', 'resolver', 'resolver_timeout',
  'server_names_hash_bucket_size', 'limit_except', 'internal', 'satisfy', 'log_not_found', 'access_log', 'log_format',
  'open_file_cache', 'underscores_in_headers', 'ignore_invalid_headers', 'merge_slashes', 'autoindex', 'charset',
  // rewrite, headers, access
  'rewrite', 'return', 'set', 'if', 'add_header', 'expires', 'allow', 'deny', 'auth_basic',
  'auth_basic_user_file', 'auth_request', 'limit_req', 'limit_conn', 'limit_req_zone', 'limit_conn_zone',
  'real_ip_header', 'set_real_ip_from', 'map', 'geo', 'upstream', 'split_clients',
  // proxy
  'proxy_pass', 'proxy_set_header', 'proxy_http_version', 'proxy_read_timeout', 'proxy_connect_timeout',
  'proxy_send_timeout', 'proxy_buffering', 'proxy_buffer_size', 'proxy_buffers', 'proxy_busy_buffers_size',
  'proxy_redirect', 'proxy_next_upstream', 'proxy_next_upstream_tries', 'proxy_next_upstream_timeout',
  'proxy_intercept_errors', 'proxy_cache', 'proxy_cache_path', 'proxy_cache_valid', 'proxy_cache_key',
  'proxy_ssl_server_name', 'proxy_ssl_verify', 'proxy_ssl_name', 'proxy_ssl_trusted_certificate',
  'proxy_hide_header', 'proxy_pass_header', 'proxy_ignore_headers', 'proxy_request_buffering', 'proxy_max_temp_file_size',
  // fastcgi, uwsgi, scgi, grpc, memcached
  'fastcgi_pass', 'fastcgi_param', 'fastcgi_index', 'fastcgi_split_path_info', 'fastcgi_read_timeout',
  'fastcgi_buffers', 'fastcgi_buffer_size', 'fastcgi_intercept_errors', 'fastcgi_next_upstream', 'fastcgi_keep_conn',
  'uwsgi_pass', 'uwsgi_param', 'uwsgi_read_timeout', 'scgi_pass', 'scgi_param', 'grpc_pass', 'grpc_read_timeout',
  'memcached_pass',
  // upstream
  'keepalive', 'least_conn', 'ip_hash', 'hash', 'zone', 'keepalive_time',
  // ssl
  'ssl_certificate', 'ssl_certificate_key', 'ssl_protocols', 'ssl_ciphers', 'ssl_prefer_server_ciphers',
  'ssl_session_cache', 'ssl_session_timeout', 'ssl_stapling', 'ssl_stapling_verify', 'ssl_trusted_certificate',
  'ssl_dhparam', 'ssl_client_certificate', 'ssl_verify_client',
  // gzip, misc
  'gzip', 'gzip_types', 'gzip_vary', 'gzip_proxied', 'gzip_comp_level', 'gzip_min_length', 'sub_filter',
  'sub_filter_once', 'http2', 'http2_max_concurrent_streams',
]);
