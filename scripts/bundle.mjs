// Bundles the CLI and the log-scan worker into single files: one module to load instead of ~60 starts faster
// (measured in bench/). The library entry (dist/index.js) stays as tsc emits it.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (commander) call require(); give ESM one.
  banner: { js: "import { createRequire as __why502Require } from 'node:module'; const require = __why502Require(import.meta.url);" },
};
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/why502.js' });
await build({ ...common, entryPoints: ['src/logs/access-scan-worker.ts'], outfile: 'dist/access-scan-worker.js' });
