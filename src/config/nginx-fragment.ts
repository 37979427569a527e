/**
 * The context a fragment implies. People paste a lone `server { }`, a `location { }`, or a few bare lines
 * such as `proxy_pass …;`; checks need to know which block that text is the body of. Each top-level directive
 * allows some levels (nginx's "Context:" line in its docs); the fragment is the shallowest level all allow.
 */
import type { ContextChain } from './nginx-types.js';

type Level = 'main' | 'http' | 'stream' | 'server' | 'location' | 'upstream';

/** Shallow to deep: ties are broken towards the shallower level, which can hold the deeper ones as blocks. */
const ORDER: readonly Level[] = ['main', 'http', 'stream', 'server', 'location', 'upstream'];

const CHAIN: Record<Level, ContextChain> = {
  main: [],
  http: ['http'],
  stream: ['stream'],
  server: ['http', 'server'],
  location: ['http', 'server', 'location'],
  upstream: ['http', 'upstream'],
};

const MAIN_ONLY = new Set([
  'events', 'http', 'stream', 'mail', 'user', 'worker_processes', 'worker_rlimit_nofile', 'worker_rlimit_core', 'pid',
  'load_module', 'daemon', 'master_process', 'env', 'worker_cpu_affinity', 'worker_priority', 'worker_shutdown_timeout',
  'thread_pool', 'lock_file', 'pcre_jit', 'ssl_engine', 'timer_resolution', 'working_directory',
]);
const HTTP_ONLY = new Set([
  'upstream', 'map', 'geo', 'split_clients', 'log_format', 'proxy_cache_path', 'fastcgi_cache_path', 'uwsgi_cache_path',
  'scgi_cache_path', 'limit_req_zone', 'limit_conn_zone', 'server_names_hash_bucket_size', 'server_names_hash_max_size',
  'variables_hash_bucket_size', 'variables_hash_max_size', 'map_hash_bucket_size', 'map_hash_max_size',
]);
/** Of those, the ones the stream module has too. */
const ALSO_STREAM = new Set(['upstream', 'map', 'geo', 'split_clients', 'log_format', 'limit_conn_zone']);
const SERVER_ONLY = new Set(['listen', 'server_name']);
const SERVER_OR_LOCATION = new Set(['location', 'if', 'return', 'rewrite', 'set', 'break', 'try_files']);
const LOCATION_ONLY = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'alias', 'limit_except', 'internal']);
const UPSTREAM_ONLY = new Set(['least_conn', 'ip_hash', 'hash', 'keepalive', 'zone', 'random', 'ntlm', 'queue', 'sticky', 'least_time']);

interface TopDirective {
  directive: string;
  args: readonly string[];
  block?: readonly TopDirective[];
}

/**
 * The context chain the top level of a config implies, and why. A whole config (with `http`, `events`…) is `[]`.
 * @example impliedContext([{ directive: 'location', args: ['/'], block: [] }]) // { context: ['http', 'server'], because: 'top level holds "location"' }
 */
export function impliedContext(top: readonly TopDirective[]): { context: ContextChain; because: string | null } {
  if (top.length === 0) return { context: [], because: null };
  const votes = new Map<Level, number>();
  let constrained = 0;
  let intersection: ReadonlySet<Level> | null = null;
  const reasons: string[] = [];
  for (const d of top) {
    const allowed = levelsOf(d);
    if (!allowed) continue;
    constrained++;
    if (reasons.length < 3 && !reasons.includes(d.directive)) reasons.push(d.directive);
    for (const l of allowed) votes.set(l, (votes.get(l) ?? 0) + 1);
    const before: ReadonlySet<Level> = intersection ?? new Set<Level>(allowed);
    intersection = new Set<Level>([...before].filter((l) => allowed.includes(l)));
  }
  if (constrained === 0) {
    return { context: CHAIN.http, because: 'its directives are allowed in http, server and location alike; read as http' };
  }
  const because = `top level holds ${reasons.map((r) => `"${r}"`).join(', ')}`;
  const fits = ORDER.filter((l) => intersection?.has(l));
  const level = fits[0] ?? ORDER.reduce((best, l) => ((votes.get(l) ?? 0) > (votes.get(best) ?? 0) ? l : best), 'main');
  return { context: CHAIN[level], because: fits.length > 0 ? because : `${because}, which no single context allows` };
}

/** Levels a top-level directive may sit in, or null when it does not narrow them down. */
function levelsOf(d: TopDirective): readonly Level[] | null {
  const name = d.directive;
  if (MAIN_ONLY.has(name)) return ['main'];
  if (name === 'server') {
    if (!d.block) return ['upstream'];
    return isStreamServer(d) ? ['stream'] : ['http'];
  }
  if (HTTP_ONLY.has(name)) return ALSO_STREAM.has(name) ? ['http', 'stream'] : ['http'];
  if (SERVER_ONLY.has(name)) return ['server'];
  if (SERVER_OR_LOCATION.has(name)) return ['server', 'location'];
  if (LOCATION_ONLY.has(name)) return ['location'];
  if (UPSTREAM_ONLY.has(name)) return ['upstream'];
  return null;
}

/**
 * A stream (TCP/UDP) server: `proxy_pass` directly in the server (http allows it only in a location) or a
 * `listen … udp`. Reading it as http would make http checks misfire on it.
 */
function isStreamServer(d: TopDirective): boolean {
  return (d.block ?? []).some((c) => c.directive === 'proxy_pass' || (c.directive === 'listen' && c.args.includes('udp')));
}
