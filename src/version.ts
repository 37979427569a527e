/** The tool's name and version, as reported in every report. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export const TOOL = { name: 'why502', version: pkg.version } as const;
