/**
 * `why502 URL`: probe a URL from outside and say which hop failed, how, whether it is constant or intermittent,
 * and what to do. The seed article's visitor solutions run as checks: further attempts (refresh), a cookie-less
 * cache-busting request (clear the cache), another client (another browser, HTTP/1.1 vs h2), the visitor's proxy
 * against a direct request (proxy settings), a reference URL (the internet connection); --origin bypasses the
 * CDN or load balancer.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { causes as catalogue } from '../causes/index.js';
import type { Cause } from '../causes/types.js';
import { Attributor, DetectorErrors, indexCauses } from '../engine/attribute.js';
import { Tally } from '../engine/tally.js';
import type { Fact, FactKind } from '../evidence/facts.js';
import type { AttemptRecord, Hop, ProbeStats, Report, ReportCause } from '../report/types.js';
import { TOOL } from '../version.js';
import { attemptUrl, type AttemptOptions, type AttemptResult, type Site } from './attempt.js';
import { probeDns, type DnsValue } from './dns.js';
import { probeFact } from './evidence.js';
import { readLayers, roleOf, type LayerView } from './layers.js';
import type { ProbeContext } from './types.js';

export interface ProbeUrlOptions {
  /** Overall deadline for everything (ms, default 15 000). */
  timeoutMs?: number;
  /** Attempts in all; extra ones are made only after a failure (default 5). */
  attempts?: number;
  resolvers?: string[];
  /** Ask the system resolver (default true). */
  systemResolver?: boolean;
  /** The origin behind a CDN or load balancer: "ADDR[:PORT]". */
  origin?: string;
  cookie?: string;
  headers?: [string, string][];
  insecure?: boolean;
  /** A URL known to work, to tell the visitor's connection apart (no default). */
  reference?: string;
  /** Extra trusted CA certificates (PEM): internal CAs, the lab's CA. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Environment for HTTP_PROXY / HTTPS_PROXY / NO_PROXY (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Pause between further attempts (ms, default 150). */
  spacingMs?: number;
  signal?: AbortSignal;
  causes?: readonly Cause[];
}

// Headers that identify one request at a CDN, load balancer or app: what a support desk asks for.
const REQUEST_ID_HEADERS = new Set(['cf-ray', 'x-amz-cf-id', 'x-amzn-trace-id', 'x-request-id', 'x-correlation-id', 'x-served-by', 'x-azure-ref', 'x-vercel-id', 'x-nf-request-id', 'fly-request-id', 'x-github-request-id', 'x-cloud-trace-context', 'x-envoy-upstream-service-time']);

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CURL_UA = 'curl/8.5.0';

// What a gateway's status alone says when its page names no mechanism (proxy-facts §4.4–4.9).
const STATUS_MEANING: Record<string, { kind: FactKind; stage?: 'connect' | 'header'; detail: string }> = {
  'nginx 504': { kind: 'timeout', stage: 'header', detail: 'nginx answers 504 only when the upstream timed out' },
  'caddy 504': { kind: 'timeout', stage: 'header', detail: 'Caddy answers 504 for a timeout to the upstream' },
  'traefik 504': { kind: 'timeout', stage: 'header', detail: 'Traefik answers 504 for a timeout to the upstream' },
  'envoy 504': { kind: 'timeout', stage: 'header', detail: 'Envoy answers 504 for an upstream timeout' },
  'aws-alb 504': { kind: 'timeout', stage: 'header', detail: 'the ALB answers 504 when the target did not answer in time' },
  'aws-alb 503': { kind: 'no-live-upstreams', detail: 'the ALB answers 503 when the target group has no healthy target' },
  'caddy 503': { kind: 'no-live-upstreams', detail: 'Caddy answers 503 "no upstreams available"' },
  'apache 503': { kind: 'connect-failed', stage: 'connect', detail: 'Apache answers 503 when it cannot connect to the backend (AH01114)' },
  'cloudfront 504': { kind: 'timeout', stage: 'header', detail: 'CloudFront answers 504 when the origin did not answer in time' },
};

/**
 * The scheme of a URL typed without one: https, unless a port is given that is not a TLS one (443, 8443): then
 * http, as a browser does for "host:8080" (a plain port probed with TLS would be blamed on the site's proxy).
 * @example schemeFor('shop.example:8080') // 'http'
 */
export function schemeFor(raw: string): 'http' | 'https' {
  const port = /^(?:\[[^\]]+\]|[^/:?#]+):(\d+)(?:[/?#]|$)/.exec(raw)?.[1];
  return port === undefined || port === '443' || port === '8443' ? 'https' : 'http';
}

function siteOf(raw: string): Site {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${schemeFor(raw)}://${raw}`);
  } catch {
    throw new TypeError(`${raw}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${raw}: only http:// and https:// URLs can be probed`);
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { url, host, port: url.port ? Number(url.port) : secure ? 443 : 80, secure, path: `${url.pathname}${url.search}` };
}

/** The proxy the visitor's environment sends this URL through, if any (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, curl's rules). */
export function proxyFor(site: Site, env: NodeJS.ProcessEnv): { address: string; port: number; label: string } | null {
  const raw = site.secure ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!raw) return null;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = site.host.toLowerCase();
  if (noProxy.some((n) => n === '*' || host === n.replace(/^\./, '') || host.endsWith(n.startsWith('.') ? n : `.${n}`))) return null;
  let u: URL;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return null;
  }
  const address = u.hostname.replace(/^\[|\]$/g, '');
  return { address, port: u.port ? Number(u.port) : 80, label: `${u.hostname}:${u.port || '80'}` };
}

/** A failure in a few words, for the attempts table. */
function failureOf(r: AttemptResult): string | undefined {
  const f = r.facts.find((x) => x.kind !== 'gateway-status' && x.kind !== 'app-status');
  if (r.status !== null && r.status >= 500) return `${r.status}`;
  if (!f) return r.status === null ? 'no answer' : undefined;
  return `${f.kind}${f.errno ? ` ${f.errno}` : ''}${f.detail ? ` (${f.detail.slice(0, 60)})` : ''}`;
}

const failed = (r: AttemptResult): boolean => r.status === null || r.status >= 500 || r.facts.some((f) => f.kind !== 'gateway-status' && f.kind !== 'app-status' && f.kind !== 'tls-cert-untrusted' && f.kind !== 'tls-cert-expired' && f.kind !== 'tls-name-mismatch') || (r.failedPhase !== undefined);

/** Facts the response adds: what its error page says, and what the emitting gateway's status alone means. */
function responseFacts(r: AttemptResult, view: LayerView): Fact[] {
  const out: Fact[] = [];
  if (!r.response || r.response.status < 500) return out;
  const status = r.response.status;
  for (const p of view.page) {
    if (!p.kind) continue;
    out.push(probeFact(p.kind, 'http', `${p.layer} error page: ${p.detail ?? p.kind}`, { status, software: p.layer, ...(p.detail ? { detail: p.detail } : {}), ...(p.errno ? { errno: p.errno } : {}) }));
  }
  // A Cloudflare-generated 52x says its code in cf-error-type / the status itself.
  if (view.emitter === 'cloudflare' && status >= 520 && status <= 530 && !out.some((f) => f.kind === 'cdn-edge-error')) {
    out.push(probeFact('cdn-edge-error', 'http', `cloudflare answered ${status}`, { status, detail: String(status), software: 'cloudflare' }));
  }
  const implied = view.emitter ? STATUS_MEANING[`${view.emitter} ${status}`] : undefined;
  if (implied && out.length === 0) out.push(probeFact(implied.kind, 'http', `${view.emitter ?? ''} answered ${status}: ${implied.detail}`, { status, detail: implied.detail, ...(implied.stage ? { stage: implied.stage } : {}), software: view.emitter ?? undefined }));
  // The application itself answered 5xx (the emitter is the app): passed through, an application error.
  if (view.emitter === 'app') out.push(probeFact('app-status', 'http', `the application answered ${status}`, { status }));
  return out;
}

/**
 * Probe a URL and diagnose what the outside shows.
 * @example const report = await probeUrl('https://shop.example/checkout', { attempts: 5 })
 */
export async function probeUrl(raw: string, options: ProbeUrlOptions = {}): Promise<Report> {
  const started = Date.now();
  const site = siteOf(raw);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx: ProbeContext = { signal: ac.signal, deadline: started + timeoutMs };
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const sockets = new Set<Socket>();
  try {
    return await run(site, options, ctx, started, sockets);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    for (const s of sockets) s.destroy();
  }
}

async function run(site: Site, options: ProbeUrlOptions, ctx: ProbeContext, started: number, sockets: Set<Socket>): Promise<Report> {
  const env = options.env ?? process.env;
  const stats: ProbeStats = { attempts: [], checks: [] };
  const errors: string[] = [];
  const userHeaders: [string, string][] = [...(options.headers ?? []), ...(options.cookie ? ([['Cookie', options.cookie]] as [string, string][]) : [])];
  const baseHeaders: [string, string][] = [['User-Agent', BROWSER_UA], ['Accept', 'text/html,application/xhtml+xml,*/*;q=0.8'], ...userHeaders];
  const proxy = proxyFor(site, env);

  // DNS (not for an IP literal, and not when a proxy resolves for us).
  let dns: DnsValue | null = null;
  const dnsFacts: Fact[] = [];
  if (!isIP(site.host) && !proxy) {
    const r = await probeDns({ host: site.host }, { ...(options.resolvers ? { resolvers: options.resolvers } : {}), ...(options.systemResolver === false ? { system: false } : {}) }, ctx);
    dnsFacts.push(...r.facts);
    if (r.ok) dns = r.value;
    stats.timings = { total: 0, ...(r.timings.dns !== undefined ? { dns: r.timings.dns } : {}) };
    const value = r.ok ? r.value : r.value;
    if (value) {
      stats.dns = {
        addresses: value.addresses.map((a) => a.address),
        resolvers: value.views.map((v) => ({ resolver: v.resolver, answer: v.failure ? v.failure : [...v.cname.map((c) => `CNAME ${c}`), ...(v.lookup ?? [...v.a, ...v.aaaa])].join(', ') || '(no address)' })),
      };
    }
  }
  const addresses = isIP(site.host) ? [site.host] : (dns?.addresses.map((a) => a.address) ?? []);
  const records: AttemptResult[] = [];
  const failedAttempts: { r: AttemptResult; view: LayerView | null }[] = [];
  let firstView: LayerView | null = null;
  let lastFailureView: LayerView | null = null;
  let proxyDirectWorks = false;

  const record = (r: AttemptResult, check: string): void => {
    if (r.socket) sockets.add(r.socket);
    const bad = failed(r);
    const rec: AttemptRecord = { n: stats.attempts.length + 1, address: r.address, reused: r.reused, check, status: r.status, failed: bad, ms: r.timings.total, at: new Date(Date.now() - r.timings.total).toISOString() };
    if (bad && r.response) {
      for (const [name, value] of r.response.headers) {
        if (!REQUEST_ID_HEADERS.has(name.toLowerCase())) continue;
        stats.requestIds ??= [];
        if (stats.requestIds.length < 20 && !stats.requestIds.some((x) => x.value === value)) stats.requestIds.push({ header: name.toLowerCase(), value });
      }
    }
    const why = bad ? failureOf(r) : undefined;
    if (why) rec.failure = why;
    stats.attempts.push(rec);
    records.push(r);
  };
  const attempt = async (check: string, o: Partial<AttemptOptions> & { address: string }): Promise<AttemptResult> => {
    const r = await attemptUrl(site, { port: site.port, headers: baseHeaders, keepAlive: true, ...(options.insecure ? { insecure: true } : {}), ...(options.ca ? { ca: options.ca } : {}), ...o }, ctx);
    record(r, check);
    const view = r.response ? readLayers(r.response.status, r.response.headers, r.response.body.toString('utf8'), r.response.reason) : null;
    if (check === 'first') firstView = view;
    // The visitor checks are compared, not counted: the count is the failed attempts at the URL as given.
    if (failed(r) && (check === 'first' || check === 'retry')) {
      failedAttempts.push({ r, view });
      if (view) lastFailureView = view;
    }
    return r;
  };

  if (addresses.length > 0 || proxy) {
    const first = await attempt('first', { address: addresses[0] ?? '', ...(proxy ? { proxy } : {}) });
    if (first.tls) {
      const leaf = first.tls.chain[0];
      stats.tls = { protocol: first.tls.protocol, cipher: first.tls.cipher, alpn: first.tls.alpn, ...(leaf ? { issuer: leaf.issuer, validTo: leaf.validTo, daysToExpiry: leaf.daysToExpiry } : {}) };
    }
    stats.timings = { ...(stats.timings ?? {}), ...first.timings };
    // "Refresh the page": further attempts only after a failure; reuse a kept connection when there is one,
    // rotate through the addresses, so a bad backend or a keep-alive race shows as a pattern.
    if (failed(first)) {
      const total = Math.max(1, options.attempts ?? 5);
      let kept: Socket | undefined = first.socket;
      for (let i = 1; i < total && Date.now() < ctx.deadline - 200 && !ctx.signal.aborted; i++) {
        await new Promise((r) => setTimeout(r, Math.min(options.spacingMs ?? 150, Math.max(0, ctx.deadline - Date.now() - 100))));
        const reuse = kept !== undefined && i % 2 === 1;
        const r = await attempt('retry', { address: addresses[i % Math.max(1, addresses.length)] ?? '', ...(proxy ? { proxy } : {}), ...(reuse && kept ? { socket: kept } : {}) });
        if (reuse) kept = undefined;
        kept = r.socket ?? kept;
      }
      proxyDirectWorks = await visitorChecks(site, options, proxy, addresses, attempt, stats, ctx);
    }
  }

  // Facts per failed attempt, judged by the causes; the visitor's side comes from the checks.
  const causeList = options.causes ?? catalogue;
  const tally = new Tally(causeList);
  const attributor = new Attributor(indexCauses(causeList), new DetectorErrors());
  const fresh = failedAttempts.filter((a) => !a.r.reused).length;
  const freshOk = records.filter((r) => !r.reused && !failed(r)).length;
  let unexplained = 0;
  const incidents: Fact[][] = [];
  if (dnsFacts.some((f) => f.kind === 'site-lookup-failed')) incidents.push(dnsFacts);
  for (const { r, view } of failedAttempts) {
    const facts = [...r.facts, ...(view ? responseFacts(r, view) : [])];
    // A keep-alive race seen from outside: failures only on reused connections while fresh ones work.
    if (r.reused && fresh === 0 && freshOk > 0 && facts.some((f) => f.kind === 'upstream-closed' || f.kind === 'upstream-reset')) {
      facts.push(probeFact('reused-connection-failed', 'http', `failed on a reused keep-alive connection while ${freshOk} fresh connection(s) worked`, { detail: 'probe-reused-only' }));
    }
    // Through the visitor's proxy it fails, directly it works: the proxy is the hop at fault.
    if (proxyDirectWorks && proxy) facts.push(probeFact('forward-proxy-error', 'http', `the site works directly but fails through the proxy ${proxy.label}`, { detail: 'direct-works', ...(r.status !== null ? { status: r.status } : {}) }));
    incidents.push(facts);
  }
  for (const facts of incidents) {
    const a = attributor.attribute({ facts, context: [] });
    if (a) tally.add(a, facts, true);
    else unexplained++;
  }
  // The visitor-side checks add their own incidents (a proxy that failed alone; the connection itself).
  for (const c of stats.checks) if (c.check === 'reference' && /failed/.test(c.outcome) && failedAttempts.length > 0) {
    const f = probeFact('local-network-error', 'connect', `the reference URL failed too: ${c.outcome}`, { detail: 'reference-failed' });
    const a = attributor.attribute({ facts: [f], context: [] });
    if (a) tally.add(a, [f], true);
  }
  const causes = tally.result();
  const failures = failedAttempts.length;
  const main = stats.attempts.filter((a) => a.check === 'first' || a.check === 'retry');
  stats.failureRate = main.length > 0 ? Math.round((100 * main.filter((a) => a.failed).length) / main.length) / 100 : 0;

  const chain = chainOf(failedAttempts[0]?.view ?? lastFailureView ?? firstView, failedAttempts[0]?.r ?? records[0], proxy);
  const report: Report = {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    command: 'probe',
    target: site.url.toString(),
    summary: summaryOf(site, causes, stats, failures, chain, unexplained, dnsFacts),
    causes,
    ...(chain.length > 0 ? { chain } : {}),
    stats: { durationMs: Date.now() - started, ...(unexplained > 0 ? { unexplained } : {}), probe: stats },
    notAssessed: notAssessedOf(causes, chain, failures),
    errors,
  };
  return report;
}

type AttemptFn = (check: string, o: Partial<AttemptOptions> & { address: string }) => Promise<AttemptResult>;

/** The seed's visitor solutions, run after a failure, each recorded with its outcome. */
async function visitorChecks(site: Site, options: ProbeUrlOptions, proxy: ReturnType<typeof proxyFor>, addresses: string[], attempt: AttemptFn, stats: ProbeStats, ctx: ProbeContext): Promise<boolean> {
  let directWorks = false;
  const address = addresses[0] ?? '';
  const out = (r: AttemptResult): string => (failed(r) ? `failed (${failureOf(r) ?? 'error'})` : `worked (${r.status ?? '?'})`);
  const left = (): boolean => Date.now() < ctx.deadline - 300 && !ctx.signal.aborted;
  if (left()) {
    // "Clear your browser cache": no cookies, no user headers, a cache-busting query.
    const sep = site.path.includes('?') ? '&' : '?';
    const r = await attempt('cookie-less', { address, ...(proxy ? { proxy } : {}), keepAlive: false, headers: [['User-Agent', BROWSER_UA], ['Cache-Control', 'no-cache']], path: `${site.path}${sep}why502=${Date.now()}` });
    stats.checks.push({ check: 'clear cache and cookies (a cache-busting request without cookies)', outcome: out(r) });
  }
  if (left()) {
    // "Try another browser": a curl-like client, and HTTP/1.1 where the site chose h2.
    const r = await attempt('curl user agent', { address, ...(proxy ? { proxy } : {}), keepAlive: false, headers: [['User-Agent', CURL_UA], ['Accept', '*/*']] });
    stats.checks.push({ check: 'another client (curl user agent)', outcome: out(r) });
  }
  if (left() && site.secure) {
    const r = await attempt('http/1.1', { address, ...(proxy ? { proxy } : {}), keepAlive: false, alpn: ['http/1.1'] });
    stats.checks.push({ check: 'HTTP/1.1 instead of HTTP/2', outcome: out(r) });
  }
  if (left() && proxy && addresses.length === 0 && !isIP(site.host)) {
    // The proxy resolved for us: resolve ourselves for the direct comparison.
    const r = await probeDns({ host: site.host }, {}, ctx);
    if (r.ok) addresses.push(...r.value.addresses.map((a) => a.address));
  }
  if (left() && proxy && addresses[0]) {
    // "Check proxy settings": the same request directly, beside the one through the visitor's proxy.
    const r = await attempt('direct (no proxy)', { address: addresses[0], keepAlive: false });
    stats.checks.push({ check: `proxy settings (direct, without the proxy ${proxy.label})`, outcome: out(r) });
    directWorks = !failed(r);
  }
  if (left() && options.origin) {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(options.origin);
    const r = await attempt('origin', { address: m?.[1] ?? options.origin, port: m?.[2] ? Number(m[2]) : site.port, keepAlive: false });
    stats.checks.push({ check: `origin bypass (${options.origin}, Host and SNI kept)`, outcome: out(r) });
  }
  if (left() && options.reference) {
    try {
      const ref = siteOf(options.reference);
      const rd = isIP(ref.host) ? null : await probeDns({ host: ref.host }, {}, ctx);
      const addr = isIP(ref.host) ? ref.host : rd?.ok ? rd.value.addresses[0]?.address : undefined;
      if (!addr) stats.checks.push({ check: `internet connection (reference ${options.reference})`, outcome: 'failed (its name did not resolve)' });
      else {
        const r = await attemptUrl(ref, { address: addr, port: ref.port, keepAlive: false, headers: [['User-Agent', BROWSER_UA]] }, ctx);
        stats.checks.push({ check: `internet connection (reference ${options.reference})`, outcome: r.status !== null && r.status < 500 ? `worked (${r.status})` : `failed (${failureOf(r) ?? 'error'})` });
      }
    } catch (e) {
      stats.checks.push({ check: `internet connection (reference ${options.reference})`, outcome: `not run: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return directWorks;
}

/** The hops as seen, client to origin; the one that wrote the error response marked emitted. */
function chainOf(view: LayerView | null, r: AttemptResult | undefined, proxy: ReturnType<typeof proxyFor>): Hop[] {
  const hops: Hop[] = [];
  if (proxy) hops.push({ layer: 'unknown', role: 'client-proxy', evidence: [{ source: 'probe', phase: 'connect', text: `HTTP(S)_PROXY ${proxy.label}` }] });
  if (!view) return hops;
  for (const h of view.hops) hops.push({ ...h });
  if (r?.response && r.response.status >= 500) {
    const emitter = view.emitter ?? 'unknown';
    let hop = hops.find((h) => h.layer === emitter);
    if (!hop) {
      hop = { layer: emitter, role: roleOf(emitter), evidence: [] };
      hops.push(hop);
    }
    hop.emitted = true;
    hop.status = r.response.status;
    hop.evidence.push({ source: 'probe', phase: 'http', text: `HTTP/${r.response.httpVersion} ${r.response.status} ${r.response.reason}`.trim() });
  }
  return hops;
}

function summaryOf(site: Site, causes: ReportCause[], stats: ProbeStats, failures: number, chain: Hop[], unexplained: number, dnsFacts: Fact[]): string {
  const main = stats.attempts.filter((a) => a.check === 'first' || a.check === 'retry');
  if (main.length === 0 && dnsFacts.length > 0) {
    const top = causes[0];
    return `${site.host} does not resolve${top ? `: ${top.title.charAt(0).toLowerCase()}${top.title.slice(1)}` : ''}.`;
  }
  if (failures === 0) {
    const first = main[0];
    return `${site.url.toString()} answered ${first?.status ?? '?'} in ${first?.ms ?? 0} ms: nothing wrong seen from here.`;
  }
  const bad = main.filter((a) => a.failed).length;
  const pattern = bad === main.length ? `every attempt failed (${bad} of ${main.length})` : `intermittent: ${bad} of ${main.length} attempts failed`;
  const emitted = chain.find((h) => h.emitted);
  const where = emitted ? `; the error came from ${emitted.layer}${emitted.status ? ` (${emitted.status})` : ''}` : '';
  const top = causes[0];
  const cause = top ? `Most likely: ${top.title.charAt(0).toLowerCase()}${top.title.slice(1)}, confidence ${Math.round(top.confidence * 100)}%` : unexplained > 0 ? 'The outside does not say why' : '';
  return `${cause}${cause ? '; ' : ''}${pattern}${where}.`;
}

function notAssessedOf(causes: ReportCause[], chain: Hop[], failures: number): Report['notAssessed'] {
  if (failures === 0) return [];
  const emitted = chain.find((h) => h.emitted);
  const out: Report['notAssessed'] = [];
  if (emitted && emitted.role !== 'cdn' && emitted.layer !== 'app') {
    out.push({ need: `the error log of ${emitted.layer === 'unknown' ? 'the proxy that answered' : emitted.layer} for the same minutes: \`why502 logs <its error log>\` names how its upstream failed` });
  }
  if (emitted?.role === 'cdn') out.push({ need: 'a probe of the origin directly (`--origin ADDR`) and the origin web server\'s logs' });
  if (causes.length === 0) out.push({ need: "the upstream's own log (application, PHP-FPM, systemd journal) for the same minutes" });
  return out;
}
