import type { LandingStore } from '../landing/store';

export type Dialect = 'postgres' | 'redshift';

/** A row as the warehouse returns it: column name to JS value. */
export type Row = Record<string, unknown>;

/** One landed table of one run, as `manifest.json` lists it. */
export interface LandedParts {
  readonly store: LandingStore;
  /** Keys of the gzip NDJSON parts, in order. */
  readonly parts: readonly string[];
  /**
   * Key of a Redshift COPY manifest listing every part with
   * `"mandatory": true`.
   */
  readonly copyManifest: string;
}

/**
 * The warehouse the pipeline loads and builds: PGlite, PostgreSQL or
 * Redshift. Every method takes SQL already rendered for `dialect`.
 */
export interface Warehouse {
  readonly dialect: Dialect;
  /** The warehouse location as the user wrote it, without credentials. */
  readonly url: string;

  /** Runs one statement and returns its rows (none for DDL and DML). */
  query(sql: string): Promise<Row[]>;

  /**
   * Runs statements in order as one transaction: all of them take effect,
   * or, when any fails, none does and the error names the failing one.
   */
  executeBatch(sqls: readonly string[]): Promise<void>;

  /**
   * Copies landed gzip NDJSON parts into an existing table, matching JSON
   * keys to the named columns. PGlite and PostgreSQL stream each part
   * through `COPY … FROM STDIN`; Redshift runs `COPY … FROM 's3://…'` with
   * the run's COPY manifest. Resolves with the number of rows copied.
   */
  copyFromLanding(
    table: { schema: string; name: string; columns: readonly string[] },
    landed: LandedParts,
  ): Promise<number>;

  close(): Promise<void>;
}
