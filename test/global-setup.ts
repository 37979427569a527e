/** Builds dist/ once before the tests that run the CLI as a process. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const cli = 'dist/why502.js';
  if (!existsSync(cli) || statSync(cli).mtimeMs < newest('src')) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    // The CLI is the bundle (dist/why502.js), not tsc's output: rebuild it too.
    execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  }
}
