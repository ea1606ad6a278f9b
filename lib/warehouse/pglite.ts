import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { ConfigurationError, WarehouseError } from '../errors';
import { crashPoint } from '../pipeline/crash-point';
import { csvLinesFromPart } from './ndjson-csv';
import { statementError } from './statement-error';
import type { Dialect, LandedParts, Row, Warehouse } from './warehouse';

/**
 * Size of the CSV text handed to one `COPY … FROM '/dev/blob'`. PGlite reads
 * COPY input from a Blob held in memory, so a large part is copied in
 * chunks of about this size rather than whole.
 */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

const MEMORY = 'memory:';

/** Parses int8 to a number when it is exact, else keeps the digits. */
function parseInt8(value: string): number | string {
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : value;
}

/**
 * The embedded PostgreSQL (PGlite, WebAssembly) warehouse, persisted in a
 * directory: `pglite:<dir>`, or `pglite:memory:` for a database that lives
 * only as long as the process.
 */
export class PgliteWarehouse implements Warehouse {
  readonly dialect: Dialect = 'postgres';

  private constructor(
    readonly url: string,
    private readonly db: PGlite,
  ) {}

  /** Opens (and creates if needed) the database that `url` names. */
  static async open(url: string): Promise<PgliteWarehouse> {
    if (!url.startsWith('pglite:')) {
      throw new ConfigurationError(
        `Invalid PGlite warehouse ${JSON.stringify(url)}: use pglite:<dir> or pglite:memory:.`,
      );
    }
    const location = url.slice('pglite:'.length);
    if (location === '') {
      throw new ConfigurationError(
        `Invalid PGlite warehouse ${JSON.stringify(url)}: the directory is missing. Use pglite:<dir> or pglite:memory:.`,
      );
    }

    const options = { parsers: { [types.INT8]: parseInt8 } };
    let db: PGlite;
    try {
      if (location === MEMORY) {
        db = await PGlite.create(options);
      } else {
        const dir = path.resolve(location);
        await mkdir(dir, { recursive: true });
        db = await PGlite.create({ ...options, dataDir: dir });
      }
    } catch (error) {
      throw new WarehouseError(
        `Opening the PGlite warehouse ${url} failed: ${(error as Error).message}. Check that the directory is writable and not used by another process.`,
        { cause: error },
      );
    }
    return new PgliteWarehouse(url, db);
  }

  async query(sql: string): Promise<Row[]> {
    try {
      const result = await this.db.query<Row>(sql);
      return result.rows;
    } catch (error) {
      throw statementError(error, this.url, sql);
    }
  }

  async executeBatch(sqls: readonly string[]): Promise<void> {
    let index = 0;
    try {
      await this.db.transaction(async (tx) => {
        for (index = 0; index < sqls.length; index += 1) {
          await tx.query(sqls[index]!);
          crashPoint('in-transaction');
        }
      });
    } catch (error) {
      throw statementError(error, this.url, sqls[index] ?? '', {
        index,
        size: sqls.length,
      });
    }
  }

  async copyFromLanding(
    table: { schema: string; name: string; columns: readonly string[] },
    landed: LandedParts,
  ): Promise<number> {
    const qualified = `${table.schema}.${table.name}`;
    const sql = `copy ${qualified} (${table.columns.join(', ')}) from '/dev/blob' with (format csv)`;
    let copied = 0;

    const flush = async (chunk: string[]): Promise<void> => {
      if (chunk.length === 0) return;
      try {
        const result = await this.db.query(sql, [], {
          blob: new Blob(chunk),
        });
        copied += result.affectedRows ?? 0;
      } catch (error) {
        throw statementError(error, this.url, sql);
      }
    };

    for (const key of landed.parts) {
      const body = await landed.store.get(key);
      let chunk: string[] = [];
      let chunkBytes = 0;
      for await (const line of csvLinesFromPart(body, table.columns, key)) {
        chunk.push(line);
        chunkBytes += line.length;
        if (chunkBytes >= COPY_CHUNK_BYTES) {
          await flush(chunk);
          chunk = [];
          chunkBytes = 0;
        }
      }
      await flush(chunk);
    }
    return copied;
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
