/** JSON renderer: exactly one document, the report as is. */
import type { Report } from './types.js';

export function renderJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
