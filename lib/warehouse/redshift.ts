import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigurationError, WarehouseError } from '../errors';
import {
  DEFAULT_TIMING,
  DataApiStatements,
  type StatementTiming,
} from './redshift-statements';
import {
  formatRedshiftUrl,
  parseRedshiftUrl,
  type RedshiftTarget,
} from './redshift-url';
import type { Dialect, LandedParts, Row, Warehouse } from './warehouse';

export { parseRedshiftUrl, formatRedshiftUrl, type RedshiftTarget };

/**
 * Limits of one Data API request. AWS documents at most 40 statements in a
 * `BatchExecuteStatement` and 100 KB of SQL text per statement (2024 docs).
 */
export interface DataApiLimits {
  readonly maxBatchStatements: number;
  readonly maxStatementBytes: number;
}

export const DEFAULT_LIMITS: DataApiLimits = {
  maxBatchStatements: 40,
  maxStatementBytes: 100_000,
};

export interface RedshiftWarehouseOptions {
  /** Data API client; defaults to one for the target's region. */
  readonly client?: RedshiftDataClient;
  readonly timing?: Partial<StatementTiming>;
  readonly limits?: Partial<DataApiLimits>;
  /** Waits between polls and retries; tests pass a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** How many load errors a failed COPY's message quotes. */
const LOAD_ERRORS_SHOWN = 5;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,126}$/;

/**
 * The Redshift warehouse, reached through the Redshift Data API: no
 * database connection or driver, only IAM (and optionally a Secrets
 * Manager secret). Serverless workgroups and provisioned clusters both work.
 *
 * @example
 * const warehouse = new RedshiftWarehouse(
 *   'redshift://workgroup/analytics/dev?iam_role=arn:aws:iam::123456789012:role/copy',
 * );
 * const rows = await warehouse.query('select 1 as one');
 */
export class RedshiftWarehouse implements Warehouse {
  readonly dialect: Dialect = 'redshift';
  readonly url: string;
  readonly target: RedshiftTarget;
  private readonly statements: DataApiStatements;
  private readonly limits: DataApiLimits;

  constructor(
    target: RedshiftTarget | string,
    options: RedshiftWarehouseOptions = {},
  ) {
    this.target =
      typeof target === 'string' ? parseRedshiftUrl(target) : target;
    this.url = typeof target === 'string' ? target : formatRedshiftUrl(target);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const client =
      options.client ??
      new RedshiftDataClient(
        this.target.region ? { region: this.target.region } : {},
      );
    this.statements = new DataApiStatements(
      client,
      this.target,
      { ...DEFAULT_TIMING, ...options.timing },
      options.sleep ?? ((ms) => delay(ms)),
      options.now ?? Date.now,
    );
  }

  async query(sql: string): Promise<Row[]> {
    this.checkStatementSize(sql, 'The statement');
    const finished = await this.statements.execute(sql);
    return finished.HasResultSet ? this.statements.readRows(finished.Id) : [];
  }

  /**
   * Runs the statements as one `BatchExecuteStatement`, which Redshift runs
   * as one transaction. A batch that does not fit one request is rejected:
   * splitting it over several requests would commit part of it on its own.
   */
  async executeBatch(sqls: readonly string[]): Promise<void> {
    if (sqls.length === 0) return;
    if (sqls.length === 1) {
      await this.query(sqls[0]!);
      return;
    }
    if (sqls.length > this.limits.maxBatchStatements) {
      throw new WarehouseError(
        `A Redshift batch of ${sqls.length} statements exceeds the Data API limit of ${this.limits.maxBatchStatements} statements per transaction, and splitting it would lose its all-or-nothing guarantee. Combine statements (for example one MERGE per table) or load fewer tables per batch.`,
      );
    }
    sqls.forEach((sql, index) =>
      this.checkStatementSize(
        sql,
        `Statement ${index + 1} of ${sqls.length} in the batch`,
      ),
    );
    await this.statements.executeBatch(sqls);
  }

  /**
   * Runs `COPY … FROM '<copy manifest>' … MANIFEST` with the target's
   * `iam_role`. On failure the error quotes the first rows of
   * `sys_load_error_detail` (Serverless) or `stl_load_errors` (provisioned)
   * for this table's files. Resolves with the rows Redshift reports copied.
   */
  async copyFromLanding(
    table: { schema: string; name: string; columns: readonly string[] },
    landed: LandedParts,
  ): Promise<number> {
    const manifestUri = landed.store.locate(landed.copyManifest);
    const sql = buildCopySql(table, manifestUri, this.requireIamRole());

    let finished;
    try {
      finished = await this.statements.execute(sql);
    } catch (error) {
      if (!(error instanceof WarehouseError)) throw error;
      const details = await this.describeLoadErrors(manifestUri);
      throw new WarehouseError(`${error.message}\n${details}`, {
        cause: error,
      });
    }

    if (finished.ResultRows !== undefined && finished.ResultRows >= 0) {
      return finished.ResultRows;
    }
    // NOTE: the Data API documents ResultRows for COPY; counting the table
    // is a fallback that is exact only for the empty staging tables the
    // loader copies into.
    const [row] = await this.query(
      `select count(*) as copied from ${quote(table.schema)}.${quote(table.name)}`,
    );
    return Number(row?.copied ?? 0);
  }

  async close(): Promise<void> {
    // The Data API keeps no connection open.
  }

  private requireIamRole(): string {
    if (!this.target.iamRole) {
      throw new ConfigurationError(
        `The Redshift warehouse ${this.url} has no iam_role, which COPY needs to read the landing bucket. Add ?iam_role=<role arn> (a role attached to the workgroup or cluster) to the warehouse URL.`,
      );
    }
    return this.target.iamRole;
  }

  private checkStatementSize(sql: string, label: string): void {
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > this.limits.maxStatementBytes) {
      throw new WarehouseError(
        `${label} is ${bytes} bytes of SQL, more than the Data API limit of ${this.limits.maxStatementBytes} bytes per statement: ${sql.trim().slice(0, 120)}. Shorten it, for example by moving literal data into a landed file and loading it with COPY.`,
      );
    }
  }

  /** Queries the load-error table for files below the manifest's folder. */
  private async describeLoadErrors(manifestUri: string): Promise<string> {
    const folder = manifestUri.slice(0, manifestUri.lastIndexOf('/') + 1);
    const pattern = `${folder.replace(/[\\%_]/g, '\\$&')}%`;
    const sql =
      this.target.kind === 'serverless'
        ? `select trim(file_name) as file, line_number, trim(column_name) as column_name, trim(error_message) as reason from sys_load_error_detail where file_name like ${literal(pattern)} order by start_time desc limit ${LOAD_ERRORS_SHOWN}`
        : `select trim(filename) as file, line_number, trim(colname) as column_name, trim(err_reason) as reason from stl_load_errors where filename like ${literal(pattern)} order by starttime desc limit ${LOAD_ERRORS_SHOWN}`;
    const view =
      this.target.kind === 'serverless'
        ? 'sys_load_error_detail'
        : 'stl_load_errors';

    let rows: Row[];
    try {
      rows = await this.query(sql);
    } catch (error) {
      return `Reading ${view} for the reason also failed: ${(error as Error).message}`;
    }
    if (rows.length === 0) {
      return `${view} lists no errors for ${folder}; check the manifest and the IAM role's access to it.`;
    }
    const lines = rows.map(
      (row) =>
        `  - ${String(row.file)} line ${String(row.line_number)}, column ${String(row.column_name)}: ${String(row.reason)}`,
    );
    return `First errors from ${view}:\n${lines.join('\n')}`;
  }
}

/** Builds the COPY statement; every identifier is validated and quoted. */
export function buildCopySql(
  table: { schema: string; name: string; columns: readonly string[] },
  manifestUri: string,
  iamRole: string,
): string {
  if (!manifestUri.startsWith('s3://')) {
    throw new ConfigurationError(
      `Redshift COPY reads only from S3, but the landing store locates the COPY manifest at ${manifestUri}. Set the landing store to s3://bucket/prefix.`,
    );
  }
  if (table.columns.length === 0) {
    throw new WarehouseError(
      `COPY into ${table.schema}.${table.name} names no columns.`,
    );
  }
  const columns = table.columns.map(quote).join(', ');
  return `copy ${quote(table.schema)}.${quote(table.name)} (${columns}) from ${literal(manifestUri)} iam_role ${literal(iamRole)} format json 'auto' gzip manifest timeformat 'auto'`;
}

function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) {
    throw new WarehouseError(
      `${JSON.stringify(identifier)} is not a valid lower-case SQL identifier (letters, digits and underscores, starting with a letter or underscore).`,
    );
  }
  return `"${identifier}"`;
}

function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
