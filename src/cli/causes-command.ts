/** `why502 causes [ID]`: list the catalogue, explain one cause, or print it as JSON. */
import pc from 'picocolors';
import { causeById, causes } from '../causes/index.js';
import type { CauseMeta } from '../causes/types.js';
import { useColor } from './output.js';

/** The catalogue as the JSON array `why502 causes --json` prints. */
export function catalogueJson(list: readonly CauseMeta[]): unknown[] {
  return list.map((m) => ({
    id: m.id,
    title: m.title,
    seedCategory: m.seedCategory,
    summary: m.summary,
    explanation: m.explanation,
    statuses: m.statuses,
    signals: m.signals,
    fixes: m.fixes,
    related: m.related,
    lab: m.lab,
  }));
}

export function runCauses(id: string | undefined, flags: { json?: boolean }): number {
  const k = pc.createColors(useColor(process.stdout));
  if (id === undefined) {
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(catalogueJson(causes.map((c) => c.meta)), null, 2)}\n`);
      return 0;
    }
    const w = Math.max(...causes.map((c) => c.meta.id.length));
    for (const c of causes) process.stdout.write(`${k.bold(c.meta.id.padEnd(w))}  ${c.meta.title} ${k.dim(`[${c.meta.seedCategory}]`)}\n`);
    process.stdout.write(k.dim(`\n${causes.length} causes. \`why502 causes <id>\` explains one.\n`));
    return 0;
  }
  const c = causeById(id);
  if (!c) {
    process.stderr.write(`why502: unknown cause "${id}". Known: ${causes.map((x) => x.meta.id).join(', ')}\n`);
    return 2;
  }
  const m = c.meta;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(catalogueJson([m])[0], null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`${k.bold(m.title)}  ${k.dim(`(${m.id}, seed: ${m.seedCategory})`)}`);
  out.push('');
  out.push(m.summary);
  out.push('');
  out.push(m.explanation);
  out.push('');
  out.push(k.bold('Signals'));
  for (const s of m.signals) out.push(`  - ${s}`);
  out.push('');
  out.push(k.bold('Fixes for the site owner'));
  m.fixes.owner.forEach((f, i) => out.push(`  ${i + 1}. ${f}`));
  out.push('');
  out.push(k.bold('For visitors'));
  for (const f of m.fixes.visitor) out.push(`  - ${f}`);
  out.push('');
  out.push(`${k.bold('Related')}: ${m.related.join(', ')}`);
  out.push(`${k.bold('Typical status')}: ${m.statuses.join(', ') || '—'}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
