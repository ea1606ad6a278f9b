import { WarehouseError } from '../errors';
import { redactUrl } from '../redact-url';

export { redactUrl };

const SQL_EXCERPT_LENGTH = 300;

/** Returns the first characters of a statement, on one line, for messages. */
export function sqlExcerpt(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > SQL_EXCERPT_LENGTH
    ? `${oneLine.slice(0, SQL_EXCERPT_LENGTH)}…`
    : oneLine;
}

/** Returns a driver error's message without its trailing dot. */
export function databaseMessage(error: unknown): string {
  // Errors from another realm (a worker, a test sandbox) fail instanceof.
  const { message } = (error ?? {}) as { message?: unknown };
  return (typeof message === 'string' ? message : String(error)).replace(
    /\.$/,
    '',
  );
}

/**
 * Wraps a failed statement's error: the message names the warehouse, the
 * statement (and its position in a batch) and the database's message, and
 * the driver's error stays available as `cause` (with its SQLSTATE `code`).
 */
export function statementError(
  error: unknown,
  warehouseUrl: string,
  sql: string,
  batch?: { index: number; size: number },
): WarehouseError {
  const position = batch
    ? `Statement ${batch.index + 1} of ${batch.size} in a transaction`
    : 'A statement';
  const rolledBack = batch ? ' The transaction was rolled back.' : '';
  return new WarehouseError(
    `${position} failed on ${warehouseUrl}: ${databaseMessage(error)}.${rolledBack} SQL: ${sqlExcerpt(sql)}`,
    { cause: error },
  );
}

/**
 * Wraps a failed connection to a PostgreSQL warehouse in an error that
 * names the URL (without its password) and the setting to check.
 */
export function connectionError(
  error: unknown,
  warehouseUrl: string,
): WarehouseError {
  const invalidUrl =
    (error as { code?: unknown } | undefined)?.code === 'ERR_INVALID_URL';
  const advice = invalidUrl
    ? 'The URL is not valid: percent-encode characters such as @ : / ? # in the user name and password.'
    : 'Check the host, port, database, user and password in the URL, and that the server accepts connections.';
  return new WarehouseError(
    `Connecting to the warehouse ${redactUrl(warehouseUrl)} (warehouse, CROSSBEAM_WAREHOUSE) failed: ${databaseMessage(error)}. ${advice}`,
    { cause: error },
  );
}
