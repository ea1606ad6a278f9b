import { createGzip, type Gzip } from 'node:zlib';
import type { LandingStore } from './store';

/** One gzip NDJSON part as written. */
export interface PartInfo {
  readonly key: string;
  readonly rows: number;
  /** Size of the stored (compressed) object. */
  readonly bytes: number;
  readonly uncompressedBytes: number;
}

export interface PartWriterOptions {
  readonly store: LandingStore;
  /** Folder key; parts are `<folder>/part-NNNNN.ndjson.gz`. */
  readonly folder: string;
  /** A part rolls before it would pass this many uncompressed bytes. @default 64 MiB */
  readonly maxPartBytes?: number;
  /** A part rolls at this many rows. @default 1000000 */
  readonly maxPartRows?: number;
  /** Number of the first part, to continue a resumed run. @default 0 */
  readonly firstPartNumber?: number;
}

export const DEFAULT_MAX_PART_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_PART_ROWS = 1_000_000;

/**
 * Uncompressed bytes collected before they go to gzip in one write. Each
 * gzip write is a round trip to the zlib thread pool, and with one write per
 * row that overhead was the largest cost of an extract in a CPU profile.
 */
const WRITE_CHUNK_BYTES = 64 * 1024;

/** Returns the key of part `number` in `folder`. */
export function partKey(folder: string, number: number): string {
  return `${folder}/part-${String(number).padStart(5, '0')}.ndjson.gz`;
}

interface OpenPart {
  readonly key: string;
  readonly gzip: Gzip;
  readonly upload: Promise<{ bytes: number }>;
  rows: number;
  uncompressedBytes: number;
  /** Lines not yet handed to gzip, at most about `WRITE_CHUNK_BYTES`. */
  pending: string[];
  pendingBytes: number;
}

/**
 * Streams rows into gzip NDJSON parts in a landing store: one JSON object
 * per line, keys lower-cased (Redshift's `FORMAT JSON 'auto'` matches
 * lower-case column names only). Each part is uploaded while it is written,
 * so a part never sits in memory whole.
 */
export class PartWriter {
  /** Parts finished so far, in order. */
  readonly parts: PartInfo[] = [];
  private readonly maxPartBytes: number;
  private readonly maxPartRows: number;
  private nextPartNumber: number;
  private current: OpenPart | undefined;

  constructor(private readonly options: PartWriterOptions) {
    this.maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    this.maxPartRows = options.maxPartRows ?? DEFAULT_MAX_PART_ROWS;
    this.nextPartNumber = options.firstPartNumber ?? 0;
    for (const [name, value] of [
      ['maxPartBytes', this.maxPartBytes],
      ['maxPartRows', this.maxPartRows],
    ] as const) {
      if (!(value >= 1)) {
        throw new RangeError(
          `Invalid part writer option ${name}=${value}: expected a positive number.`,
        );
      }
    }
  }

  /** Number the next part will have. */
  get nextPart(): number {
    return this.nextPartNumber;
  }

  /** Appends one row, rolling to a new part when the current one is full. */
  async write(row: Readonly<Record<string, unknown>>): Promise<void> {
    const line = `${JSON.stringify(lowerCaseKeys(row))}\n`;
    const size = Buffer.byteLength(line);

    if (
      this.current &&
      this.current.rows > 0 &&
      this.current.uncompressedBytes + size > this.maxPartBytes
    ) {
      await this.closePart();
    }
    const part = this.current ?? this.openPart();
    part.rows++;
    part.uncompressedBytes += size;
    part.pending.push(line);
    part.pendingBytes += size;
    if (part.pendingBytes >= WRITE_CHUNK_BYTES) await this.flushPending(part);

    if (part.rows >= this.maxPartRows) await this.closePart();
  }

  /** Closes the open part and returns every part written. */
  async finish(): Promise<PartInfo[]> {
    await this.closePart();
    return [...this.parts];
  }

  /**
   * Stops the open part's upload without finishing it; the store never
   * shows a part that was aborted. Resolves once the upload has settled.
   */
  async abort(reason: Error): Promise<void> {
    const part = this.current;
    this.current = undefined;
    if (!part) return;
    part.gzip.destroy(reason);
    await part.upload.then(
      () => undefined,
      () => undefined,
    );
  }

  private openPart(): OpenPart {
    const key = partKey(this.options.folder, this.nextPartNumber++);
    const gzip = createGzip();
    // Stream errors reach the caller through the upload promise. This
    // listener covers the time before the store attaches its own.
    gzip.on('error', () => undefined);
    const part: OpenPart = {
      key,
      gzip,
      upload: this.options.store.put(key, gzip, {
        contentType: 'application/x-ndjson',
      }),
      rows: 0,
      uncompressedBytes: 0,
      pending: [],
      pendingBytes: 0,
    };
    // waitForDrain and closePart raise a failed upload, because they await
    // this promise. The handler only keeps Node from reporting it early.
    part.upload.catch(() => undefined);
    this.current = part;
    return part;
  }

  /** Hands the collected lines to gzip, waiting if gzip is full. */
  private async flushPending(part: OpenPart): Promise<void> {
    if (part.pending.length === 0) return;
    const chunk = part.pending.join('');
    part.pending = [];
    part.pendingBytes = 0;
    if (!part.gzip.write(chunk)) await this.waitForDrain(part);
  }

  /** Waits until gzip accepts more input, or raises if the upload ended. */
  private waitForDrain(part: OpenPart): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const onDrain = (): void => {
        settled = true;
        resolve();
      };
      const stop = (error: unknown): void => {
        if (settled) return;
        settled = true;
        part.gzip.off('drain', onDrain);
        reject(error);
      };
      part.gzip.once('drain', onDrain);
      part.upload.then(
        () =>
          stop(
            new Error(
              `Upload of ${part.key} ended before the part was complete.`,
            ),
          ),
        stop,
      );
    });
  }

  private async closePart(): Promise<void> {
    const part = this.current;
    if (!part) return;
    this.current = undefined;
    if (part.pending.length > 0) part.gzip.write(part.pending.join(''));
    part.gzip.end();
    const { bytes } = await part.upload;
    this.parts.push({
      key: part.key,
      rows: part.rows,
      bytes,
      uncompressedBytes: part.uncompressedBytes,
    });
  }
}

function lowerCaseKeys(
  row: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  // Rows built from the catalog are lower case already and need no copy.
  let allLowerCase = true;
  for (const key of Object.keys(row)) {
    if (key !== key.toLowerCase()) {
      allLowerCase = false;
      break;
    }
  }
  if (allLowerCase) return row;

  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const lower = key.toLowerCase();
    if (lower in result) {
      throw new Error(
        `Row has two columns that differ only in case (${key}); landed column names must be unique in lower case.`,
      );
    }
    result[lower] = value;
  }
  return result;
}
