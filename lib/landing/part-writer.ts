import type { TransformOptions } from 'node:stream';
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib';
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

const MIB = 1024 * 1024;

export const DEFAULT_MAX_PART_BYTES = 64 * MIB;
export const DEFAULT_MAX_PART_ROWS = 1_000_000;

/**
 * Largest part size the settings accept, in MB of uncompressed NDJSON.
 * Landed NDJSON of the sandbox compresses 7 to 15 fold, so a 4 GiB part
 * becomes about 270 to 590 MB, within the 1 MB to 1 GB per file that
 * Redshift's COPY guidance recommends.
 */
export const MAX_PART_SIZE_MB = 4096;

/** Converts a `partSizeMb` setting to the `maxPartBytes` of a writer. */
export function partBytesFromMb(megabytes: number): number {
  return megabytes * MIB;
}

/**
 * Characters (UTF-16 code units) collected before they go to gzip in one
 * write. Each
 * gzip write is a round trip to the zlib thread pool, and with one write per
 * row that overhead was the largest cost of an extract in a CPU profile.
 */
const WRITE_CHUNK_CHARS = 64 * 1024;

/** UTF-8 bytes per UTF-16 code unit, at most. */
const MAX_UTF8_BYTES_PER_CHAR = 3;

/**
 * Input gzip buffers before a write waits for it. With Node's default of
 * 16 KiB, every chunk above waited until gzip had compressed it, so this
 * thread sat idle while the zlib thread worked. With a few chunks of room
 * both run at once, and an open part buffers at most about this much
 * uncompressed text.
 */
const GZIP_BUFFER_BYTES = 256 * 1024;

/** Compressed output per zlib call, so a chunk takes fewer round trips. */
const GZIP_OUTPUT_CHUNK_BYTES = 64 * 1024;

// Node passes zlib options on to the stream constructor, but the type of
// zlib options in @types/node does not list the stream's own options.
const GZIP_OPTIONS: ZlibOptions &
  Pick<TransformOptions, 'writableHighWaterMark'> = {
  chunkSize: GZIP_OUTPUT_CHUNK_BYTES,
  writableHighWaterMark: GZIP_BUFFER_BYTES,
};

/** Returns the key of part `number` in `folder`. */
export function partKey(folder: string, number: number): string {
  return `${folder}/part-${String(number).padStart(5, '0')}.ndjson.gz`;
}

interface OpenPart {
  readonly key: string;
  readonly gzip: Gzip;
  readonly upload: Promise<{ bytes: number }>;
  rows: number;
  /** UTF-8 bytes handed to gzip so far. */
  uncompressedBytes: number;
  /**
   * JSON objects not yet handed to gzip, without their line ends, at most
   * about `WRITE_CHUNK_CHARS` UTF-16 code units with the line ends.
   */
  pending: string[];
  pendingChars: number;
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
    await this.writeLine(JSON.stringify(lowerCaseKeys(row)));
  }

  /**
   * Appends one row given as the JSON text of an object with lower-case
   * keys and no line end, such as `serializeRow` returns. The text is not
   * checked. Returns a promise only when the caller must wait (a part
   * closes, or gzip is full), and undefined otherwise, which saves a
   * promise per row. Wait for it before the next write.
   */
  writeLine(json: string): Promise<void> | undefined {
    const part = this.current;
    // Lines are measured in UTF-8 only when a chunk goes to gzip, unless
    // the part might pass maxPartBytes with this line, going by the most
    // bytes its characters could take.
    if (
      part !== undefined &&
      part.rows > 0 &&
      part.uncompressedBytes +
        (part.pendingChars + json.length + 1) * MAX_UTF8_BYTES_PER_CHAR >
        this.maxPartBytes
    ) {
      return this.writeNearLimit(part, json);
    }
    return this.append(json);
  }

  /** Writes a line exactly measured, closing `part` first if it is full. */
  private async writeNearLimit(part: OpenPart, json: string): Promise<void> {
    await this.flushPending(part);
    // One byte for the line end.
    const size = Buffer.byteLength(json) + 1;
    if (part.uncompressedBytes + size > this.maxPartBytes) {
      await this.closePart();
    }
    await this.append(json);
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
    const gzip = createGzip(GZIP_OPTIONS);
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
      pendingChars: 0,
    };
    // waitForDrain and closePart raise a failed upload, because they await
    // this promise. The handler only keeps Node from reporting it early.
    part.upload.catch(() => undefined);
    this.current = part;
    return part;
  }

  private append(json: string): Promise<void> | undefined {
    const part = this.current ?? this.openPart();
    part.rows++;
    part.pending.push(json);
    part.pendingChars += json.length + 1;
    let wait: Promise<void> | undefined;
    if (part.pendingChars >= WRITE_CHUNK_CHARS) wait = this.flushPending(part);

    if (part.rows >= this.maxPartRows) {
      wait =
        wait === undefined
          ? this.closePart()
          : wait.then(() => this.closePart());
    }
    return wait;
  }

  /**
   * Hands the collected lines to gzip. Returns a promise that settles when
   * gzip has room again, or undefined when it has room now.
   */
  private flushPending(part: OpenPart): Promise<void> | undefined {
    if (part.pending.length === 0) return undefined;
    const chunk = takePending(part);
    return part.gzip.write(chunk) ? undefined : this.waitForDrain(part);
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
    if (part.pending.length > 0) part.gzip.write(takePending(part));
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

/**
 * Empties `part.pending` and returns its lines as one NDJSON chunk in UTF-8,
 * counting its bytes in `part.uncompressedBytes`.
 */
function takePending(part: OpenPart): Buffer {
  const chunk = Buffer.from(`${part.pending.join('\n')}\n`, 'utf8');
  part.uncompressedBytes += chunk.length;
  part.pending = [];
  part.pendingChars = 0;
  return chunk;
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
