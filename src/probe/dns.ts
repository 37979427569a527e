/**
 * DNS prober: resolves the site name with the system resolver (getaddrinfo, what this host's clients connect to,
 * plus record queries to the system's nameservers) and with each `--resolver`, tells NXDOMAIN, NODATA, SERVFAIL,
 * REFUSED and timeouts apart, and compares the answers.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ErrnoCode, Fact } from '../evidence/facts.js';
import { startBudget, type Budget } from './budget.js';
import { probeFact, since, Transcript } from './evidence.js';
import type { ProbeContext, ProbeResult } from './types.js';

export interface DnsTarget {
  /** A host name, or an IP literal (then no lookup is made). */
  host: string;
}

export interface DnsOptions {
  /** Extra resolvers, "IP" or "IP:PORT" ("[v6]:PORT" for IPv6 with a port). */
  resolvers?: string[];
  /** Ask the system resolver too (default true); tests against a loopback DNS server turn it off. */
  system?: boolean;
}

/** How one resolver failed; NODATA: the name exists but has no A or AAAA record. */
export type DnsFailure = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'REFUSED' | 'timeout' | 'unreachable' | 'error';

/** What one resolver said about the name. */
export interface DnsView {
  /** "system", or the resolver as given ("9.9.9.9:53"). */
  resolver: string;
  a: string[];
  aaaa: string[];
  /** The CNAME chain from the name (first hop first); empty when the name has no CNAME. */
  cname: string[];
  /** getaddrinfo's addresses (system view only): what a client on this host connects to, /etc/hosts included. */
  lookup?: string[];
  failure?: DnsFailure;
  /** The resolver library's code behind `failure` (ENOTFOUND, ESERVFAIL, ETIMEOUT, EAI_AGAIN...). */
  code?: string;
  ms: number;
}

export interface DnsAddress {
  address: string;
  family: 4 | 6;
}

export interface DnsValue {
  host: string;
  /** The host is an IP literal: no lookup was made. */
  literal: boolean;
  /** Where the next layer connects: the system view's addresses, else those of the first resolver that answered. */
  addresses: DnsAddress[];
  views: DnsView[];
  /** Resolvers gave answers that cannot both be right (see `compareViews`). */
  inconsistent: boolean;
}

/** Longest CNAME chain followed; real chains (CDN → geo → edge) stay under five. */
const MAX_CNAME_HOPS = 8;

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

async function attempt<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? 'EUNKNOWN' };
  }
}

/** Split "IP", "IP:PORT", "[v6]:PORT" into what Resolver.setServers accepts ("ip", "ip:port", "[v6]:port"). */
function serverSpec(given: string): string {
  const t = given.trim();
  if (isIP(t) !== 0) return t;
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(t) ?? /^([^:]+):(\d{1,5})$/.exec(t);
  if (!m || isIP(m[1] ?? '') === 0 || Number(m[2]) > 65535) throw new TypeError(`--resolver wants IP[:PORT], got "${given}"`);
  return t;
}

/** The failure a resolver's error code stands for; `ended` tells a deadline from other cancellations. */
function failureOf(code: string, budget: Budget): DnsFailure {
  switch (code) {
    case 'ENOTFOUND':
      return 'NXDOMAIN';
    case 'ENODATA':
      return 'NODATA';
    case 'ESERVFAIL':
      return 'SERVFAIL';
    case 'EREFUSED':
      return 'REFUSED';
    case 'ETIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECANCELLED':
      return budget.ended() === 'aborted' ? 'error' : 'timeout';
    // UDP to a closed port: ICMP port unreachable, reported by c-ares as a refused connection.
    case 'ECONNREFUSED':
      return 'unreachable';
    default:
      return 'error';
  }
}

/** Combine the A and AAAA outcomes: any address wins; NXDOMAIN beats NODATA; else the A query's failure. */
function combine(a: Outcome<string[]>, aaaa: Outcome<string[]>, budget: Budget): { failure?: DnsFailure; code?: string } {
  if ((a.ok && a.value.length > 0) || (aaaa.ok && aaaa.value.length > 0)) return {};
  const codes = [a, aaaa].map((o) => (o.ok ? 'ENODATA' : o.code));
  const code = codes.includes('ENOTFOUND') ? 'ENOTFOUND' : codes.every((c) => c === 'ENODATA') ? 'ENODATA' : (codes.find((c) => c !== 'ENODATA') ?? 'ENODATA');
  return { failure: failureOf(code, budget), code };
}

async function cnameChain(r: Resolver, host: string): Promise<string[]> {
  const chain: string[] = [];
  let name = host;
  for (let i = 0; i < MAX_CNAME_HOPS; i++) {
    const o = await attempt(r.resolveCname(name));
    const next = o.ok ? o.value[0] : undefined;
    if (next === undefined || chain.includes(next)) break;
    chain.push(next);
    name = next;
  }
  return chain;
}

/** Query A, AAAA and the CNAME chain from one resolver (the system's nameservers when `server` is undefined). */
async function resolverView(host: string, server: string | undefined, budget: Budget): Promise<DnsView> {
  const start = performance.now();
  // tries: 1 so a silent server costs one timeout, not four; the timeout is what is left of the budget.
  const r = new Resolver({ timeout: Math.max(1, budget.left()), tries: 1 });
  if (server !== undefined) r.setServers([server]);
  const cancel = (): void => r.cancel();
  budget.signal.addEventListener('abort', cancel, { once: true });
  try {
    const [a, aaaa, cname] = await Promise.all([attempt(r.resolve4(host)), attempt(r.resolve6(host)), cnameChain(r, host)]);
    return {
      resolver: server ?? 'system',
      a: a.ok ? a.value : [],
      aaaa: aaaa.ok ? aaaa.value : [],
      cname,
      ...combine(a, aaaa, budget),
      ms: since(start),
    };
  } finally {
    budget.signal.removeEventListener('abort', cancel);
  }
}

/** getaddrinfo cannot be cancelled (it runs on libuv's thread pool): race it against the budget instead. */
async function systemLookup(host: string, budget: Budget): Promise<Outcome<string[]>> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Outcome<string[]>>((resolve) => {
    onAbort = () => resolve({ ok: false, code: 'ECANCELLED' });
    if (budget.signal.aborted) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([attempt(lookup(host, { all: true, verbatim: true }).then((l) => l.map((x) => x.address))), aborted]);
  } finally {
    if (onAbort) budget.signal.removeEventListener('abort', onAbort);
  }
}

/** The system view: getaddrinfo's addresses, with the record queries to the system nameservers for detail. */
async function systemView(host: string, budget: Budget): Promise<DnsView> {
  const start = performance.now();
  const [looked, records] = await Promise.all([systemLookup(host, budget), resolverView(host, undefined, budget)]);
  const view: DnsView = { ...records, resolver: 'system', ms: since(start) };
  if (looked.ok && looked.value.length > 0) {
    view.lookup = looked.value;
    // The client can connect (/etc/hosts, a search domain, mDNS): the record queries' failure is not the site's.
    delete view.failure;
    delete view.code;
  } else if (!looked.ok && view.failure === undefined) {
    // getaddrinfo failed where the record queries did not (nsswitch, a local stub): keep getaddrinfo's word.
    view.code = looked.code;
    view.failure = looked.code === 'ENOTFOUND' ? 'NXDOMAIN' : looked.code === 'EAI_AGAIN' ? 'SERVFAIL' : failureOf(looked.code, budget);
  }
  return view;
}

function addressesOf(v: DnsView): string[] {
  return [...(v.lookup ?? []), ...v.a, ...v.aaaa];
}

/**
 * Do two resolvers disagree? An answer against NXDOMAIN/NODATA does. Two answers disagree only when they share
 * neither an address nor a CNAME name: CDNs give each resolver's region other addresses behind the same CNAME,
 * and that is not a fault.
 * @example compareViews(result.value.views) // true when --resolver 1.1.1.1 and the system resolver disagree
 */
export function compareViews(views: readonly DnsView[]): boolean {
  const answered = views.filter((v) => v.failure === undefined && addressesOf(v).length > 0);
  const denied = views.filter((v) => v.failure === 'NXDOMAIN' || v.failure === 'NODATA');
  if (answered.length > 0 && denied.length > 0) return true;
  for (let i = 0; i < answered.length; i++) {
    for (let j = i + 1; j < answered.length; j++) {
      const x = answered[i];
      const y = answered[j];
      if (!x || !y) continue;
      const ax = new Set(addressesOf(x));
      const cx = new Set(x.cname);
      if (!addressesOf(y).some((a) => ax.has(a)) && !y.cname.some((c) => cx.has(c))) return true;
    }
  }
  return false;
}

const ERRNO: Partial<Record<DnsFailure, ErrnoCode>> = { NXDOMAIN: 'ENOTFOUND', NODATA: 'ENOTFOUND', SERVFAIL: 'EAI_AGAIN', REFUSED: 'EAI_AGAIN', timeout: 'ETIMEDOUT' };

function describe(v: DnsView): string {
  if (v.failure !== undefined) return `${v.failure}${v.code ? ` (${v.code})` : ''}`;
  const parts: string[] = [];
  if (v.cname.length > 0) parts.push(`CNAME ${v.cname.join(' → ')}`);
  if (v.a.length > 0) parts.push(`A ${v.a.join(' ')}`);
  if (v.aaaa.length > 0) parts.push(`AAAA ${v.aaaa.join(' ')}`);
  if (v.lookup) parts.push(`getaddrinfo ${v.lookup.join(' ')}`);
  return parts.join('; ') || 'no records';
}

/**
 * Resolve a site name with the system resolver and each given resolver.
 * @example const r = await probeDns({ host: 'example.com' }, { resolvers: ['1.1.1.1'] }, ctx); if (r.ok) r.value.addresses
 */
export async function probeDns(target: DnsTarget, options: DnsOptions, ctx: ProbeContext): Promise<ProbeResult<DnsValue, DnsValue>> {
  const start = performance.now();
  const host = target.host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const family = isIP(host);
  if (family !== 0) {
    const value: DnsValue = { host, literal: true, addresses: [{ address: host, family: family === 6 ? 6 : 4 }], views: [], inconsistent: false };
    return { ok: true, value, facts: [], timings: { dns: 0, total: 0 }, transcript: [`* ${host} is an IP address: no DNS lookup`] };
  }
  const servers = (options.resolvers ?? []).map(serverSpec);
  const budget = startBudget(ctx);
  const t = new Transcript();
  try {
    const views = await Promise.all([
      ...(options.system === false ? [] : [systemView(host, budget)]),
      ...servers.map((s) => resolverView(host, s, budget)),
    ]);
    const facts: Fact[] = [];
    for (const v of views) {
      t.note(`${v.resolver}: ${host} → ${describe(v)} in ${v.ms} ms`);
      if (v.failure === undefined) continue;
      const detail = v.failure === 'error' && budget.ended() === 'aborted' ? 'aborted' : v.failure;
      facts.push(probeFact('site-lookup-failed', 'dns', `resolver ${v.resolver}: ${host}: ${describe(v)}`, { detail, errno: ERRNO[v.failure], stage: 'resolve' }));
    }
    const inconsistent = compareViews(views);
    if (inconsistent) {
      const text = `resolvers disagree on ${host}: ${views.map((v) => `${v.resolver}: ${describe(v)}`).join(' | ')}`;
      facts.push(probeFact('site-lookup-failed', 'dns', text, { detail: 'inconsistent', stage: 'resolve' }));
      t.note(text);
    }
    const source = views.find((v) => v.failure === undefined && addressesOf(v).length > 0);
    const picked = source ? (source.lookup ?? [...source.a, ...source.aaaa]) : [];
    const addresses: DnsAddress[] = [...new Set(picked)].map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
    const value: DnsValue = { host, literal: false, addresses, views, inconsistent };
    const ms = since(start);
    const common = { facts, timings: { dns: ms, total: ms }, transcript: t.lines };
    return addresses.length > 0 ? { ok: true, value, ...common } : { ok: false, value, ...common };
  } finally {
    budget.dispose();
  }
}
