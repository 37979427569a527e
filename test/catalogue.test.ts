/** The catalogue check and the generated docs, as tests. */
import { describe, expect, it } from 'vitest';
import { causes } from '../src/causes/index.js';
import { checkCatalogue } from '../scripts/catalogue-check.js';
import { renderCauseDoc, renderConfigChecksDoc, renderFormatsDoc } from '../scripts/docs-lib.js';
import { CONFIG_CHECKS } from '../src/config/checks/index.js';
import { LOG_FORMATS } from '../src/logs/read.js';
import { readFileSync } from 'node:fs';

describe('catalogue', () => {
  it('is complete: module, registration, tests, fixtures, docs, contract seed category, lab', () => {
    expect(checkCatalogue()).toEqual([]);
  });
  it('docs/causes pages are generated from the current metadata', () => {
    for (const c of causes) expect(readFileSync(`docs/causes/${c.meta.id}.md`, 'utf8')).toBe(renderCauseDoc(c));
  });
  it('docs/config-checks.md is generated from the current checks', () => {
    expect(readFileSync('docs/config-checks.md', 'utf8')).toBe(renderConfigChecksDoc(CONFIG_CHECKS));
  });
  it('docs/formats.md is generated from the current formats', () => {
    expect(readFileSync('docs/formats.md', 'utf8')).toBe(renderFormatsDoc(LOG_FORMATS));
  });
});
