import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type ColumnMetadata,
  type DescribeStatementResponse,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { WarehouseError } from '../errors';
import { recordsToRows } from './redshift-values';
import type { RedshiftTarget } from './redshift-url';
import type { Row } from './warehouse';

/** Timing of the Data API calls; every value is in milliseconds. */
export interface StatementTiming {
  /** Maximum wait for one statement before it is cancelled. */
  readonly statementTimeoutMs: number;
  /** First wait between two DescribeStatement calls; it doubles each poll. */
  readonly pollInitialMs: number;
  /** Maximum wait between two DescribeStatement calls. */
  readonly pollMaxMs: number;
  /** First wait after a throttled call; it doubles each attempt. */
  readonly retryInitialMs: number;
  /** Calls made for one request before a throttling error is raised. */
  readonly retryAttempts: number;
}

export const DEFAULT_TIMING: StatementTiming = {
  statementTimeoutMs: 10 * 60_000,
  pollInitialMs: 200,
  pollMaxMs: 5_000,
  retryInitialMs: 500,
  retryAttempts: 8,
};

/** Error names that mean "too many requests now": retried with backoff. */
const RETRYABLE_ERRORS = new Set([
  'ActiveStatementsExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
]);

/** A finished statement and, for a batch, its number of sub-statements. */
export type FinishedStatement = DescribeStatementResponse & { Id: string };

/**
 * Submits statements through the Redshift Data API and waits for them:
 * retries throttling with exponential backoff, polls DescribeStatement
 * until a final status, cancels a statement that outlives
 * `statementTimeoutMs`, and reads every result page.
 */
export class DataApiStatements {
  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: RedshiftTarget,
    private readonly timing: StatementTiming,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly now: () => number,
  ) {}

  /** Runs one statement and waits for it to finish. */
  async execute(sql: string): Promise<FinishedStatement> {
    const submitted = await this.withRetry('ExecuteStatement', () =>
      this.client.send(
        new ExecuteStatementCommand({ ...this.connection(), Sql: sql }),
      ),
    );
    return this.wait(requireId(submitted.Id, 'ExecuteStatement'), [sql]);
  }

  /** Runs statements in order as one transaction and waits for it. */
  async executeBatch(sqls: readonly string[]): Promise<FinishedStatement> {
    const submitted = await this.withRetry('BatchExecuteStatement', () =>
      this.client.send(
        new BatchExecuteStatementCommand({
          ...this.connection(),
          Sqls: [...sqls],
        }),
      ),
    );
    return this.wait(requireId(submitted.Id, 'BatchExecuteStatement'), sqls);
  }

  /** Reads every page of a finished statement's result set. */
  async readRows(id: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: ColumnMetadata[] | undefined;
    let nextToken: string | undefined;
    do {
      const page = await this.withRetry('GetStatementResult', () =>
        this.client.send(
          new GetStatementResultCommand({ Id: id, NextToken: nextToken }),
        ),
      );
      if (page.ColumnMetadata && page.ColumnMetadata.length > 0) {
        columns = page.ColumnMetadata;
      }
      rows.push(...recordsToRows(page.Records ?? [], columns ?? []));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return rows;
  }

  private connection(): {
    Database: string;
    WorkgroupName?: string;
    ClusterIdentifier?: string;
    SecretArn?: string;
    DbUser?: string;
  } {
    const target = this.target;
    if (target.kind === 'serverless') {
      return {
        Database: target.database,
        WorkgroupName: target.workgroupName,
        ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
      };
    }
    return {
      Database: target.database,
      ClusterIdentifier: target.clusterIdentifier,
      ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
      ...(target.dbUser ? { DbUser: target.dbUser } : {}),
    };
  }

  private async wait(
    id: string,
    sqls: readonly string[],
  ): Promise<FinishedStatement> {
    const deadline = this.now() + this.timing.statementTimeoutMs;
    let delay = this.timing.pollInitialMs;
    for (;;) {
      const described = await this.withRetry('DescribeStatement', () =>
        this.client.send(new DescribeStatementCommand({ Id: id })),
      );
      switch (described.Status) {
        case 'FINISHED':
          return { ...described, Id: id };
        case 'FAILED':
          throw new WarehouseError(describeFailure(id, described, sqls));
        case 'ABORTED':
          throw new WarehouseError(
            `Redshift statement ${id} was aborted before it finished (${summarize(sqls)}). Check whether someone cancelled it, then run the step again.`,
          );
        case 'SUBMITTED':
        case 'PICKED':
        case 'STARTED':
          break;
        default:
          throw new WarehouseError(
            `Redshift statement ${id} has the unknown status ${JSON.stringify(described.Status)}; update @aws-sdk/client-redshift-data.`,
          );
      }

      if (this.now() + delay > deadline) {
        await this.cancel(id, sqls);
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.timing.pollMaxMs);
    }
  }

  private async cancel(id: string, sqls: readonly string[]): Promise<never> {
    const seconds = Math.round(this.timing.statementTimeoutMs / 1000);
    try {
      await this.client.send(new CancelStatementCommand({ Id: id }));
    } catch (error) {
      throw new WarehouseError(
        `Redshift statement ${id} did not finish within ${seconds} s (${summarize(sqls)}), and cancelling it failed: ${(error as Error).message}. Cancel it in the Redshift console before running the step again.`,
        { cause: error },
      );
    }
    throw new WarehouseError(
      `Redshift statement ${id} did not finish within ${seconds} s (${summarize(sqls)}), so it was cancelled. Raise the statement timeout or check the workload for locks.`,
    );
  }

  private async withRetry<T>(
    operation: string,
    call: () => Promise<T>,
  ): Promise<T> {
    let delay = this.timing.retryInitialMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (!RETRYABLE_ERRORS.has(name)) {
          throw new WarehouseError(
            `Redshift Data API ${operation} failed: ${(error as Error).message}`,
            { cause: error },
          );
        }
        if (attempt >= this.timing.retryAttempts) {
          throw new WarehouseError(
            `Redshift Data API ${operation} was still throttled (${name}) after ${attempt} attempts. Run the step again later, or lower the number of statements running at once.`,
            { cause: error },
          );
        }
      }
      await this.sleep(delay + Math.floor(delay * 0.2 * Math.random()));
      delay *= 2;
    }
  }
}

function requireId(id: string | undefined, operation: string): string {
  if (!id) {
    throw new WarehouseError(
      `Redshift Data API ${operation} returned no statement id.`,
    );
  }
  return id;
}

/** Summarizes the statements for error messages by their first line. */
function summarize(sqls: readonly string[]): string {
  const first = (sqls[0] ?? '').trim().split('\n')[0]!.slice(0, 120);
  return sqls.length === 1
    ? `SQL: ${first}`
    : `a batch of ${sqls.length} statements starting with ${first}`;
}

function describeFailure(
  id: string,
  described: DescribeStatementResponse,
  sqls: readonly string[],
): string {
  const failed = (described.SubStatements ?? []).find(
    (sub) => sub.Status === 'FAILED',
  );
  if (sqls.length > 1 && failed) {
    const index = Number((failed.Id ?? '').split(':').pop());
    const text = (failed.QueryString ?? sqls[index - 1] ?? '').trim();
    return `Redshift batch ${id} failed at statement ${index} of ${sqls.length}, so the whole batch was rolled back: ${failed.Error ?? described.Error ?? 'no error text'}. Statement ${index}: ${text.slice(0, 300)}`;
  }
  const error = described.Error ?? failed?.Error ?? 'no error text';
  if (sqls.length > 1) {
    return `Redshift batch ${id} of ${sqls.length} statements failed and was rolled back: ${error}`;
  }
  return `Redshift statement ${id} failed: ${error}. ${summarize(sqls)}`;
}
