import type { Settings } from '../config/settings';
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../sources/config';

/**
 * Parses the `sources` settings into what the model builder needs: the
 * configured sections and the renderer variables naming their tables.
 */
export function sourcesForSettings(settings: Settings): {
  configuredSources: Set<'crm' | 'marketing' | 'product'>;
  vars: Record<string, string>;
} {
  const config = parseSourcesConfig(settings.sources ?? {});
  return {
    configuredSources: new Set(configuredSources(config)),
    vars: renderSourceVars(config),
  };
}
