/**
 * TLS prober: handshakes over a connected socket (or connects first), with SNI and ALPN h2/http1.1, and reports
 * the protocol, cipher, ALPN, the peer chain and what verification says: expired, not yet valid, untrusted,
 * wrong host, or a handshake that fails outright (versions, ciphers, a peer that does not speak TLS).
 */
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect, type DetailedPeerCertificate, type PeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { Fact, FactKind } from '../evidence/facts.js';
import { startBudget } from './budget.js';
import { hostPort, probeFact, since, Transcript } from './evidence.js';
import { probeTcp } from './tcp.js';
import type { ProbeContext, ProbeResult, ProbeTimings } from './types.js';

export interface TlsTarget {
  /** The name the certificate must match, also sent as SNI (unless it is an IP address). */
  host: string;
  port: number;
  /** IP address to connect to when no socket is given; default `host` (which must then be an IP). */
  address?: string;
}

export interface TlsOptions {
  /** A connected socket from probeTcp; without it the prober connects itself. */
  socket?: Socket;
  /** Complete the handshake even when verification fails (--insecure); the verdict is still reported. */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a lab CA or an internal CA. Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[];
  /** SNI to send instead of `host`. */
  servername?: string;
  /** ALPN protocols offered; default ['h2', 'http/1.1']. */
  alpn?: string[];
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
}

/** One certificate of the peer chain, leaf first. */
export interface TlsCertInfo {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  /** Whole days until validTo; negative once expired. */
  daysToExpiry: number;
  subjectAltName?: string;
  serialNumber: string;
  fingerprint256: string;
}

/** What the handshake established and what verification says. */
export interface TlsSession {
  /** "TLSv1.3", "TLSv1.2"... */
  protocol: string | null;
  cipher: string | null;
  /** The ALPN protocol the server chose ("h2", "http/1.1"), or null when it chose none. */
  alpn: string | null;
  servername: string | null;
  chain: TlsCertInfo[];
  /** The chain verifies against the trusted roots. */
  chainVerified: boolean;
  /** OpenSSL's verify code when the chain does not verify (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT...). */
  verifyError?: string;
  /** The leaf certificate is valid for `host`. */
  nameMatches: boolean;
  nameError?: string;
}

export interface TlsValue extends TlsSession {
  /** The TLS socket, ready for probeHttp; the caller owns it and must destroy it. */
  socket: TLSSocket;
}

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);

const ignore = (): void => undefined;

function dn(name: unknown): string {
  if (typeof name !== 'object' || name === null) return '';
  return Object.entries(name as Record<string, string | string[]>)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function certInfo(c: PeerCertificate): TlsCertInfo {
  const to = Date.parse(c.valid_to);
  const info: TlsCertInfo = {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    validFrom: new Date(Date.parse(c.valid_from)).toISOString(),
    validTo: new Date(to).toISOString(),
    daysToExpiry: Math.floor((to - Date.now()) / 86_400_000),
    serialNumber: c.serialNumber,
    fingerprint256: c.fingerprint256,
  };
  if (c.subjectaltname) info.subjectAltName = c.subjectaltname;
  return info;
}

/** The peer chain, leaf first, stopping at the self-issued root (which points at itself). */
function chainOf(leaf: DetailedPeerCertificate): TlsCertInfo[] {
  const out: TlsCertInfo[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(certInfo(c));
  }
  return out;
}

/** A short reading of a handshake error for the transcript: what it usually means. */
function hint(reason: string): string {
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(reason)) return 'the server does not speak TLS on this port (plain HTTP?)';
  if (/protocol version|unsupported protocol|no protocols available|version too low/i.test(reason)) return 'no TLS version both sides accept';
  if (/no shared cipher|handshake failure|insufficient security/i.test(reason)) return 'no cipher suite or parameters both sides accept (or the server wants a client certificate)';
  if (/certificate required|bad certificate/i.test(reason)) return 'the server requires a client certificate';
  if (/closed|reset/i.test(reason)) return 'the server dropped the connection during the handshake';
  return 'the handshake failed';
}

type Handshake = { ok: true } | { ok: false; code: string; reason: string } | { ok: false; ended: string };

function handshake(socket: TLSSocket, signal: AbortSignal, ended: () => string | null): Promise<Handshake> {
  return new Promise((resolve) => {
    const done = (h: Handshake): void => {
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      resolve(h);
    };
    const onSecure = (): void => done({ ok: true });
    const onError = (e: Error & { code?: string; reason?: string }): void => {
      const code = e.code ?? 'EOTHER';
      // OpenSSL errors carry OpenSSL's reason text ("wrong version number"); socket errors only a message.
      const reason = e.reason ?? (code === 'ECONNRESET' ? (/disconnected before/.test(e.message) ? 'connection closed during handshake' : 'connection reset during handshake') : e.message);
      done({ ok: false, code, reason });
    };
    const onClose = (): void => done({ ok: false, code: 'ECONNRESET', reason: 'connection closed during handshake' });
    const onAbort = (): void => done({ ok: false, ended: ended() ?? 'deadline' });
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Verification facts for a completed handshake. */
function verdicts(s: TlsSession, host: string, where: string): Fact[] {
  const facts: Fact[] = [];
  const leaf = s.chain[0];
  const dates = leaf ? ` (valid ${leaf.validFrom} to ${leaf.validTo}, ${leaf.daysToExpiry} days to expiry)` : '';
  if (s.verifyError !== undefined) {
    const kind: FactKind = EXPIRED.has(s.verifyError) ? 'tls-cert-expired' : 'tls-cert-untrusted';
    const text = `TLS ${where}: certificate verify error ${s.verifyError}${leaf ? `: ${leaf.subject} issued by ${leaf.issuer}` : ''}${dates}`;
    facts.push(probeFact(kind, 'tls', text, { detail: s.verifyError, stage: 'tls', upstream: where, scheme: 'https' }));
  }
  if (!s.nameMatches) {
    const text = `TLS ${where}: certificate does not match "${host}": ${s.nameError ?? ''}${leaf?.subjectAltName ? ` (${leaf.subjectAltName})` : ''}`;
    facts.push(probeFact('tls-name-mismatch', 'tls', text, { detail: 'ERR_TLS_CERT_ALTNAME_INVALID', stage: 'tls', upstream: where, scheme: 'https' }));
  }
  return facts;
}

/**
 * Handshake TLS and verify the peer.
 * @example const r = await probeTls({ host: 'example.com', port: 443 }, { socket: tcp.value.socket }, ctx); if (r.ok) r.value.alpn
 */
export async function probeTls(target: TlsTarget, options: TlsOptions, ctx: ProbeContext): Promise<ProbeResult<TlsValue, TlsSession>> {
  const start = performance.now();
  const t = new Transcript();
  const timings: ProbeTimings = { total: 0 };
  const where = hostPort(target.address ?? target.host, target.port);
  let raw = options.socket;
  if (!raw) {
    const address = target.address ?? target.host;
    if (isIP(address) === 0) throw new TypeError(`probeTls connects to an IP address: give target.address or options.socket (host "${target.host}")`);
    const tcp = await probeTcp({ address, port: target.port }, {}, ctx);
    t.lines.push(...tcp.transcript);
    timings.connect = tcp.timings.connect ?? tcp.timings.total;
    if (!tcp.ok) return { ok: false, facts: tcp.facts, timings: { ...timings, total: since(start) }, transcript: t.lines };
    raw = tcp.value.socket;
  }
  const servername = options.servername ?? (isIP(target.host) === 0 ? target.host : undefined);
  const alpn = options.alpn ?? ['h2', 'http/1.1'];
  const budget = startBudget(ctx);
  const tlsStart = performance.now();
  t.note(`TLS handshake with ${where}${servername ? `, SNI ${servername}` : ', no SNI (IP address)'}, ALPN ${alpn.join(',')}`);
  // Verification is done here, not by Node: rejectUnauthorized false lets the handshake finish so the chain can be
  // read and reported even when it fails; the name is checked separately so a bad chain and a wrong name both show.
  const socket = connect({
    socket: raw,
    ...(servername !== undefined ? { servername } : {}),
    ALPNProtocols: alpn,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
  });
  socket.on('error', ignore);
  const h = await handshake(socket, budget.signal, budget.ended);
  budget.dispose();
  timings.tls = since(tlsStart);
  const finish = (): ProbeTimings => ({ ...timings, total: since(start) });
  const destroy = (): void => {
    socket.destroy();
    raw.destroy();
  };
  if (!h.ok) {
    destroy();
    if ('ended' in h) {
      const text = `TLS ${where}: handshake not finished within the deadline (${timings.tls} ms)`;
      t.note(h.ended === 'aborted' ? `TLS ${where}: aborted` : text);
      return { ok: false, facts: [probeFact('timeout', 'tls', text, { stage: 'tls', upstream: where, scheme: 'https', detail: h.ended })], timings: finish(), transcript: t.lines };
    }
    const text = `TLS ${where}: handshake failed: ${h.reason} (${h.code}): ${hint(h.reason)}`;
    t.note(text);
    const errno = h.code.startsWith('E') && !h.code.startsWith('ERR_') ? errnoFromNodeCode(h.code) : undefined;
    return { ok: false, facts: [probeFact('tls-handshake-failed', 'tls', text, { detail: h.reason, stage: 'tls', upstream: where, scheme: 'https', errno })], timings: finish(), transcript: t.lines };
  }
  const peer = socket.getPeerCertificate(true);
  const chain = peer && peer.raw ? chainOf(peer) : [];
  const nameError = peer && peer.raw ? checkServerIdentity(target.host, peer) : new Error('no peer certificate');
  const session: TlsSession = {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    alpn: socket.alpnProtocol || null,
    servername: servername ?? null,
    chain,
    chainVerified: socket.authorized,
    nameMatches: nameError === undefined,
  };
  if (!socket.authorized) session.verifyError = String(socket.authorizationError ?? 'UNKNOWN');
  if (nameError) session.nameError = nameError.message;
  t.note(`TLS ${session.protocol ?? '?'} ${session.cipher ?? '?'}, ALPN ${session.alpn ?? 'none'}, in ${timings.tls} ms`);
  chain.forEach((c, i) => t.note(`cert ${i}: ${c.subject} / issuer ${c.issuer} / ${c.validFrom} .. ${c.validTo} (${c.daysToExpiry} days left)`));
  t.note(session.verifyError ? `verify: ${session.verifyError}` : 'verify: chain ok');
  t.note(session.nameMatches ? `name: matches ${target.host}` : `name: ${session.nameError ?? 'mismatch'}`);
  const facts = verdicts(session, target.host, where);
  if (facts.length > 0 && !options.insecure) {
    destroy();
    return { ok: false, value: session, facts, timings: finish(), transcript: t.lines };
  }
  if (facts.length > 0) t.note('--insecure: continuing although verification failed');
  return { ok: true, value: { ...session, socket }, facts, timings: finish(), transcript: t.lines };
}
