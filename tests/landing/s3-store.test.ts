import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { LandingNotFoundError } from '../../lib/errors';
import { PartWriter } from '../../lib/landing/part-writer';
import { S3LandingStore } from '../../lib/landing/s3-store';

// s3rver ships no type declarations.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

const BUCKET = 'landing-test';
let directory: string;
let server: InstanceType<typeof S3rver>;
let endpoint: string;

beforeAll(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
  await fs.rm(directory, { recursive: true, force: true });
});

function openStore(prefix = 'crossbeam/landing'): S3LandingStore {
  return new S3LandingStore({
    bucket: BUCKET,
    prefix,
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('S3LandingStore', () => {
  test('writes and reads small objects', async () => {
    const store = openStore();

    const { bytes } = await store.put('s/r/manifest.json', '{"version":1}', {
      contentType: 'application/json',
    });

    expect(bytes).toBe(13);
    expect((await store.getBuffer('s/r/manifest.json')).toString()).toBe(
      '{"version":1}',
    );
    expect(await store.exists('s/r/manifest.json')).toBe(true);
    expect(store.locate('s/r/manifest.json')).toBe(
      `s3://${BUCKET}/crossbeam/landing/s/r/manifest.json`,
    );
  });

  test('uploads a stream over 5 MB in several parts', async () => {
    const commands: string[] = [];
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new S3LandingStore({
      bucket: BUCKET,
      prefix: 'multipart',
      client,
    });
    const data = randomBytes(12 * 1024 * 1024 + 123);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += 1024 * 1024) {
      chunks.push(data.subarray(offset, offset + 1024 * 1024));
    }

    const { bytes } = await store.put(
      'big/part-00000.bin',
      Readable.from(chunks),
    );

    expect(bytes).toBe(data.length);
    const read = await readAll(await store.get('big/part-00000.bin'));
    expect(read.length).toBe(data.length);
    expect(read.equals(data)).toBe(true);
    expect(
      commands.filter((name) => name === 'UploadPartCommand'),
    ).toHaveLength(2);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(commands).toContain('HeadObjectCommand');
  });

  test('lands gzip parts from a PartWriter', async () => {
    const store = openStore('writer');
    const writer = new PartWriter({ store, folder: 's/r/t', maxPartRows: 3 });
    for (let n = 0; n < 4; n++) await writer.write({ n });

    const parts = await writer.finish();

    expect(parts.map((part) => part.rows)).toEqual([3, 1]);
    const text = gunzipSync(await store.getBuffer(parts[1]!.key)).toString();
    expect(text).toBe('{"n":3}\n');
  });

  test('lists keys below a prefix, sorted and relative', async () => {
    const store = openStore('listing');
    for (const key of ['a/r2/x', 'a/r1/y', 'b/z']) await store.put(key, key);
    await openStore('listing-other').put('a/r1/elsewhere', 'no');

    expect(await store.list('a/')).toEqual(['a/r1/y', 'a/r2/x']);
    expect(await store.list('')).toEqual(['a/r1/y', 'a/r2/x', 'b/z']);
    expect(await store.list('c/')).toEqual([]);
  });

  test('raises LandingNotFoundError for a missing key', async () => {
    const store = openStore();

    await expect(store.get('missing/key.json')).rejects.toBeInstanceOf(
      LandingNotFoundError,
    );
    await expect(store.getBuffer('missing/key.json')).rejects.toThrow(
      /missing\/key\.json not found/,
    );
    expect(await store.exists('missing/key.json')).toBe(false);
  });

  test('deletes objects and ignores missing ones', async () => {
    const store = openStore();
    await store.put('gone/x', 'x');

    await store.delete('gone/x');
    await store.delete('gone/x');

    expect(await store.exists('gone/x')).toBe(false);
  });
});
