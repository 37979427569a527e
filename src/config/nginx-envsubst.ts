/**
 * envsubst-style `${VAR}` in templates (the official Docker image's /etc/nginx/templates, Kubernetes init
 * containers), told apart from nginx's own `${var}` by the rule below, and replaced by TEMPLATE_MARKER.
 */
import { TEMPLATE_MARKER, type ConfigNote, type ParsedFile, type Statement } from './nginx-types.js';

/*
 * The `${VAR}` rule. nginx reads `${name}` as a variable (ngx_http_script.c) and looks variable names up
 * case-insensitively (ngx_http_add_variable and ngx_http_get_variable_index lower-case them; nginx 1.22.1
 * accepts `"${HOST}"` as `$host` and rejects `"${NGINX_PORT}"` with `unknown "nginx_port" variable`).
 * envsubst (the official Docker image's /etc/nginx/templates) writes `${NGINX_PORT}`. So `${NAME}` is template
 * markup only where nginx would not read it as one of its own variables:
 *   - NAME is upper case (A-Z, 0-9, _, with a letter; not starting with a digit): envsubst's convention. A
 *     lower-case or mixed-case `${name}` is always nginx's own;
 *   - and either the directive takes no variables at all (`listen`, `server_name`, upstream `server`, sizes and
 *     timeouts: there nginx would keep `${NAME}` as literal text or reject it), or the lower-cased NAME is
 *     neither a built-in variable (`${HOST}` is `$host`, `${HTTP_X_TOKEN}` is `$http_x_token`) nor declared by
 *     the config: no `set`, `map`, `geo`, `split_clients`, `*_set` or `set_*` directive (js_set, perl_set,
 *     auth_request_set, set_by_lua…) names it, and no regex names a capture `(?<NAME>…)` after it.
 * Quoted or not makes no difference: nginx resolves `${NAME}` inside quotes too, and envsubst ignores quotes.
 * Unbraced `$NAME` is always left to nginx (envsubst writes it too, but it is nginx's everyday syntax).
 * Not applied to `nginx -T` output: nginx accepted that text, so it holds no markup.
 */

const ENV_REF = /\$\{(_*[A-Z][A-Z0-9_]*)\}/g;
const DECLARING = /^(?:set|map|geo|split_clients)$|^set_|_set$/;
const VAR_ARG = /^\$\{?([A-Za-z0-9_]+)\}?$/;
const NAMED_CAPTURE = /\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/g;

/** Directives whose parameters nginx never expands variables in. */
const NO_VARIABLES: ReadonlySet<string> = new Set([
  'listen', 'server_name', 'server', 'upstream', 'location', 'worker_processes', 'worker_connections',
  'worker_rlimit_nofile', 'user', 'pid', 'error_log', 'keepalive', 'keepalive_timeout', 'keepalive_requests',
  'client_max_body_size', 'client_body_buffer_size', 'client_header_buffer_size', 'large_client_header_buffers',
  'client_body_timeout', 'client_header_timeout', 'send_timeout', 'resolver', 'resolver_timeout',
  'proxy_connect_timeout', 'proxy_read_timeout', 'proxy_send_timeout', 'proxy_buffer_size', 'proxy_buffers',
  'proxy_busy_buffers_size', 'proxy_http_version', 'proxy_next_upstream_tries', 'proxy_next_upstream_timeout',
  'fastcgi_connect_timeout', 'fastcgi_read_timeout', 'fastcgi_send_timeout', 'uwsgi_read_timeout',
  'grpc_read_timeout', 'ssl_protocols', 'ssl_ciphers', 'ssl_session_timeout', 'gzip', 'sendfile',
]);

/** nginx's built-in variables (https://nginx.org/en/docs/varindex.html), lower case. */
const BUILTIN: ReadonlySet<string> = new Set([
  'ancient_browser', 'args', 'binary_remote_addr', 'body_bytes_sent', 'bytes_received', 'bytes_sent', 'connection',
  'connection_requests', 'connection_time', 'connections_active', 'connections_reading', 'connections_waiting',
  'connections_writing', 'content_length', 'content_type', 'date_gmt', 'date_local', 'document_root',
  'document_uri', 'fastcgi_path_info', 'fastcgi_script_name', 'gzip_ratio', 'host', 'hostname', 'http2', 'http3',
  'https', 'invalid_referer', 'is_args', 'limit_conn_status', 'limit_rate', 'limit_req_status', 'memcached_key',
  'modern_browser', 'msec', 'msie', 'nginx_version', 'pid', 'pipe', 'protocol', 'proxy_add_x_forwarded_for',
  'proxy_host', 'proxy_port', 'proxy_protocol_addr', 'proxy_protocol_port', 'proxy_protocol_server_addr',
  'proxy_protocol_server_port', 'query_string', 'quic', 'realip_remote_addr', 'realip_remote_port', 'realpath_root',
  'remote_addr', 'remote_port', 'remote_user', 'request', 'request_body', 'request_body_file', 'request_completion',
  'request_filename', 'request_id', 'request_length', 'request_method', 'request_time', 'request_uri', 'scheme',
  'secure_link', 'secure_link_expires', 'server_addr', 'server_name', 'server_port', 'server_protocol',
  'session_time', 'slice_range', 'status', 'tcpinfo_rcv_space', 'tcpinfo_rtt', 'tcpinfo_rttvar', 'tcpinfo_snd_cwnd',
  'time_iso8601', 'time_local', 'uid_got', 'uid_reset', 'uid_set', 'upstream_addr', 'upstream_bytes_received',
  'upstream_bytes_sent', 'upstream_cache_status', 'upstream_connect_time', 'upstream_first_byte_time',
  'upstream_header_time', 'upstream_queue_time', 'upstream_response_length', 'upstream_response_time',
  'upstream_session_time', 'upstream_status', 'uri',
]);

/** Families of built-in variables: `$http_x_token`, `$arg_page`, `$ssl_client_s_dn`, `$geoip_country_code`… */
const BUILTIN_PREFIX = /^(?:http_|sent_http_|sent_trailer_|arg_|cookie_|upstream_http_|upstream_trailer_|upstream_cookie_|proxy_protocol_tlv_|ssl_|geoip_|geoip2_|jwt_|spdy_)/;

/**
 * Variable names (lower case, as nginx keeps them) a statement declares.
 * @example declaredNames('set', ['$Backend', '1'], names) // adds 'backend'
 */
export function declaredNames(directive: string, args: readonly string[], into: Set<string>): void {
  if (DECLARING.test(directive)) {
    for (const a of args) {
      const m = VAR_ARG.exec(a);
      if (m?.[1]) into.add(m[1].toLowerCase());
    }
  }
  for (const s of [directive, ...args]) {
    if (!s.includes('(?')) continue;
    for (const m of s.matchAll(NAMED_CAPTURE)) into.add((m[1] ?? m[2] ?? '').toLowerCase());
  }
}

/**
 * Whether nginx would read `${NAME}` in this directive as one of its own variables.
 * @example isNginxVariable('proxy_set_header', 'HOST', new Set()) // true: it is $host
 */
export function isNginxVariable(directive: string, name: string, declared: ReadonlySet<string>): boolean {
  if (NO_VARIABLES.has(directive)) return false;
  const lower = name.toLowerCase();
  return BUILTIN.has(lower) || BUILTIN_PREFIX.test(lower) || declared.has(lower);
}

/**
 * Replace envsubst references in one word with `marker`; returns null when the word has none.
 * `own(name)` says which names nginx reads as its own variables here.
 * @example replaceEnvRefs('http://${BACKEND}:8080', () => false, '{{template}}') // { text: 'http://{{template}}:8080', refs: ['${BACKEND}'] }
 */
export function replaceEnvRefs(word: string, own: (name: string) => boolean, marker: string): { text: string; refs: string[] } | null {
  if (!word.includes('${')) return null;
  const refs: string[] = [];
  const text = word.replace(ENV_REF, (whole: string, name: string) => {
    if (own(name)) return whole;
    refs.push(whole);
    return marker;
  });
  return refs.length > 0 ? { text, refs } : null;
}

/**
 * `${NAME}` in an include path: nginx never expands variables there, so with an upper-case NAME it is markup.
 * @example hasEnvRef('/etc/nginx/${SITE}.conf') // true
 */
export function hasEnvRef(word: string): boolean {
  return /\$\{_*[A-Z][A-Z0-9_]*\}/.test(word);
}

/**
 * Apply the rule to every statement of every file: collect the declared names, then replace the references
 * that nginx would reject. Adds one note per directive changed.
 * @example applyEnvsubstRule(files, notes) // `listen ${NGINX_PORT};` becomes `listen {{template}};`
 */
export function applyEnvsubstRule(files: readonly ParsedFile[], notes: ConfigNote[]): void {
  const declared = new Set<string>();
  const visit = (stmts: readonly Statement[], f: (s: Statement) => void): void => {
    for (const s of stmts) {
      f(s);
      if (s.block) visit(s.block, f);
    }
  };
  for (const file of files) visit(file.parsed, (s) => declaredNames(s.directive, s.args, declared));
  for (const file of files) {
    visit(file.parsed, (s) => {
      const refs: string[] = [];
      // A directive name is never a variable: `${EXTRA_DIRECTIVE} on;` is markup whatever it is called.
      const name = replaceEnvRefs(s.directive, () => false, TEMPLATE_MARKER);
      if (name) {
        s.directive = name.text;
        refs.push(...name.refs);
      }
      const own = (n: string): boolean => isNginxVariable(s.directive, n, declared);
      for (const [k, a] of s.args.entries()) {
        const r = replaceEnvRefs(a, own, TEMPLATE_MARKER);
        if (!r) continue;
        s.args[k] = r.text;
        refs.push(...r.refs);
      }
      if (refs.length === 0) return;
      s.templated = true;
      notes.push({ code: 'CONF_TEMPLATE_SKIPPED', file: s.file, line: s.line, note: `template markup skipped: ${[...new Set(refs)].join(' ')} (envsubst: not a variable nginx knows here)` });
    });
  }
}
