/** Rebuild a scan format from its recipe (in a worker thread, where functions cannot be sent). */
import type { ZoneRule } from '../time.js';
import { apacheAccessLogFor } from './apache-access.js';
import { envoyScanFormat } from './envoy.js';
import { haproxyScanFormat } from './haproxy.js';
import { accessLogFor } from './nginx-access.js';
import { compileLogFormat } from './nginx-log-format.js';
import type { ScanFormat, ScanRecipe } from './types.js';

export function scanFormatFrom(recipe: ScanRecipe, zone: ZoneRule): ScanFormat {
  switch (recipe.kind) {
    case 'nginx-access':
      return accessLogFor(compileLogFormat(recipe.name, recipe.source, { tail: recipe.tail }));
    case 'apache-access':
      return apacheAccessLogFor(recipe.source, recipe.name);
    case 'haproxy':
      return haproxyScanFormat(zone);
    case 'envoy':
      return envoyScanFormat(recipe.json);
  }
}
