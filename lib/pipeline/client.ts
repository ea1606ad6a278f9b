import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crossbeamCredentials, type Settings } from '../config/settings';
import {
  createCrossbeamClient,
  type CrossbeamClient,
  type CrossbeamCredentials,
} from '../crossbeam/client';
import { ConfigurationError } from '../errors';
import type { Logger } from '../log';

/**
 * The refresh token the identity provider handed back last, kept in the
 * state folder because the one in the environment stops working once it has
 * been traded. `source` is a hash of the environment's token, so a newly
 * issued token in the environment takes precedence over the saved chain.
 */
interface SavedRefreshToken {
  client_id: string;
  source: string;
  refresh_token: string;
  saved_at: string;
}

const sha256 = (text: string) =>
  createHash('sha256').update(text).digest('hex');

function tokenFile(settings: Settings): string {
  return path.resolve(settings.stateDir, 'refresh-token.json');
}

function readSavedToken(file: string): SavedRefreshToken | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SavedRefreshToken;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigurationError(
      `Saved refresh token ${file} is unreadable: ${(error as Error).message}. Delete the file to start again from CROSSBEAM_REFRESH_TOKEN.`,
      { cause: error },
    );
  }
}

function writeSavedToken(file: string, token: SavedRefreshToken): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(token, null, 2), { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Creates the Crossbeam client the settings describe. With the refresh flow,
 * the newest refresh token is saved (mode 0600) in the state folder when
 * `persistRefreshToken` is set, and used on the next run.
 */
export function createClientForSettings(
  settings: Settings,
  logger: Logger,
  options: { persistRefreshToken?: boolean } = {},
): CrossbeamClient {
  if (!settings.organization) {
    throw new ConfigurationError(
      'Missing organization: set CROSSBEAM_ORGANIZATION (or --organization) to the uuid of your Crossbeam organization. GET /v1/users/me lists the organizations your token may act for.',
    );
  }

  let credentials: CrossbeamCredentials = crossbeamCredentials(settings);
  let onRefreshToken: ((token: string) => void) | undefined;

  if ('refreshToken' in credentials && options.persistRefreshToken) {
    const file = tokenFile(settings);
    const source = sha256(credentials.refreshToken);
    const saved = readSavedToken(file);
    if (
      saved &&
      saved.client_id === credentials.clientId &&
      saved.source === source
    ) {
      credentials = { ...credentials, refreshToken: saved.refresh_token };
    }
    const clientId = credentials.clientId;
    onRefreshToken = (token) => {
      writeSavedToken(file, {
        client_id: clientId,
        source,
        refresh_token: token,
        saved_at: new Date().toISOString(),
      });
    };
  }

  return createCrossbeamClient({
    apiUrl: settings.apiUrl,
    authUrl: settings.authUrl,
    organization: settings.organization,
    credentials,
    onRefreshToken,
    timeoutMs: settings.requestTimeoutMs,
    maxAttempts: settings.retry.maxAttempts,
    baseDelayMs: settings.retry.baseDelayMs,
    maxDelayMs: settings.retry.maxDelayMs,
    maxRetryTimeMs: settings.retry.maxRetryTimeMs,
    logger,
  });
}
