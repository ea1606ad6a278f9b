import { WarehouseError } from '../errors';

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
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, '');
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

/** Removes the password from a URL-like string, for messages and `url`. */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i,
    (_all, scheme, auth) => {
      const user = String(auth).split(':')[0];
      return `${scheme}${user}@`;
    },
  );
}
