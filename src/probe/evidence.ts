/** Shared by the probers: facts with probe provenance, byte escaping and masked transcript lines. */
import type { Fact, FactKind, Phase } from '../evidence/facts.js';
import { redact } from '../evidence/redact.js';

/** The fields a prober may add to a fact beyond kind, phase and text. */
export type FactExtra = Partial<Omit<Fact, 'kind' | 'producer' | 'ref' | 'time'>>;

const PRODUCER: Record<Phase, string> = { dns: 'probe-dns', connect: 'probe-tcp', tls: 'probe-tls', http: 'probe-http' };

/**
 * A fact observed by a prober in `phase`; `text` is raw (renderers mask it), `extra` adds errno, stage, detail...
 * @example probeFact('connect-failed', 'connect', 'connect 127.0.0.1:9: ECONNREFUSED', { errno: 'ECONNREFUSED', upstream: '127.0.0.1:9' })
 */
export function probeFact(kind: FactKind, phase: Phase, text: string, extra: FactExtra = {}): Fact {
  const f: Fact = { kind, producer: PRODUCER[phase], ref: { source: 'probe', phase, text }, time: Date.now() };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (f as unknown as Record<string, unknown>)[k] = v;
  return f;
}

/**
 * Bytes as readable text: printable ASCII kept, CR/LF/TAB as \r \n \t, the rest as \xNN; cut at `max` bytes.
 * @example escapeBytes(Buffer.from('HTTP/1.1 200\r\n\x00')) // 'HTTP/1.1 200\\r\\n\\x00'
 */
export function escapeBytes(buf: Uint8Array, max = 64): string {
  let out = '';
  const n = Math.min(buf.length, max);
  for (let i = 0; i < n; i++) {
    const b = buf[i] ?? 0;
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return buf.length > max ? `${out}…` : out;
}

/**
 * A transcript that masks secrets as lines are added.
 * @example const t = new Transcript(); t.sent('Cookie: a=1'); t.lines // ['> Cookie: ***']
 */
export class Transcript {
  readonly lines: string[] = [];
  /** A line sent to the server. */
  sent(line: string): void {
    this.lines.push(`> ${redact(line)}`);
  }
  /** A line received from the server. */
  received(line: string): void {
    this.lines.push(`< ${redact(line)}`);
  }
  /** A note from the prober (connecting, closed, verdicts). */
  note(line: string): void {
    this.lines.push(`* ${redact(line)}`);
  }
}

/**
 * "host:port" with IPv6 literals in brackets, as facts name upstreams.
 * @example hostPort('::1', 443) // '[::1]:443'
 */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Milliseconds since `start` (performance.now()), rounded to 0.1 ms.
 * @example const start = performance.now(); ...; timings.connect = since(start);
 */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
