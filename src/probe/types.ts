/** The one shape every outside-in prober shares (blackbox_exporter style): target, options, context in; a result out. */
import type { Fact } from '../evidence/facts.js';

/**
 * The budget of one probe run. Every network wait ends when `signal` aborts or `deadline` passes, whichever
 * comes first; probers never keep their own global timeouts.
 */
export interface ProbeContext {
  signal: AbortSignal;
  /** Epoch milliseconds. */
  deadline: number;
}

/** Milliseconds spent per phase; a prober fills the phases it ran and always `total`. */
export interface ProbeTimings {
  dns?: number;
  connect?: number;
  tls?: number;
  /** From the first byte of the request written to the first byte of the answer read. */
  ttfb?: number;
  total: number;
}

interface ProbeResultBase {
  /** What was observed, as facts with `ref.source = 'probe'` and the phase; empty when nothing was wrong. */
  facts: Fact[];
  timings: ProbeTimings;
  /** What was sent (`> `) and received (`< `), and notes (`* `), human-readable, secrets masked. */
  transcript: string[];
}

/**
 * A prober's answer. `ok` means the layer delivered what the next layer needs (addresses, a connected socket,
 * a completed handshake, a complete response); facts may accompany an ok result (resolvers that disagree, a
 * certificate accepted only because of --insecure, a 5xx status). On failure `value` holds what was learned
 * before it (`P`): the certificate chain of a handshake that failed verification, the status of a response
 * cut mid-body.
 */
export type ProbeResult<T, P = never> = ProbeResultBase & ({ ok: true; value: T } | { ok: false; value?: P });

/**
 * The one prober signature. Failures are results (`ok: false` with facts), never exceptions; only programmer
 * errors (a host name where an IP address is required, a header with a newline) throw.
 */
export type Prober<Target, Options, T, P = never> = (target: Target, options: Options, ctx: ProbeContext) => Promise<ProbeResult<T, P>>;
