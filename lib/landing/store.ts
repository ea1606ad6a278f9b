import type { Readable } from 'node:stream';

/**
 * A place where extracted data lands: a local directory (`file:<dir>`) or an
 * S3 prefix (`s3://bucket/prefix`). Keys are relative, `/`-separated paths
 * below the store's root, for example `account_overlaps/<run id>/manifest.json`.
 */
export interface LandingStore {
  /** The store's location as the user wrote it, without credentials. */
  readonly url: string;

  /**
   * Writes an object. A stream body is uploaded as it is read (multipart on
   * S3), so large parts never sit in memory. Resolves once the object is
   * durable and readable, with its size in bytes.
   */
  put(
    key: string,
    body: Buffer | string | Readable,
    options?: { contentType?: string },
  ): Promise<{ bytes: number }>;

  /** Opens an object for reading. Rejects with `LandingNotFoundError`. */
  get(key: string): Promise<Readable>;

  /** Reads a whole object into memory: only for small objects. */
  getBuffer(key: string): Promise<Buffer>;

  exists(key: string): Promise<boolean>;

  /** Lists every key below a prefix, sorted. */
  list(prefix: string): Promise<string[]>;

  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;

  /**
   * The object's absolute location (`s3://bucket/prefix/key` or a file path),
   * as a warehouse COPY names it.
   */
  locate(key: string): string;
}
