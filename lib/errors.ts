/**
 * Base class of every error this project raises on purpose. The message is
 * written for the person running the pipeline: what failed, on which value,
 * and what to change.
 */
export class CrossbeamWarehouseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or invalid; raised before anything runs. */
export class ConfigurationError extends CrossbeamWarehouseError {}

/** The Crossbeam API failed in a way retries did not fix. */
export class CrossbeamApiError extends CrossbeamWarehouseError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API rejected the credentials, even after one token refresh. */
export class CrossbeamAuthError extends CrossbeamApiError {}

/** A bookmark the API no longer accepts; a full re-sync is needed. */
export class BookmarkExpiredError extends CrossbeamApiError {}

/** A landing store object is missing. */
export class LandingNotFoundError extends CrossbeamWarehouseError {}

/** A warehouse statement failed; the message carries the database's error. */
export class WarehouseError extends CrossbeamWarehouseError {}

/** An applied migration's file changed, or migrations are out of order. */
export class MigrationError extends CrossbeamWarehouseError {}

/** One or more streams failed to extract; the rest landed. */
export class SyncFailedError extends CrossbeamWarehouseError {}

/** Another run has locked the warehouse, so this one did not start. */
export class WarehouseBusyError extends CrossbeamWarehouseError {}

/** A run rejected more of its items than `maxRejectShare` allows. */
export class RejectThresholdError extends CrossbeamWarehouseError {}
