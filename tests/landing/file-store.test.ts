import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ConfigurationError, LandingNotFoundError } from '../../lib/errors';
import { FileLandingStore } from '../../lib/landing/file-store';

let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'file-store-'));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('FileLandingStore', () => {
  test('writes and reads strings, buffers and streams', async () => {
    const store = new FileLandingStore(root);

    const fromString = await store.put('a/one.json', '{"n":1}');
    const fromBuffer = await store.put('a/two.bin', Buffer.from([1, 2, 3]));
    const fromStream = await store.put(
      'b/three.txt',
      Readable.from(['x'.repeat(70_000), 'y']),
    );

    expect(fromString.bytes).toBe(7);
    expect(fromBuffer.bytes).toBe(3);
    expect(fromStream.bytes).toBe(70_001);
    expect((await store.getBuffer('a/one.json')).toString()).toBe('{"n":1}');
    expect(await readAll(await store.get('b/three.txt'))).toHaveLength(70_001);
  });

  test('resolves a relative directory against cwd', async () => {
    const store = new FileLandingStore('landing', root);

    await store.put('k.txt', 'v');

    expect(store.url).toBe('file:landing');
    expect(store.locate('k.txt')).toBe(path.join(root, 'landing', 'k.txt'));
    expect(await fs.readFile(path.join(root, 'landing', 'k.txt'), 'utf8')).toBe(
      'v',
    );
  });

  test('lists keys below a prefix, sorted', async () => {
    const store = new FileLandingStore(root);
    for (const key of ['s/r2/b.txt', 's/r1/a.txt', 's/r10/c.txt', 't/x.txt']) {
      await store.put(key, key);
    }

    expect(await store.list('s/')).toEqual([
      's/r1/a.txt',
      's/r10/c.txt',
      's/r2/b.txt',
    ]);
    expect(await store.list('s/r1')).toEqual(['s/r1/a.txt', 's/r10/c.txt']);
    expect(await store.list('s/r1/')).toEqual(['s/r1/a.txt']);
    expect(await store.list('missing/')).toEqual([]);
    expect(await store.list('')).toHaveLength(4);
  });

  test('raises LandingNotFoundError for a missing key', async () => {
    const store = new FileLandingStore(root);

    await expect(store.get('nope.json')).rejects.toBeInstanceOf(
      LandingNotFoundError,
    );
    await expect(store.getBuffer('nope.json')).rejects.toThrow(
      /nope\.json not found/,
    );
    expect(await store.exists('nope.json')).toBe(false);
  });

  test('deletes objects and ignores missing ones', async () => {
    const store = new FileLandingStore(root);
    await store.put('d/x.txt', 'x');

    await store.delete('d/x.txt');
    await store.delete('d/x.txt');

    expect(await store.exists('d/x.txt')).toBe(false);
  });

  test('leaves no object when a stream fails midway', async () => {
    const store = new FileLandingStore(root);
    const failing = new Readable({
      read() {
        this.push('partial data');
        this.destroy(new Error('source failed'));
      },
    });

    await expect(store.put('f/part.gz', failing)).rejects.toThrow(
      'source failed',
    );

    expect(await store.exists('f/part.gz')).toBe(false);
    expect(await fs.readdir(path.join(root, 'f'))).toEqual([]);
  });

  test('closes the source when the file cannot open', async () => {
    const store = new FileLandingStore(root);
    const source = createReadStream(__filename);
    // Too long a name for the file system, though a valid key.
    const key = `f/${'x'.repeat(250)}`;

    await expect(store.put(key, source)).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
    });
    expect(source.destroyed).toBe(true);
    expect(await fs.readdir(path.join(root, 'f'))).toEqual([]);
  });

  test('replaces an object atomically', async () => {
    const store = new FileLandingStore(root);
    await store.put('m.json', 'old');

    await store.put('m.json', 'new');

    expect((await store.getBuffer('m.json')).toString()).toBe('new');
    expect(await store.list('')).toEqual(['m.json']);
  });

  test.each([['../escape'], ['/abs'], ['a//b'], ['a/./b'], ['']])(
    'rejects the key %j',
    async (key) => {
      const store = new FileLandingStore(root);
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(
        ConfigurationError,
      );
    },
  );
});
