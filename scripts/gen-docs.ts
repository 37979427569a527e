/** Writes docs/causes/*.md from the cause metadata and docs/formats.md from the formats; `--check` fails when the committed pages are stale. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { causes } from '../src/causes/index.js';
import { LOG_FORMATS } from '../src/logs/read.js';
import { CONFIG_CHECKS } from '../src/config/checks/index.js';
import { renderCauseDoc, renderCauseIndex, renderConfigChecksDoc, renderFormatsDoc } from './docs-lib.js';

const check = process.argv.includes('--check');
const dir = join('docs', 'causes');
mkdirSync(dir, { recursive: true });
const pages: [string, string][] = causes.map((c) => [join(dir, `${c.meta.id}.md`), renderCauseDoc(c)]);
pages.push([join(dir, 'README.md'), renderCauseIndex(causes.map((c) => c.meta))]);
pages.push([join('docs', 'formats.md'), renderFormatsDoc(LOG_FORMATS)]);
pages.push([join('docs', 'config-checks.md'), renderConfigChecksDoc(CONFIG_CHECKS)]);
let stale = 0;
for (const [path, text] of pages) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    /* missing */
  }
  if (current === text) continue;
  if (check) {
    console.error(`stale: ${path} (run npm run docs)`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (stale > 0) process.exit(1);
