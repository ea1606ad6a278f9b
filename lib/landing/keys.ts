import { ConfigurationError } from '../errors';

/**
 * Raises unless `key` is a relative, `/`-separated path without empty, `.`
 * or `..` segments, so that no key can leave the store's root.
 */
export function validateKey(key: string): void {
  const segments = key.split('/');
  const invalid =
    key.length === 0 ||
    key.includes('\\') ||
    key.includes('\u0000') ||
    segments.some(
      (segment) => segment === '' || segment === '.' || segment === '..',
    );
  if (invalid) {
    throw new ConfigurationError(
      `Invalid landing key ${JSON.stringify(key)}: expected a relative path such as accounts/<run id>/manifest.json, without empty, "." or ".." segments.`,
    );
  }
}

/** Raises unless `prefix` is empty or a key, optionally ending in `/`. */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
