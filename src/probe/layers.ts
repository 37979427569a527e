/**
 * Which hops a response passed through and which one wrote it, from its headers and its body: the layer ids of
 * the contract (cloudflare, cloudfront, aws-alb, nginx, envoy, ...). Headers name the hops in front (cf-ray,
 * x-amz-cf-id, Via); the error page, the Server header and a few markers name the hop that produced a 5xx.
 * Sources: ../shared/reference/proxy-facts.md §4.1–4.9 (vendor docs, proxies' source), wafw00f-style markers.
 */
import type { Hop, HopRole, ReportEvidence } from '../report/types.js';
import { matchPage, type PageMatch } from '../fingerprints/pages.js';

export type Headers = readonly (readonly [string, string])[];

interface HeaderRule {
  layer: string;
  /** Lower-case header name. */
  name: string;
  /** Value test; absent = the header's presence is enough. */
  value?: RegExp;
  /** The header is only present on responses this layer generated itself (cf-error-type). */
  generated?: boolean;
}

// Headers that name a hop (in any order; the chain is ordered by ROLE_ORDER below).
const HEADER_RULES: HeaderRule[] = [
  { layer: 'cloudflare', name: 'cf-ray' },
  { layer: 'cloudflare', name: 'server', value: /^cloudflare$/i },
  { layer: 'cloudflare', name: 'cf-error-type', generated: true },
  { layer: 'cloudflare', name: 'cf-error-origin', generated: true },
  { layer: 'cloudfront', name: 'x-amz-cf-id' },
  { layer: 'cloudfront', name: 'via', value: /\(CloudFront\)/i },
  { layer: 'cloudfront', name: 'x-cache', value: /^Error from cloudfront/i, generated: true },
  { layer: 'fastly', name: 'x-served-by', value: /^cache-/i },
  { layer: 'fastly', name: 'fastly-debug-digest' },
  { layer: 'akamai', name: 'server', value: /^AkamaiGHost/i },
  { layer: 'akamai', name: 'x-akamai-transformed' },
  { layer: 'azure-frontdoor', name: 'x-azure-ref' },
  { layer: 'azure-appgw', name: 'server', value: /^Microsoft-Azure-Application-Gateway/i },
  { layer: 'aws-alb', name: 'server', value: /^awselb\//i },
  { layer: 'gcp-lb', name: 'via', value: /\bgoogle\b/i },
  { layer: 'gcp-lb', name: 'server', value: /^(?:Google Frontend|gws)$/i },
  { layer: 'heroku', name: 'via', value: /\bvegur\b|heroku-router/i },
  { layer: 'vercel', name: 'x-vercel-id' },
  { layer: 'netlify', name: 'x-nf-request-id' },
  { layer: 'render', name: 'x-render-origin-server' },
  { layer: 'fly', name: 'fly-request-id' },
  { layer: 'github-pages', name: 'x-github-request-id' },
  { layer: 'varnish', name: 'via', value: /\bvarnish\b/i },
  { layer: 'varnish', name: 'x-varnish' },
  { layer: 'envoy', name: 'server', value: /^envoy$/i },
  { layer: 'istio', name: 'server', value: /^istio-envoy$/i },
  { layer: 'envoy', name: 'x-envoy-upstream-service-time' },
  { layer: 'traefik', name: 'server', value: /^traefik/i },
  { layer: 'caddy', name: 'server', value: /^Caddy$/i },
  { layer: 'nginx', name: 'server', value: /^nginx(?:\/|$)/i },
  { layer: 'openresty', name: 'server', value: /^openresty/i },
  { layer: 'apache', name: 'server', value: /^Apache(?:\/|$)/i },
  { layer: 'iis', name: 'server', value: /^Microsoft-IIS/i },
  { layer: 'squid', name: 'via', value: /\(squid\/[\d.]+\)/i },
  { layer: 'squid', name: 'server', value: /^squid/i },
];

const ROLES: Record<string, HopRole> = {
  cloudflare: 'cdn',
  cloudfront: 'cdn',
  fastly: 'cdn',
  akamai: 'cdn',
  'azure-frontdoor': 'cdn',
  vercel: 'cdn',
  netlify: 'cdn',
  'github-pages': 'cdn',
  'aws-alb': 'load-balancer',
  'aws-elb': 'load-balancer',
  'gcp-lb': 'load-balancer',
  'azure-appgw': 'load-balancer',
  heroku: 'load-balancer',
  render: 'load-balancer',
  fly: 'load-balancer',
  varnish: 'proxy',
  envoy: 'proxy',
  istio: 'proxy',
  traefik: 'proxy',
  caddy: 'proxy',
  nginx: 'proxy',
  openresty: 'proxy',
  'ingress-nginx': 'proxy',
  'openshift-router': 'proxy',
  apache: 'proxy',
  haproxy: 'proxy',
  iis: 'proxy',
  squid: 'client-proxy',
  zscaler: 'client-proxy',
  app: 'app',
  unknown: 'proxy',
};

const ROLE_ORDER: HopRole[] = ['client-proxy', 'cdn', 'load-balancer', 'proxy', 'app'];

export function roleOf(layer: string): HopRole {
  return ROLES[layer] ?? 'proxy';
}

export interface LayerView {
  /** Hops the response names, ordered from the client to the origin. */
  hops: Hop[];
  /** The layer that wrote the response (for a 5xx: the hop that produced the error), or null when unknown. */
  emitter: string | null;
  /** What the error page said (Envoy's reset reason, Cloudflare's 52x, HAProxy's body...). */
  page: PageMatch[];
}

/** Fold one layer's evidence into another's (the same product under two names); returns the one kept. */
function merge(seen: Map<string, ReportEvidence[]>, from: string, into: string): string {
  const moved = seen.get(from);
  if (moved) {
    seen.set(into, [...(seen.get(into) ?? []), ...moved]);
    seen.delete(from);
  }
  return into;
}

function header(headers: Headers, name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

/**
 * Read the hops and the emitter from a response.
 * @example readLayers(502, [['server', 'nginx/1.22.1']], '<hr><center>nginx/1.22.1</center>').emitter // 'nginx'
 */
export function readLayers(status: number, headers: Headers, body: string, reasonPhrase = ''): LayerView {
  const seen = new Map<string, ReportEvidence[]>();
  const generatedBy = new Set<string>();
  // Layers the headers name, and the one the Server header names.
  const named = new Set<string>();
  let serverLayer: string | null = null;
  for (const rule of HEADER_RULES) {
    for (const v of header(headers, rule.name)) {
      if (rule.value && !rule.value.test(v)) continue;
      const list = seen.get(rule.layer) ?? [];
      list.push({ source: 'probe', phase: 'http', text: `${rule.name}: ${v}` });
      seen.set(rule.layer, list);
      named.add(rule.layer);
      if (rule.name === 'server') serverLayer ??= rule.layer;
      if (rule.generated) generatedBy.add(rule.layer);
    }
  }
  // Fastly's caches are Varnish: beside Fastly's own headers, Via: 1.1 varnish and X-Varnish are Fastly, not a hop.
  if (named.has('fastly')) merge(seen, 'varnish', 'fastly');
  // The error page, whole and line by line (the table is written for both).
  const text = body.slice(0, 64 * 1024);
  const page = [...matchPage(text.trim(), { wholeBody: true }), ...text.split(/\r?\n/).flatMap((l) => (l.trim() ? matchPage(l.trim()) : []))];
  const pageLayers = page.filter((p) => p.layer !== 'unknown').map((p) => p.layer);
  for (const p of page) {
    if (p.layer === 'unknown') continue;
    const list = seen.get(p.layer) ?? [];
    const text = `body: ${p.detail ?? p.kind ?? p.layer}`;
    if (list.length < 3 && !list.some((e) => e.text === text)) list.push({ source: 'probe', phase: 'http', text });
    seen.set(p.layer, list);
  }
  // The emitter of a 5xx: a layer that marks its own error responses, else the one whose page it is, else the
  // innermost proxy the headers name. A 5xx with an upstream timing header was passed on from behind.
  let emitter: string | null = null;
  if (status >= 500) {
    emitter = [...generatedBy][0] ?? null;
    emitter ??= pageLayers.find((l) => page.some((p) => p.layer === l && !p.marker)) ?? pageLayers[0] ?? null;
    // Envoy's local replies come from whatever runs Envoy: Istio's proxies say so in the Server header
    // (istio-envoy), and Google's global external Application Load Balancer (Envoy-based) in Via: 1.1 google, with
    // no Server header of an Envoy of its own.
    if (emitter === 'envoy' && serverLayer === 'istio') emitter = merge(seen, 'envoy', 'istio');
    else if (emitter === 'envoy' && serverLayer === null && named.has('gcp-lb')) emitter = merge(seen, 'envoy', 'gcp-lb');
    if (!emitter && /^Proxy Error$/i.test(reasonPhrase)) emitter = 'apache';
    // Classic ELB: no Server header, its own reason phrases ("504 GATEWAY_TIMEOUT", "503 Service Unavailable:
    // Back-end server is at capacity").
    if (!emitter && status >= 500 && /^(?:50[234]) (?:BAD_GATEWAY|SERVICE_UNAVAILABLE|GATEWAY_TIMEOUT)$/.test(`${status} ${reasonPhrase}`)) emitter = 'aws-elb';
    if (!emitter && status === 503 && /^Service Unavailable: Back-end server is at capacity$/i.test(reasonPhrase)) emitter = 'aws-elb';
    if (!emitter && header(headers, 'x-envoy-upstream-service-time').length > 0) emitter = 'app';
    if (!emitter) {
      // The innermost named hop that writes error pages of its own.
      const named = [...seen.keys()].sort((a, b) => ROLE_ORDER.indexOf(roleOf(a)) - ROLE_ORDER.indexOf(roleOf(b)));
      emitter = named[named.length - 1] ?? null;
      // Caddy and Traefik answer proxy errors with an empty or status-text body; a long HTML page is the app's.
      if (emitter && (emitter === 'caddy' || emitter === 'traefik') && body.length > 200) emitter = 'app';
    }
  }
  if (emitter === 'istio') seen.set('istio', seen.get('istio') ?? []);
  const hops: Hop[] = [...seen.entries()]
    .sort((a, b) => ROLE_ORDER.indexOf(roleOf(a[0])) - ROLE_ORDER.indexOf(roleOf(b[0])))
    .map(([layer, evidence]) => ({ layer, role: roleOf(layer), evidence: evidence.slice(0, 3) }));
  if (emitter && !hops.some((h) => h.layer === emitter)) hops.push({ layer: emitter, role: roleOf(emitter), evidence: [] });
  return { hops, emitter, page };
}
