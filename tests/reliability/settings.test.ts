import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './harness';

const GOOD_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  CROSSBEAM_API_URL: 'http://127.0.0.1:9',
  CROSSBEAM_AUTH_URL: 'http://127.0.0.1:9',
  CROSSBEAM_ORGANIZATION: '3f1c7d2e-0000-4000-8000-000000000001',
  CROSSBEAM_CLIENT_ID: 'client-id',
  CROSSBEAM_CLIENT_SECRET: 'client-secret-value-7d41',
  CROSSBEAM_REFRESH_TOKEN: 'refresh-token-value-9b22',
};

interface Case {
  name: string;
  env?: Record<string, string | undefined>;
  config?: unknown;
  /** Texts stderr must contain: the setting and what to change. */
  expected: string[];
}

const CASES: Case[] = [
  {
    name: 'an API URL that is not a URL',
    env: { CROSSBEAM_API_URL: 'api.crossbeam.com' },
    expected: ['apiUrl (CROSSBEAM_API_URL)', '"api.crossbeam.com"'],
  },
  {
    name: 'an auth URL with another protocol',
    env: { CROSSBEAM_AUTH_URL: 'ftp://auth.example' },
    expected: [
      'authUrl (CROSSBEAM_AUTH_URL): must start with http:// or https://',
    ],
  },
  {
    name: 'a missing client secret',
    env: { CROSSBEAM_CLIENT_SECRET: undefined },
    expected: ['Missing Crossbeam credentials: CROSSBEAM_CLIENT_SECRET'],
  },
  {
    name: 'a missing organization',
    env: { CROSSBEAM_ORGANIZATION: undefined },
    expected: ['Missing organization: set CROSSBEAM_ORGANIZATION'],
  },
  {
    name: 'an unknown warehouse scheme',
    env: { CROSSBEAM_WAREHOUSE: 'mysql://db.example/crossbeam' },
    expected: [
      'warehouse (CROSSBEAM_WAREHOUSE): must start with pglite:',
      '"mysql://db.example/crossbeam"',
    ],
  },
  {
    name: 'an unknown landing scheme',
    env: { CROSSBEAM_LANDING: 'gs://bucket/prefix' },
    expected: ['landing (CROSSBEAM_LANDING): must be file:<dir>'],
  },
  {
    name: 'a schema name that is not a safe SQL name',
    config: { schemas: { crossbeam: 'crossbeam; drop table users' } },
    expected: ['schemas.crossbeam: must be a lower-case SQL name'],
  },
  {
    name: 'a negative retry delay',
    config: { retry: { baseDelayMs: -5 } },
    expected: ['retry.baseDelayMs'],
  },
  {
    name: 'a reject share above one',
    config: { maxRejectShare: 5 },
    expected: ['maxRejectShare'],
  },
];

/**
 * Bad settings through the compiled CLI: each fails with exit code 1 and a
 * message naming the setting, before any warehouse or landing folder is
 * created, and without printing a secret.
 */
jest.setTimeout(180_000);

describe('bad settings', () => {
  it.each(CASES.map((entry) => [entry.name, entry] as const))(
    'rejects %s before anything runs',
    async (_name, entry) => {
      const cwd = tempDir('settings');
      const env: Record<string, string> = { ...GOOD_ENV };
      for (const [name, value] of Object.entries(entry.env ?? {})) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
      if (entry.config !== undefined) {
        writeFileSync(
          path.join(cwd, 'crossbeam-warehouse.config.json'),
          JSON.stringify(entry.config),
        );
      }

      const result = await runCli(cwd, env, ['run']);

      expect(result.code).toBe(1);
      for (const text of entry.expected) expect(result.stderr).toContain(text);
      expect(result.stderr).not.toContain(GOOD_ENV.CROSSBEAM_CLIENT_SECRET);
      expect(result.stderr).not.toContain(GOOD_ENV.CROSSBEAM_REFRESH_TOKEN);
      expect(existsSync(path.join(cwd, '.crossbeam'))).toBe(false);
      expect(readdirSync(cwd).sort()).toEqual(
        entry.config === undefined ? [] : ['crossbeam-warehouse.config.json'],
      );
    },
  );

  it('fails clearly when the API host does not answer', async () => {
    const cwd = tempDir('settings-unreachable');
    writeFileSync(
      path.join(cwd, 'crossbeam-warehouse.config.json'),
      JSON.stringify({
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
        requestTimeoutMs: 500,
      }),
    );

    const result = await runCli(
      cwd,
      { ...GOOD_ENV, CROSSBEAM_ACCESS_TOKEN: 'access-token-value-31c8' },
      ['sync', '--streams', 'partners'],
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Extract failed for 1 of 1 streams');
    expect(result.stderr).toContain('http://127.0.0.1:9/v1/partners');
    expect(result.stderr).toContain('failed after 2 attempts');
    expect(result.stderr).not.toContain('access-token-value-31c8');
  });
});
