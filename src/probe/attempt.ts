/**
 * One attempt at a URL: connect (directly, to an origin address, or through the visitor's HTTP proxy), TLS when
 * the URL is https, one request, the answer read raw. Everything observed comes back as facts and a transcript;
 * the connection is handed back when it may carry another request (keep-alive reuse).
 */
import type { Socket } from 'node:net';
import type { Fact } from '../evidence/facts.js';
import { probeFact, Transcript } from './evidence.js';
import { probeHttp } from './http.js';
import type { HttpResponse } from './http-types.js';
import { probeTcp } from './tcp.js';
import { probeTls, type TlsSession } from './tls.js';
import type { ProbeContext, ProbeTimings } from './types.js';

export interface Site {
  url: URL;
  host: string;
  port: number;
  secure: boolean;
  /** Path and query. */
  path: string;
}

export interface AttemptOptions {
  /** Where to connect: an IP address and port (a resolved address, or --origin). */
  address: string;
  port: number;
  /** A kept-alive connection to send this request on instead of connecting. */
  socket?: Socket;
  /** The visitor's HTTP proxy ("host:port"): CONNECT for https, absolute-form requests for http. */
  proxy?: { address: string; port: number; label: string };
  headers?: [string, string][];
  path?: string;
  insecure?: boolean;
  ca?: string | Buffer | (string | Buffer)[];
  /** Offer only this ALPN protocol (['http/1.1'] to compare with h2). */
  alpn?: string[];
  keepAlive?: boolean;
  maxBody?: number;
}

export interface AttemptResult {
  /** What the visitor would see: a response (any status), or a failure before one. */
  status: number | null;
  response?: HttpResponse;
  /** The layer where it failed, when no response came. */
  failedPhase?: 'connect' | 'tls' | 'http';
  facts: Fact[];
  timings: ProbeTimings;
  transcript: string[];
  reused: boolean;
  address: string;
  tls?: TlsSession;
  /** Left open for another request. */
  socket?: Socket;
}

/** Open a tunnel through an HTTP proxy (CONNECT host:port); the socket then speaks to the site. */
async function connectVia(proxySocket: Socket, site: Site, ctx: ProbeContext, t: Transcript): Promise<{ ok: true } | { ok: false; status: number | null; fact: Fact }> {
  const target = `${site.host.includes(':') ? `[${site.host}]` : site.host}:${site.port}`;
  proxySocket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  t.sent(`CONNECT ${target} HTTP/1.1`);
  const head = await new Promise<string | null>((resolve) => {
    let buf = Buffer.alloc(0);
    const done = (v: string | null): void => {
      proxySocket.off('data', onData);
      proxySocket.off('close', onClose);
      clearTimeout(timer);
      resolve(v);
    };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) done(buf.subarray(0, end).toString('latin1'));
      else if (buf.length > 16 * 1024) done(buf.toString('latin1'));
    };
    const onClose = (): void => done(null);
    const timer = setTimeout(() => done(null), Math.max(0, ctx.deadline - Date.now()));
    proxySocket.on('data', onData);
    proxySocket.once('close', onClose);
  });
  const status = head ? Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1]) : NaN;
  t.received(head?.split('\r\n')[0] ?? '(no answer)');
  if (status === 200) return { ok: true };
  return {
    ok: false,
    status: Number.isNaN(status) ? null : status,
    fact: probeFact('forward-proxy-error', 'connect', `the visitor's proxy answered CONNECT ${target} with ${head?.split('\r\n')[0] ?? 'nothing'}`, {
      ...(Number.isNaN(status) ? {} : { status }),
      detail: 'proxy-connect',
    }),
  };
}

/**
 * Make one attempt.
 * @example await attemptUrl(site, { address: '93.184.216.34', port: 443 }, ctx)
 */
export async function attemptUrl(site: Site, o: AttemptOptions, ctx: ProbeContext): Promise<AttemptResult> {
  const t = new Transcript();
  const lines = t.lines;
  const facts: Fact[] = [];
  const started = Date.now();
  const timings: ProbeTimings = { total: 0 };
  const end = (r: Omit<AttemptResult, 'facts' | 'timings' | 'transcript' | 'address'>): AttemptResult => {
    timings.total = Date.now() - started;
    return { ...r, facts, timings, transcript: lines, address: o.proxy ? o.proxy.label : o.address };
  };
  let socket: Socket | undefined = o.socket;
  let reused = socket !== undefined;
  let tls: TlsSession | undefined;
  if (!socket) {
    const tcp = await probeTcp({ address: o.proxy?.address ?? o.address, port: o.proxy?.port ?? o.port }, {}, ctx);
    lines.push(...tcp.transcript);
    if (tcp.timings.connect !== undefined) timings.connect = tcp.timings.connect;
    if (!tcp.ok) {
      // A failure to reach the visitor's own proxy is the visitor's side.
      if (o.proxy) facts.push(probeFact('forward-proxy-error', 'connect', `cannot reach the proxy ${o.proxy.label}: ${tcp.facts[0]?.ref.text ?? 'failed'}`, { detail: 'proxy-unreachable' }));
      else facts.push(...tcp.facts);
      return end({ status: null, failedPhase: 'connect', reused: false });
    }
    socket = tcp.value.socket;
    if (o.proxy && site.secure) {
      const via = await connectVia(socket, site, ctx, t);
      if (!via.ok) {
        socket.destroy();
        facts.push(via.fact);
        return end({ status: via.status, failedPhase: 'connect', reused: false });
      }
    }
    if (site.secure) {
      const r = await probeTls({ host: site.host, port: site.port }, { socket, ...(o.insecure ? { insecure: true } : {}), ...(o.ca ? { ca: o.ca } : {}), ...(o.alpn ? { alpn: o.alpn } : {}) }, ctx);
      lines.push(...r.transcript);
      if (r.timings.tls !== undefined) timings.tls = r.timings.tls;
      facts.push(...r.facts);
      if (!r.ok) {
        socket.destroy();
        if (r.value) tls = r.value;
        return end({ status: null, failedPhase: 'tls', reused: false, ...(tls ? { tls } : {}) });
      }
      tls = r.value;
      socket = r.value.socket;
    }
  }
  // Through a plain-HTTP proxy the request line carries the absolute URL.
  const path = o.path ?? site.path;
  const requestPath = o.proxy && !site.secure ? `http://${site.url.host}${path}` : path;
  const http = await probeHttp(
    { host: site.host, port: site.port, path: requestPath, secure: site.secure },
    { socket, ...(o.headers ? { headers: o.headers } : {}), keepAlive: o.keepAlive ?? false, ...(o.maxBody ? { maxBody: o.maxBody } : {}) },
    ctx,
  );
  lines.push(...http.transcript);
  if (http.timings.ttfb !== undefined) timings.ttfb = http.timings.ttfb;
  facts.push(...http.facts);
  reused = http.ok ? http.value.reused : (http.value?.reused ?? reused);
  if (!http.ok) {
    socket.destroy();
    return end({ status: http.value?.status ?? null, failedPhase: 'http', reused, ...(tls ? { tls } : {}) });
  }
  const response = http.value;
  const keep = response.reusable ? socket : undefined;
  if (!keep) socket.destroy();
  return end({ status: response.status, response, reused, ...(tls ? { tls } : {}), ...(keep ? { socket: keep } : {}) });
}
