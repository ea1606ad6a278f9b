import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../errors';
import { redactUrl } from '../redact-url';
import { FileLandingStore } from './file-store';
import { S3LandingStore, type S3LandingStoreOptions } from './s3-store';
import type { LandingStore } from './store';

export interface OpenLandingStoreOptions {
  /** Base for a relative `file:` directory. @default process.cwd() */
  readonly cwd?: string;
  /** Connection options for `s3://` stores (endpoint, credentials, …). */
  readonly s3?: Omit<S3LandingStoreOptions, 'bucket' | 'prefix'>;
}

const ACCEPTED_FORMS =
  'file:<dir> (for example file:.crossbeam/landing) or s3://bucket/prefix';

/** S3 bucket naming rules: 3 to 63 lower-case letters, digits, `.` and `-`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function invalid(url: string, problem: string): ConfigurationError {
  return new ConfigurationError(
    `Invalid landing store ${JSON.stringify(redactUrl(url))}: ${problem}. Set CROSSBEAM_LANDING to ${ACCEPTED_FORMS}.`,
  );
}

/**
 * Opens the landing store that `url` names: `file:<dir>` (a relative
 * directory resolves against `cwd`; `file:///abs/dir` also works) or
 * `s3://bucket/prefix`. Raises `ConfigurationError` for anything else.
 */
export function openLandingStore(
  url: string,
  options: OpenLandingStoreOptions = {},
): LandingStore {
  const value = url.trim();

  if (value.startsWith('file:')) {
    let directory: string;
    try {
      directory = value.startsWith('file://')
        ? fileURLToPath(value)
        : value.slice('file:'.length);
    } catch (error) {
      throw invalid(
        url,
        `the file URL is not valid (${(error as Error).message})`,
      );
    }
    if (directory === '') throw invalid(url, 'the directory is missing');
    return new FileLandingStore(directory, options.cwd);
  }

  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix =
      slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    if (bucket.includes('@')) {
      throw invalid(
        url,
        'it contains credentials; the S3 store takes them from the AWS environment variables, profile or role instead',
      );
    }
    if (!BUCKET_NAME.test(bucket)) {
      throw invalid(
        url,
        `${JSON.stringify(bucket)} is not a valid S3 bucket name (3 to 63 lower-case letters, digits, "." or "-")`,
      );
    }
    if (
      prefix.split('/').some((segment) => segment === '' || segment === '..') &&
      prefix !== ''
    ) {
      throw invalid(url, 'the prefix has an empty or ".." segment');
    }
    return new S3LandingStore({ ...options.s3, bucket, prefix });
  }

  throw invalid(url, 'the scheme is not supported');
}
