/** Turns a ProbeContext into one AbortSignal per prober call, so every wait ends at the caller's deadline. */
import type { ProbeContext } from './types.js';

/** Why a budget ended: the deadline passed, or the caller aborted the run. */
export type BudgetEnd = 'deadline' | 'aborted';

export interface Budget {
  /** Aborts when the caller's signal aborts or the deadline passes. */
  signal: AbortSignal;
  /** Milliseconds left before the deadline (0 when passed). */
  left: () => number;
  /** Why the budget ended, or null while it runs. */
  ended: () => BudgetEnd | null;
  /** Stop the timer and detach from the caller's signal; call it on every path (try/finally). */
  dispose: () => void;
}

/**
 * Start the budget of one prober call.
 * @example const b = startBudget(ctx); try { ... } finally { b.dispose(); }
 */
export function startBudget(ctx: ProbeContext): Budget {
  const ac = new AbortController();
  let end: BudgetEnd | null = null;
  const stop = (why: BudgetEnd): void => {
    if (end !== null) return;
    end = why;
    ac.abort(new Error(why === 'deadline' ? 'probe deadline passed' : 'probe aborted'));
  };
  const onAbort = (): void => stop('aborted');
  // A timer of our own rather than AbortSignal.timeout: it can be cleared, so nothing lingers after dispose().
  const timer = setTimeout(() => stop('deadline'), Math.max(0, ctx.deadline - Date.now()));
  if (ctx.signal.aborted) stop('aborted');
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (Date.now() >= ctx.deadline) stop('deadline');
  return {
    signal: ac.signal,
    left: () => Math.max(0, ctx.deadline - Date.now()),
    ended: () => end,
    dispose: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * A context for tests and callers that only have a timeout.
 * @example await probeTcp({ address: '127.0.0.1', port }, {}, contextFor(1000))
 */
export function contextFor(ms: number, signal: AbortSignal = new AbortController().signal): ProbeContext {
  return { signal, deadline: Date.now() + ms };
}
