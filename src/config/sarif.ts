/** Config findings as SARIF 2.1.0 (for code scanning in CI): one rule per check, one result per place. */
import { relative } from 'node:path';
import { TOOL } from '../version.js';
import { CONFIG_CHECKS } from './checks/index.js';
import type { CheckedFinding } from './analyze.js';

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: unknown[];
}

/**
 * Render findings as a SARIF log; file URIs are relative to `base` when under it.
 * @example JSON.stringify(toSarif(findings, process.cwd()))
 */
export function toSarif(findings: readonly CheckedFinding[], base: string): SarifLog {
  const rules = CONFIG_CHECKS.map((c) => ({
    id: c.meta.id,
    name: c.meta.id.replace(/(^|-)([a-z])/g, (_m, _d: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.meta.title },
    fullDescription: { text: c.meta.why },
    helpUri: `https://github.com/why502/why502/blob/main/docs/causes/${c.meta.cause}.md`,
    help: { text: `${c.meta.why} Cause: ${c.meta.cause}.` },
    properties: { cause: c.meta.cause, directives: c.meta.directives },
  }));
  const index = new Map(CONFIG_CHECKS.map((c, i) => [c.meta.id, i]));
  const uri = (file: string): string => {
    const r = relative(base, file);
    return r && !r.startsWith('..') && !r.startsWith('/') ? r : file;
  };
  const results = findings.map((f) => ({
    ruleId: f.check.meta.id,
    ruleIndex: index.get(f.check.meta.id) ?? 0,
    level: 'warning',
    message: { text: `${f.message}${f.after ? `\nFix:\n${f.after}` : ''}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: Math.max(1, f.line), snippet: { text: f.text } } } }],
    properties: { cause: f.cause ?? f.check.meta.cause },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: TOOL.name, version: TOOL.version, informationUri: 'https://github.com/why502/why502', rules } }, results, columnKind: 'utf16CodeUnits' }],
  };
}
