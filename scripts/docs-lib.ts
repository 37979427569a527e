/** Renders the cause pages (docs/causes/<id>.md) from cause metadata, in a fixed section order (like ESLint's rule docs). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cause, CauseMeta } from '../src/causes/types.js';
import type { LogFormat } from '../src/logs/formats/types.js';
import type { ConfigCheck } from '../src/config/checks/types.js';

const GENERATED = '<!-- Generated from src/causes/<id>.ts by `npm run docs`. Do not edit by hand. -->';

function fixtureSources(id: string): { file: string; fire: boolean; source: string }[] {
  const dir = join('test', 'causes', id);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const head = readFileSync(join(dir, f), 'utf8').split('\n', 3);
    const src = head.find((l) => l.startsWith('# source: '))?.slice(10) ?? '';
    return { file: f, fire: f.startsWith('fire-'), source: src };
  });
}

/** The page of one cause. */
export function renderCauseDoc(cause: Cause): string {
  const m = cause.meta;
  const out: string[] = [GENERATED.replace('<id>', m.id), '', `# ${m.title}`, ''];
  out.push(`- **id**: \`${m.id}\``);
  out.push(`- **seed category**: ${m.seedCategory}`);
  out.push(`- **typical status**: ${m.statuses.length > 0 ? m.statuses.join(', ') : '—'}`);
  out.push('', '## Summary', '', m.summary, '', '## What happens', '', m.explanation, '', '## Signals', '');
  for (const s of m.signals) out.push(`- ${s}`);
  out.push('', '## Fixes for site owners', '');
  m.fixes.owner.forEach((f, i) => out.push(`${i + 1}. ${f}`));
  for (const [id, fixes] of Object.entries(m.fixesByMessage ?? {})) {
    out.push('', `When the evidence is \`${id}\` (${m.messages[id] ?? id}), these come first:`, '');
    for (const f of fixes) out.push(`- ${f}`);
  }
  const examples = [...(cause.checks?.({ kind: 'tcp', host: '10.0.0.7', port: 8080 }) ?? []), ...(cause.checks?.({ kind: 'unix', path: '/run/php/php8.2-fpm.sock' }) ?? [])];
  if (examples.length > 0) {
    out.push('', 'The report also starts with checks written for the upstream in the evidence, for example (upstream `10.0.0.7:8080` or `unix:/run/php/php8.2-fpm.sock`):', '');
    for (const f of examples) out.push(`- ${f}`);
  }
  out.push('', '## For visitors', '');
  for (const f of m.fixes.visitor) out.push(`- ${f}`);
  out.push('', '## Related causes', '');
  out.push(m.related.map((r) => `[${r}](${r}.md)`).join(' · '));
  out.push('', '## Lab', '');
  if ('faults' in m.lab) out.push(`Reproduced by the lab faults: ${m.lab.faults.map((f) => `\`${f}\``).join(', ')} (\`why502 lab list\`).`);
  else out.push(`No lab scenario: ${m.lab.none}`);
  const fx = fixtureSources(m.id);
  if (fx.length > 0) {
    out.push('', '## Evidence examples (test fixtures)', '');
    for (const f of fx) out.push(`- ${f.fire ? 'fires' : 'does not fire'}: \`test/causes/${m.id}/${f.file}\` — ${f.source}`);
  }
  return `${out.join('\n')}\n`;
}

/** The index page. */
export function renderCauseIndex(metas: readonly CauseMeta[]): string {
  const out = [GENERATED.replace('src/causes/<id>.ts', 'src/causes/*.ts'), '', '# Causes', '', 'Every cause why502 names, with the seed article category it refines.', '', '| id | title | seed category |', '|---|---|---|'];
  for (const m of metas) out.push(`| [\`${m.id}\`](${m.id}.md) | ${m.title} | ${m.seedCategory} |`);
  return `${out.join('\n')}\n`;
}

/** The formats page (docs/formats.md): every log format, what it reads, and where its sample lines come from. */
export function renderFormatsDoc(formats: readonly LogFormat[]): string {
  const out = [
    '<!-- Generated from src/logs/formats/*.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    '# Log formats',
    '',
    'Every format `why502 logs` reads, detected per file from its first lines (or forced with `--format ID`). Each',
    'carries real sample lines and the fact each must give; one generic test runs them all (`test/formats.test.ts`).',
    'Lines of any format are also recognised one by one in mixed files and pasted text, inside journald, syslog,',
    'Docker, CRI, kubectl, docker-compose and JSON envelopes.',
    '',
    '| id | reads | role | samples |',
    '|---|---|---|---|',
  ];
  for (const f of formats) out.push(`| \`${f.id}\` | ${f.title} | ${f.role} | ${f.samples.length} |`);
  out.push('', '## Sample sources', '');
  for (const f of formats) {
    out.push(`### \`${f.id}\``, '');
    const seen = new Set<string>();
    for (const s of f.samples) {
      if (seen.has(s.source)) continue;
      seen.add(s.source);
      out.push(`- ${s.source}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The config checks page (docs/config-checks.md), from each check's metadata. */
export function renderConfigChecksDoc(checks: readonly ConfigCheck[]): string {
  const out = [
    '<!-- Generated from src/config/checks/*.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    '# Config checks',
    '',
    '`why502 config` runs these checks, one module each under `src/config/checks/`. Each finding is reported as the',
    'cause it risks, with the directive at its file:line and a before/after fix; `--sarif` emits them for code',
    'scanning. Fixtures: `test/config/checks/<id>/fire-*.conf` must give a finding, `nofire-*.conf` none.',
    '',
    '| check | cause | reads | directives |',
    '|---|---|---|---|',
  ];
  for (const c of checks) out.push(`| \`${c.meta.id}\` | [\`${c.meta.cause}\`](causes/${c.meta.cause}.md) | ${c.meta.reads.join(', ')} | ${c.meta.directives.map((d) => `\`${d}\``).join(' ')} |`);
  out.push('');
  for (const c of checks) out.push(`## \`${c.meta.id}\`: ${c.meta.title}`, '', c.meta.why, '');
  return `${out.join('\n').trimEnd()}\n`;
}
