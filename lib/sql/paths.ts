import { existsSync } from 'node:fs';
import path from 'node:path';

let cachedSqlDir: string | undefined;

/**
 * Returns the project's `sql` folder, found by walking up from this file, so
 * that it resolves the same from `lib/sql` under ts-jest and from
 * `dist/lib/sql` after a build.
 */
export function sqlDir(): string {
  if (cachedSqlDir) return cachedSqlDir;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'sql', 'migrations');
    if (existsSync(candidate)) {
      cachedSqlDir = path.join(dir, 'sql');
      return cachedSqlDir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `The sql/migrations folder was not found above ${__dirname}: reinstall the package.`,
      );
    }
    dir = parent;
  }
}

export function migrationsDir(): string {
  return path.join(sqlDir(), 'migrations');
}

export function modelsDir(): string {
  return path.join(sqlDir(), 'models');
}
