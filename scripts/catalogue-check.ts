/**
 * The catalogue check (ESLint-style parity): every cause has its module, registration, test file, must-fire and
 * must-not-fire fixtures, doc page, seed category as the contract gives it, and a lab fault or a stated reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causes } from '../src/causes/index.js';
import { CAUSE_IDS } from '../src/causes/types.js';
import { faults } from '../src/lab/faults/index.js';
import { renderCauseDoc } from './docs-lib.js';

/** Seed categories from ../shared/CONTRACT.md's cause table, when the contract is beside the repository. */
function contractSeeds(): Map<string, string> | null {
  const path = join('..', 'shared', 'CONTRACT.md');
  if (!existsSync(path)) return null;
  const seeds = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\| ([a-z][a-z-]+) \| ([^|]+?) \| /.exec(line);
    if (m?.[1] && m[2] && (CAUSE_IDS as readonly string[]).includes(m[1])) seeds.set(m[1], m[2].trim());
  }
  return seeds;
}

/** Problems found, each saying what to add; empty when the catalogue is complete. */
export function checkCatalogue(): string[] {
  const problems: string[] = [];
  const registered = new Set(causes.map((c) => c.meta.id));
  const seeds = contractSeeds();
  const faultNames = new Set(faults.map((f) => f.name));
  for (const id of CAUSE_IDS) if (!registered.has(id)) problems.push(`${id}: not registered in src/causes/index.ts`);
  const files = readdirSync(join('src', 'causes')).filter((f) => f.endsWith('.ts') && !['index.ts', 'types.ts', 'util.ts'].includes(f));
  for (const f of files) if (!registered.has(f.replace(/\.ts$/, '') as (typeof CAUSE_IDS)[number])) problems.push(`src/causes/${f}: a cause module that is not registered (add it to src/causes/index.ts)`);
  for (const c of causes) {
    const m = c.meta;
    const id = m.id;
    if (!existsSync(join('src', 'causes', `${id}.ts`))) problems.push(`${id}: its module must be src/causes/${id}.ts (the id is the file name)`);
    if (!existsSync(join('test', 'causes', `${id}.test.ts`))) problems.push(`${id}: add test/causes/${id}.test.ts (testCause('${id}'))`);
    const fx = existsSync(join('test', 'causes', id)) ? readdirSync(join('test', 'causes', id)) : [];
    if (!fx.some((f) => f.startsWith('fire-'))) problems.push(`${id}: add a must-fire fixture test/causes/${id}/fire-<name>.log`);
    if (!fx.some((f) => f.startsWith('nofire-'))) problems.push(`${id}: add a must-not-fire fixture test/causes/${id}/nofire-<name>.log`);
    const doc = join('docs', 'causes', `${id}.md`);
    if (!existsSync(doc)) problems.push(`${id}: missing ${doc} (npm run docs)`);
    else if (readFileSync(doc, 'utf8') !== renderCauseDoc(c)) problems.push(`${id}: ${doc} is stale (npm run docs)`);
    const seed = seeds?.get(id);
    if (seeds && seed !== m.seedCategory) problems.push(`${id}: seedCategory "${m.seedCategory}" differs from the contract's "${seed ?? '(missing)'}"`);
    if (m.fixes.owner.length === 0 || m.fixes.visitor.length === 0) problems.push(`${id}: needs owner and visitor fixes`);
    if (m.signals.length === 0) problems.push(`${id}: needs the signals that show it`);
    if (Object.keys(m.messages).length === 0) problems.push(`${id}: needs message templates`);
    for (const r of m.related) if (!registered.has(r)) problems.push(`${id}: related cause "${r}" does not exist`);
    for (const e of m.explains ?? []) if (!registered.has(e)) problems.push(`${id}: explains unknown cause "${e}"`);
    if ('faults' in m.lab) {
      if (m.lab.faults.length === 0) problems.push(`${id}: lab.faults is empty (name a fault or give lab.none with the reason)`);
      for (const f of m.lab.faults) if (!faultNames.has(f)) problems.push(`${id}: lab fault "${f}" is not in src/lab/faults/index.ts`);
    } else if (m.lab.none.trim().length < 20) {
      problems.push(`${id}: lab.none must say why no lab scenario reproduces it`);
    }
    if (m.facts.length === 0) problems.push(`${id}: declares no fact kinds to judge`);
  }
  for (const f of faults) {
    const cause = causes.find((c) => c.meta.id === f.cause);
    if (!cause) problems.push(`lab fault ${f.name}: expects unknown cause ${f.cause}`);
    else if (!('faults' in cause.meta.lab) || !cause.meta.lab.faults.includes(f.name)) problems.push(`lab fault ${f.name}: add it to the lab.faults of ${f.cause}`);
  }
  return problems;
}

if (process.argv[1]?.endsWith('catalogue-check.ts')) {
  const problems = checkCatalogue();
  for (const p of problems) console.error(`catalogue: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`catalogue: ${causes.length} causes complete`);
}
