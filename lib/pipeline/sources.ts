import type { Settings } from '../config/settings';
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../sources/config';

/**
 * The sources the settings configure, as the model builder needs them: which
 * sections exist and the renderer variables that point at their tables.
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
