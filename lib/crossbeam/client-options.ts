import { ConfigurationError } from '../errors';
import type { CrossbeamCredentials } from './auth';

/** Parses an http(s) URL option, naming `variable` in the error. */
export function requireHttpUrl(
  value: string,
  option: string,
  variable: string,
): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigurationError(
      `Invalid ${option} ${JSON.stringify(value)}: expected an absolute http(s) URL such as https://api.crossbeam.com. Set ${variable}.`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigurationError(
      `Invalid ${option} ${JSON.stringify(value)}: the protocol must be https: or http:. Set ${variable}.`,
    );
  }
  return parsed;
}

/** Raises unless every credential of the chosen flow is set. */
export function validateCredentials(credentials: CrossbeamCredentials): void {
  if ('accessToken' in credentials) {
    if (!credentials.accessToken) {
      throw new ConfigurationError(
        'The Crossbeam access token is empty. Set CROSSBEAM_ACCESS_TOKEN, or use the refresh flow.',
      );
    }
    return;
  }
  const missing = (
    [
      ['clientId', 'CROSSBEAM_CLIENT_ID'],
      ['clientSecret', 'CROSSBEAM_CLIENT_SECRET'],
      ['refreshToken', 'CROSSBEAM_REFRESH_TOKEN'],
    ] as const
  ).filter(([key]) => !credentials[key]);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `Missing Crossbeam credentials: ${missing.map(([, variable]) => variable).join(', ')}. Set all of CROSSBEAM_CLIENT_ID, CROSSBEAM_CLIENT_SECRET and CROSSBEAM_REFRESH_TOKEN, or CROSSBEAM_ACCESS_TOKEN instead.`,
    );
  }
}
