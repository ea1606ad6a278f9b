import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileLandingStore } from '../../lib/landing/file-store';
import { PartWriter } from '../../lib/landing/part-writer';
import type { LandingStore } from '../../lib/landing/store';

let root: string;
let store: FileLandingStore;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'part-writer-'));
  store = new FileLandingStore(root);
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function linesOf(key: string): Promise<unknown[]> {
  const text = gunzipSync(await store.getBuffer(key)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('PartWriter', () => {
  test('rolls parts by row count and counts rows and bytes', async () => {
    const writer = new PartWriter({ store, folder: 's/r/t', maxPartRows: 2 });
    for (let n = 0; n < 5; n++) await writer.write({ n });

    const parts = await writer.finish();

    expect(parts.map((part) => [part.key, part.rows])).toEqual([
      ['s/r/t/part-00000.ndjson.gz', 2],
      ['s/r/t/part-00001.ndjson.gz', 2],
      ['s/r/t/part-00002.ndjson.gz', 1],
    ]);
    expect(parts[0]!.uncompressedBytes).toBe('{"n":0}\n{"n":1}\n'.length);
    expect(parts[0]!.bytes).toBe((await store.getBuffer(parts[0]!.key)).length);
    expect(await linesOf(parts[2]!.key)).toEqual([{ n: 4 }]);
  });

  test('rolls parts before they pass the byte limit', async () => {
    const writer = new PartWriter({ store, folder: 'f', maxPartBytes: 50 });
    const row = { text: 'x'.repeat(20) }; // 32 bytes with the newline

    for (let n = 0; n < 3; n++) await writer.write(row);
    const parts = await writer.finish();

    expect(parts.map((part) => part.rows)).toEqual([1, 1, 1]);
    for (const part of parts)
      expect(part.uncompressedBytes).toBeLessThanOrEqual(50);
  });

  test('lower-cases keys', async () => {
    const writer = new PartWriter({ store, folder: 'f' });

    await writer.write({ Account_Name: 'Northwind', industry: 'Logistics' });
    const [part] = await writer.finish();

    expect(await linesOf(part!.key)).toEqual([
      { account_name: 'Northwind', industry: 'Logistics' },
    ]);
  });

  test('rejects keys that collide in lower case', async () => {
    const writer = new PartWriter({ store, folder: 'f' });

    await expect(writer.write({ Name: 'a', name: 'b' })).rejects.toThrow(
      /differ only in case/,
    );
  });

  test('writes no part when no row arrives', async () => {
    const writer = new PartWriter({ store, folder: 'empty' });

    expect(await writer.finish()).toEqual([]);
    expect(await store.list('empty/')).toEqual([]);
  });

  test('continues numbering from firstPartNumber', async () => {
    const writer = new PartWriter({ store, folder: 'f', firstPartNumber: 7 });

    await writer.write({ n: 1 });
    const [part] = await writer.finish();

    expect(part!.key).toBe('f/part-00007.ndjson.gz');
  });

  test('streams a large part through backpressure', async () => {
    const writer = new PartWriter({ store, folder: 'big' });
    const filler = 'abcdefghij'.repeat(100);
    for (let n = 0; n < 5000; n++) await writer.write({ n, filler });

    const [part] = await writer.finish();

    expect(part!.rows).toBe(5000);
    const lines = await linesOf(part!.key);
    expect(lines).toHaveLength(5000);
    expect(lines[4999]).toEqual({ n: 4999, filler });
  });

  test('aborting leaves no part behind', async () => {
    const writer = new PartWriter({ store, folder: 'aborted' });
    await writer.write({ n: 1 });

    await writer.abort(new Error('run failed'));

    expect(await store.list('aborted/')).toEqual([]);
  });

  test('raises the error of a failed upload', async () => {
    const failingStore: LandingStore = {
      url: 'file:failing',
      put: async (_key, body) => {
        (body as NodeJS.ReadableStream).resume();
        throw new Error('disk full');
      },
      get: (key) => store.get(key),
      getBuffer: (key) => store.getBuffer(key),
      exists: (key) => store.exists(key),
      list: (prefix) => store.list(prefix),
      delete: (key) => store.delete(key),
      locate: (key) => key,
    };
    const writer = new PartWriter({ store: failingStore, folder: 'f' });

    await writer.write({ n: 1 });

    await expect(writer.finish()).rejects.toThrow('disk full');
  });

  test('writeLine lands the text as written', async () => {
    const writer = new PartWriter({ store, folder: 'lines' });
    const texts = ['{"n":1}', '{"text":"Zürich \\u0000 東京"}', '{}'];

    const waits = texts.map((text) => writer.writeLine(text));
    const [part] = await writer.finish();

    expect(waits).toEqual([undefined, undefined, undefined]);
    const body = gunzipSync(await store.getBuffer(part!.key)).toString('utf8');
    expect(body).toBe(`${texts.join('\n')}\n`);
    expect(part!.rows).toBe(3);
    expect(part!.uncompressedBytes).toBe(Buffer.byteLength(body));
  });

  test('rolls multi-byte lines by their UTF-8 size', async () => {
    // 18 characters but 28 bytes of UTF-8, as é takes two bytes.
    const line = JSON.stringify({ a: 'é'.repeat(10) });
    const lineBytes = Buffer.byteLength(line) + 1;
    const maxPartBytes = lineBytes * 3 + 5;
    const writer = new PartWriter({ store, folder: 'utf8', maxPartBytes });

    for (let n = 0; n < 7; n++) {
      const wait = writer.writeLine(line);
      if (wait) await wait;
    }
    const parts = await writer.finish();

    expect(parts.map((part) => part.rows)).toEqual([3, 3, 1]);
    for (const part of parts) {
      const body = gunzipSync(await store.getBuffer(part.key));
      expect(part.uncompressedBytes).toBe(body.length);
      expect(part.uncompressedBytes).toBeLessThanOrEqual(maxPartBytes);
    }
  });

  test('fills parts to the byte limit across gzip writes', async () => {
    // Enough rows that lines go to gzip in many chunks before a part is
    // near its limit, where lines are then measured one at a time.
    const maxPartBytes = 1_000_000;
    const writer = new PartWriter({ store, folder: 'big', maxPartBytes });
    const lines: string[] = [];
    for (let n = 0; n < 30_000; n++) {
      lines.push(JSON.stringify({ n, text: 'ß€'.repeat(n % 40) }));
    }

    for (const line of lines) {
      const wait = writer.writeLine(line);
      if (wait) await wait;
    }
    const parts = await writer.finish();

    // The rows each part must hold: as many as fit in maxPartBytes.
    const expected: number[] = [];
    let rows = 0;
    let bytes = 0;
    for (const line of lines) {
      const size = Buffer.byteLength(line) + 1;
      if (rows > 0 && bytes + size > maxPartBytes) {
        expected.push(rows);
        rows = 0;
        bytes = 0;
      }
      rows++;
      bytes += size;
    }
    expected.push(rows);
    expect(parts.map((part) => part.rows)).toEqual(expected);
    expect(parts.length).toBeGreaterThan(2);
    let landed: string[] = [];
    for (const part of parts) {
      const body = gunzipSync(await store.getBuffer(part.key)).toString();
      expect(part.uncompressedBytes).toBe(Buffer.byteLength(body));
      landed = landed.concat(body.split('\n').slice(0, -1));
    }
    expect(landed).toEqual(lines);
  });
});
