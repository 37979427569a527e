/** The outside-in prober's lowest layer: dns, tcp, tls, http, each a Prober with one signature. */
import { probeDns, type DnsOptions, type DnsTarget, type DnsValue } from './dns.js';
import { probeHttp } from './http.js';
import type { HttpOptions, HttpPartial, HttpResponse, HttpTarget } from './http-types.js';
import { probeTcp, type TcpOptions, type TcpTarget, type TcpValue } from './tcp.js';
import { probeTls, type TlsOptions, type TlsSession, type TlsTarget, type TlsValue } from './tls.js';
import type { Prober } from './types.js';

export { contextFor, startBudget, type Budget, type BudgetEnd } from './budget.js';
export { compareViews, probeDns, type DnsAddress, type DnsFailure, type DnsOptions, type DnsTarget, type DnsValue, type DnsView } from './dns.js';
export { probeHttp } from './http.js';
export { probeHttp2 } from './http2.js';
export { DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER, type HttpOptions, type HttpPartial, type HttpResponse, type HttpTarget } from './http-types.js';
export { probeTcp, type TcpOptions, type TcpTarget, type TcpValue } from './tcp.js';
export { probeTls, type TlsCertInfo, type TlsOptions, type TlsSession, type TlsTarget, type TlsValue } from './tls.js';
export type { ProbeContext, ProbeResult, ProbeTimings, Prober } from './types.js';

/** The probers, checked by the compiler to share the one signature (STYLE rule 6). */
export const PROBERS: {
  dns: Prober<DnsTarget, DnsOptions, DnsValue, DnsValue>;
  tcp: Prober<TcpTarget, TcpOptions, TcpValue>;
  tls: Prober<TlsTarget, TlsOptions, TlsValue, TlsSession>;
  http: Prober<HttpTarget, HttpOptions, HttpResponse, HttpPartial>;
} = { dns: probeDns, tcp: probeTcp, tls: probeTls, http: probeHttp };
