/**
 * TCP prober: connects to one IP address and port (IPv4 and IPv6 are probed separately by the caller) and
 * tells refused, reset, unreachable, denied and timed-out connections apart.
 */
import { connect, isIP, type Socket } from 'node:net';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { ErrnoCode } from '../evidence/facts.js';
import { startBudget } from './budget.js';
import { hostPort, probeFact, since, Transcript } from './evidence.js';
import type { ProbeContext, ProbeResult } from './types.js';

export interface TcpTarget {
  /** An IP address (4 or 6); names are resolved by probeDns first. */
  address: string;
  port: number;
}

export interface TcpOptions {
  /** Send small writes at once (default true): the probe measures, it does not batch. */
  noDelay?: boolean;
}

export interface TcpValue {
  /** The connected socket, for probeTls or probeHttp; the caller owns it now and must destroy it. */
  socket: Socket;
  family: 4 | 6;
  localAddress: string;
  localPort: number;
}

const ignore = (): void => undefined;

/** Which words a refused / unreachable / reset connection gets in the transcript. */
const MEANING: Partial<Record<ErrnoCode, string>> = {
  ECONNREFUSED: 'refused: nothing listens on that port (or a firewall rejects with RST)',
  ECONNRESET: 'reset during connect',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (a local firewall rule)',
  EADDRNOTAVAIL: 'no local address/port available',
};

/**
 * Open a TCP connection with the context's deadline.
 * @example const r = await probeTcp({ address: '93.184.215.14', port: 443 }, {}, ctx); if (r.ok) r.value.socket
 */
export async function probeTcp(target: TcpTarget, options: TcpOptions, ctx: ProbeContext): Promise<ProbeResult<TcpValue>> {
  const family = isIP(target.address);
  if (family === 0) throw new TypeError(`probeTcp wants an IP address, got "${target.address}"`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new RangeError(`bad port ${target.port}`);
  const where = hostPort(target.address, target.port);
  const t = new Transcript();
  const budget = startBudget(ctx);
  const start = performance.now();
  t.note(`connecting to ${where} (IPv${family})`);
  const socket = connect({ host: target.address, port: target.port, family, noDelay: options.noDelay ?? true });
  // Errors after this prober hands the socket on must not crash the process before the next layer listens.
  socket.on('error', ignore);
  const outcome = await new Promise<{ ok: true } | { ok: false; code: string } | { ok: false; ended: string }>((resolve) => {
    const done = (o: { ok: true } | { ok: false; code: string } | { ok: false; ended: string }): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      budget.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const onConnect = (): void => done({ ok: true });
    const onError = (e: Error & { code?: string }): void => done({ ok: false, code: e.code ?? 'EOTHER' });
    const onAbort = (): void => done({ ok: false, ended: budget.ended() ?? 'deadline' });
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (budget.signal.aborted) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });
  });
  budget.dispose();
  const ms = since(start);
  const timings = { connect: ms, total: ms };
  if (outcome.ok) {
    t.note(`connected to ${where} from ${hostPort(socket.localAddress ?? '?', socket.localPort ?? 0)} in ${ms} ms`);
    const value: TcpValue = { socket, family: family === 6 ? 6 : 4, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0 };
    return { ok: true, value, facts: [], timings, transcript: t.lines };
  }
  socket.destroy();
  if ('ended' in outcome) {
    const text = outcome.ended === 'aborted' ? `connect to ${where}: aborted after ${ms} ms` : `connect to ${where}: no answer within the deadline (${ms} ms)`;
    t.note(text);
    return { ok: false, facts: [probeFact('timeout', 'connect', text, { stage: 'connect', upstream: where, detail: outcome.ended === 'aborted' ? 'aborted' : 'deadline' })], timings, transcript: t.lines };
  }
  const errno = errnoFromNodeCode(outcome.code);
  // The kernel's own SYN retry limit ran out (ETIMEDOUT): a timeout, not a refusal.
  if (errno === 'ETIMEDOUT') {
    const text = `connect to ${where}: ETIMEDOUT after ${ms} ms`;
    t.note(text);
    return { ok: false, facts: [probeFact('timeout', 'connect', text, { stage: 'connect', upstream: where, errno })], timings, transcript: t.lines };
  }
  const text = `connect to ${where}: ${outcome.code}${MEANING[errno] ? ` (${MEANING[errno]})` : ''} after ${ms} ms`;
  t.note(text);
  return { ok: false, facts: [probeFact('connect-failed', 'connect', text, { errno, stage: 'connect', upstream: where, detail: outcome.code })], timings, transcript: t.lines };
}
