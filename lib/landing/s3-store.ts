import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import { CrossbeamWarehouseError, LandingNotFoundError } from '../errors';
import { validateKey, validatePrefix } from './keys';
import type { LandingStore } from './store';

/** Multipart part size for uploads: S3 requires at least 5 MiB. */
const PART_SIZE_BYTES = 8 * 1024 * 1024;

export interface S3LandingStoreOptions {
  readonly bucket: string;
  /** Key prefix below the bucket, without leading or trailing `/`. */
  readonly prefix?: string;
  /** A ready client; when set, the connection options below are ignored. */
  readonly client?: S3Client;
  readonly region?: string;
  /** An S3-compatible endpoint, for tests and local servers. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)
    ?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** Counts the bytes that pass through, to check the uploaded size. */
class ByteCounter extends Transform {
  bytes = 0;

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * A landing store under an S3 prefix (`s3://bucket/prefix`). Uploads go
 * through `@aws-sdk/lib-storage`, in parts of 8 MiB for large objects, and
 * each one is checked afterwards with HeadObject: a size that differs from
 * the bytes sent is an error.
 */
export class S3LandingStore implements LandingStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(options: S3LandingStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client =
      options.client ??
      new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        credentials: options.credentials,
        // Recent AWS SDK v3 releases send CRC32 checksums by default, which
        // many S3-compatible servers reject.
        ...(options.endpoint
          ? {
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            }
          : {}),
      });
  }

  private objectKey(key: string): string {
    validateKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(
    key: string,
    body: Buffer | string | Readable,
    options: { contentType?: string } = {},
  ): Promise<{ bytes: number }> {
    const objectKey = this.objectKey(key);
    let expectedBytes: number | undefined;
    let uploadBody: Buffer | Readable;
    let counter: ByteCounter | undefined;
    if (body instanceof Readable) {
      counter = new ByteCounter();
      body.on('error', (error) => counter?.destroy(error));
      uploadBody = body.pipe(counter);
    } else {
      uploadBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
      expectedBytes = uploadBody.length;
    }

    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: uploadBody,
        ContentType: options.contentType,
      },
      partSize: PART_SIZE_BYTES,
      queueSize: 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw new CrossbeamWarehouseError(
        `Upload of ${this.locate(key)} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }

    expectedBytes ??= counter?.bytes;
    const head = await this.client.send(
      new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }),
    );
    if (head.ContentLength !== expectedBytes) {
      throw new CrossbeamWarehouseError(
        `Upload of ${this.locate(key)} is incomplete: S3 reports ${head.ContentLength} bytes, but ${expectedBytes} were sent. Retry the run.`,
      );
    }
    return { bytes: expectedBytes ?? 0 };
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (!(response.Body instanceof Readable)) {
        throw new CrossbeamWarehouseError(
          `S3 returned no readable body for ${this.locate(key)}.`,
        );
      }
      return response.Body;
    } catch (error) {
      if (isMissing(error)) throw this.notFound(key, error);
      throw error;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key)) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
        }),
      );
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    const base = this.prefix ? `${this.prefix}/` : '';
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${base}${prefix}`,
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(base.length));
      }
      continuationToken = page.IsTruncated
        ? page.NextContinuationToken
        : undefined;
    } while (continuationToken !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
      }),
    );
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  private notFound(key: string, cause: unknown): LandingNotFoundError {
    return new LandingNotFoundError(
      `Landing object ${key} not found in ${this.url} (${this.locate(key)}).`,
      { cause },
    );
  }
}
