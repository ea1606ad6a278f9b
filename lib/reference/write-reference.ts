import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  generateReference,
  type GenerateReferenceOptions,
} from './generate-reference';

/**
 * Generates the reference and writes it to `outFile` (folders created when
 * missing). Resolves with whether the file's contents changed.
 */
export async function writeReference(
  outFile: string,
  options: GenerateReferenceOptions = {},
): Promise<{ path: string; changed: boolean }> {
  const markdown = await generateReference(options);
  const target = path.resolve(outFile);
  const previous = await readFile(target, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (previous === markdown) return { path: target, changed: false };
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, markdown, 'utf8');
  return { path: target, changed: true };
}
