import { ConfigurationError } from '../errors';
import type { Logger } from '../log';
import { redactUrl } from './statement-error';
import type { Warehouse } from './warehouse';

export interface OpenWarehouseOptions {
  readonly logger?: Logger;
}

const ACCEPTED_FORMS =
  'pglite:<dir> (or pglite:memory:), postgres://user:password@host:port/database, or redshift://workgroup/<workgroup>/<database>';

/**
 * Opens the warehouse a `CROSSBEAM_WAREHOUSE` URL names: `pglite:` for the
 * embedded database, `postgres:`/`postgresql:` for PostgreSQL, `redshift:`
 * for the Redshift Data API. The Redshift adapter and its AWS SDK client
 * are loaded only when a Redshift URL is used.
 */
export async function openWarehouse(
  url: string,
  options: OpenWarehouseOptions = {},
): Promise<Warehouse> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url ?? '')?.[1]?.toLowerCase();
  switch (scheme) {
    case 'pglite': {
      const { PgliteWarehouse } = await import('./pglite');
      return PgliteWarehouse.open(url);
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresWarehouse } = await import('./postgres');
      return new PostgresWarehouse(url, { logger: options.logger });
    }
    case 'redshift': {
      const { RedshiftWarehouse } = await import('./redshift');
      return new RedshiftWarehouse(url);
    }
    default:
      throw new ConfigurationError(
        `Invalid warehouse ${JSON.stringify(redactUrl(String(url ?? '')))}: the scheme must be pglite:, postgres:, postgresql: or redshift:. Use ${ACCEPTED_FORMS}.`,
      );
  }
}
