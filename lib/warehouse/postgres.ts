import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConfigurationError, WarehouseError } from '../errors';
import type { Logger } from '../log';
import { copyFromStdinSql, csvLinesFromPart } from './ndjson-csv';
import { connectionError, redactUrl, statementError } from './statement-error';
import type { Dialect, LandedParts, Row, Warehouse } from './warehouse';

const INT8_OID = 20;

/** Parses int8 to a number when it is exact, else keeps the digits. */
function parseInt8(value: string): number | string {
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : value;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresWarehouseOptions {
  /** Connections kept open at most; the loader needs one at a time. */
  readonly maxConnections?: number;
  readonly logger?: Logger;
}

/**
 * A PostgreSQL warehouse (version 15 or later), reached with `pg` at a
 * `postgres://` or `postgresql://` URL. Landed parts are streamed through
 * `COPY … FROM STDIN` as CSV.
 */
export class PostgresWarehouse implements Warehouse {
  readonly dialect: Dialect = 'postgres';
  readonly url: string;
  private readonly pool: pg.Pool;

  constructor(connectionUrl: string, options: PostgresWarehouseOptions = {}) {
    if (!/^postgres(ql)?:\/\//.test(connectionUrl)) {
      throw new ConfigurationError(
        `Invalid PostgreSQL warehouse ${JSON.stringify(redactUrl(connectionUrl))}: use postgres://user:password@host:port/database.`,
      );
    }
    this.url = redactUrl(connectionUrl);
    this.pool = new pg.Pool({
      connectionString: connectionUrl,
      max: options.maxConnections ?? 4,
      types: typeParsers,
    });
    // An idle connection that the server closes emits an error on the pool;
    // the next query opens a new connection, so this is logged only.
    this.pool.on('error', (error) => {
      options.logger?.warn(
        'An idle PostgreSQL connection failed and was closed; the next query opens a new one.',
        { warehouse: this.url, error },
      );
    });
  }

  async query(sql: string): Promise<Row[]> {
    // Connecting apart from the statement separates a connection failure,
    // which names the setting, from a failed statement, which names its SQL.
    const client = await this.connect();
    try {
      const result = await client.query<Row>(sql);
      client.release();
      return result.rows ?? [];
    } catch (error) {
      // As pg's own Pool.query does, a client whose statement failed is
      // destroyed rather than reused.
      client.release(error as Error);
      throw statementError(error, this.url, sql);
    }
  }

  async executeBatch(sqls: readonly string[]): Promise<void> {
    const client = await this.connect();
    let index = 0;
    let broken: Error | undefined;
    try {
      await client.query('begin');
      for (index = 0; index < sqls.length; index += 1) {
        await client.query(sqls[index]!);
      }
      await client.query('commit');
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        // The connection is unusable; it is destroyed below instead of being
        // returned to the pool, and the statement's error is raised.
        broken = rollbackError as Error;
      }
      throw statementError(error, this.url, sqls[index] ?? 'commit', {
        index: Math.min(index, sqls.length - 1),
        size: sqls.length,
      });
    } finally {
      client.release(broken);
    }
  }

  async copyFromLanding(
    table: { schema: string; name: string; columns: readonly string[] },
    landed: LandedParts,
  ): Promise<number> {
    const sql = copyFromStdinSql(
      `${table.schema}.${table.name}`,
      table.columns,
    );
    const client = await this.connect();
    let failure: Error | undefined;
    try {
      const copy = client.query(copyFrom(sql));
      const lines = async function* (): AsyncGenerator<string> {
        for (const key of landed.parts) {
          const body = await landed.store.get(key);
          yield* csvLinesFromPart(body, table.columns, key);
        }
      };
      await pipeline(Readable.from(lines()), copy);
      return copy.rowCount ?? 0;
    } catch (error) {
      failure = error as Error;
      if (error instanceof WarehouseError) throw error;
      throw statementError(error, this.url, sql);
    } finally {
      // A connection whose COPY failed half way may be mid-protocol, so it is
      // destroyed rather than reused.
      client.release(failure);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw connectionError(error, this.url);
    }
  }
}
