import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LandingNotFoundError } from '../errors';
import { validateKey, validatePrefix } from './keys';
import type { LandingStore } from './store';

/** Suffix of an object still being written; `list` never returns one. */
const TEMP_SUFFIX = /\.tmp-[0-9a-f]{12}$/;

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * A landing store in a local directory (`file:<dir>`). Each object is
 * written to a temporary file beside its final name, flushed to disk and
 * renamed, so a crash never leaves a partial object under its final key.
 */
export class FileLandingStore implements LandingStore {
  readonly url: string;
  /** Absolute path of the store's root directory. */
  readonly root: string;

  /**
   * @param directory the root; a relative path resolves against `cwd`.
   * @param cwd @default process.cwd()
   */
  constructor(directory: string, cwd: string = process.cwd()) {
    this.url = `file:${directory}`;
    this.root = path.resolve(cwd, directory);
  }

  private pathOf(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(
    key: string,
    body: Buffer | string | Readable,
    _options?: { contentType?: string },
  ): Promise<{ bytes: number }> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;

    const sink = createWriteStream(temp);
    try {
      const source =
        body instanceof Readable ? body : Readable.from([Buffer.from(body)]);
      await pipeline(source, sink);
      const handle = await fs.open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const { size } = await fs.stat(temp);
      await fs.rename(temp, target);
      return { bytes: size };
    } catch (error) {
      // A sink destroyed while its file is opening still creates the file,
      // so the removal waits until the sink has closed.
      if (!sink.closed) {
        await new Promise<void>((resolve) =>
          sink.once('close', () => resolve()),
        );
      }
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      const handle = await fs.open(file, 'r');
      return handle.createReadStream();
    } catch (error) {
      if (isNotFound(error)) throw this.notFound(key, error);
      throw error;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (error) {
      if (isNotFound(error)) throw this.notFound(key, error);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    // Only the folder that contains the prefix can hold matching keys.
    const folder = prefix.includes('/')
      ? prefix.slice(0, prefix.lastIndexOf('/'))
      : '';
    const keys: string[] = [];
    await this.walk(folder, keys);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  private async walk(folder: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(path.join(this.root, ...folder.split('/')), {
        withFileTypes: true,
      });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const key = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await this.walk(key, keys);
      } else if (entry.isFile() && !TEMP_SUFFIX.test(entry.name)) {
        keys.push(key);
      }
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  locate(key: string): string {
    return this.pathOf(key);
  }

  private notFound(key: string, cause: unknown): LandingNotFoundError {
    return new LandingNotFoundError(
      `Landing object ${key} not found in ${this.url} (${this.pathOf(key)}).`,
      { cause },
    );
  }
}
