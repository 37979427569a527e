/** The doctor's view of the host as labelled lines, shared by the text and Markdown renderers. */
import type { ReportStats } from './types.js';

type DoctorStats = NonNullable<ReportStats['doctor']>;

function mb(kb: number): string {
  return `${Math.round(kb / 1024).toLocaleString('en-US')} MB`;
}

/**
 * What the doctor found on the host: each proxy, each upstream's state (with the command that starts a down one),
 * the logs read, the limits and memory, the software. `code` wraps commands (backticks in Markdown).
 * @example hostLines(report.stats.doctor, (s) => s)[0] // ['proxy', 'nginx pid 812 · /etc/nginx/nginx.conf …']
 */
export function hostLines(d: DoctorStats, code: (s: string) => string): [string, string][] {
  const out: [string, string][] = [];
  for (const p of d.proxies) {
    out.push(['proxy', `${p.kind} pid ${p.pid}${p.workers.length > 0 ? ` (${p.workers.length} worker(s)${p.workerUser ? ` as ${p.workerUser}` : ''})` : ''} · ${p.config ?? 'config not found'}${p.config ? ` (${p.configFrom})` : ''}`]);
  }
  for (const u of d.upstreams) {
    const restart = d.restarts.find((r) => r.target === u.target);
    const listeners = u.listeners.length > 0 ? ` · served by ${u.listeners.slice(0, 2).join(', ')}` : '';
    out.push([`upstream ${u.state}`, `${u.target}: ${u.why}${listeners}${restart ? ` · start it: ${code(restart.command)}` : ''}`]);
  }
  const read = d.logs.filter((l) => l.read);
  const unread = d.logs.filter((l) => !l.read);
  if (d.logs.length > 0) out.push(['logs', `${read.length} read since ${d.since}${read.length > 0 ? ` (${read.map((l) => l.path).join(', ')})` : ''}${unread.length > 0 ? `; not read: ${unread.map((l) => `${l.path} (${l.why ?? '?'})`).join(', ')}` : ''}`]);
  const fds = d.fdLimits.filter((f) => f.soft !== null);
  if (fds.length > 0) {
    const worst = [...fds].sort((a, b) => (b.open ?? 0) / (typeof b.soft === 'number' ? b.soft : Infinity) - (a.open ?? 0) / (typeof a.soft === 'number' ? a.soft : Infinity))[0];
    if (worst) out.push(['open files', `${worst.open ?? '?'} of ${worst.soft ?? '?'} (pid ${worst.pid}, the busiest of ${fds.length})`]);
  }
  const m = d.memory;
  if (m.totalKb !== null && m.availableKb !== null) out.push(['memory', `${mb(m.availableKb)} available of ${mb(m.totalKb)}`]);
  if (d.proxies.length > 0) out.push(['OOM kills', d.oomSource ? `looked for in ${d.oomSource}` : 'the kernel log cannot be read here']);
  for (const s of d.software) out.push(['software', s.summary]);
  return out;
}
