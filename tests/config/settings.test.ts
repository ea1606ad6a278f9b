import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  crossbeamCredentials,
  DEFAULT_LANDING,
  DEFAULT_WAREHOUSE,
  loadSettings,
} from '../../lib/config/settings';
import { ConfigurationError } from '../../lib/errors';

const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'settings-'));

describe('loadSettings', () => {
  it('applies defaults when nothing is set', () => {
    const settings = loadSettings({ env: {}, cwd: emptyDir() });

    expect(settings.apiUrl).toBe('https://api.crossbeam.com');
    expect(settings.authUrl).toBe('https://auth.crossbeam.com');
    expect(settings.warehouse).toBe(DEFAULT_WAREHOUSE);
    expect(settings.landing).toBe(DEFAULT_LANDING);
    expect(settings.schemas.crossbeam).toBe('crossbeam');
    expect(settings.streams).toContain('account_overlaps');
  });

  it('prefers flags over environment over file', () => {
    const cwd = emptyDir();
    writeFileSync(
      path.join(cwd, 'crossbeam-warehouse.config.json'),
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:1/file',
        organization: 'from-file',
        landing: 'file:from-file',
      }),
    );

    const settings = loadSettings({
      cwd,
      env: {
        CROSSBEAM_API_URL: 'http://127.0.0.1:1/env',
        CROSSBEAM_ORGANIZATION: 'from-env',
      },
      flags: { apiUrl: 'http://127.0.0.1:1/flag' },
    });

    expect(settings.apiUrl).toBe('http://127.0.0.1:1/flag');
    expect(settings.organization).toBe('from-env');
    expect(settings.landing).toBe('file:from-file');
  });

  it('reports every invalid setting at once', () => {
    const error = (() => {
      try {
        loadSettings({
          cwd: emptyDir(),
          env: {
            CROSSBEAM_API_URL: 'not a url',
            CROSSBEAM_WAREHOUSE: 'mysql://db',
          },
          flags: { schemas: { crossbeam: 'Bad-Name' } },
        });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected loadSettings to throw');
    })();

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('apiUrl (CROSSBEAM_API_URL)');
    expect(error.message).toContain('"not a url"');
    expect(error.message).toContain('warehouse (CROSSBEAM_WAREHOUSE)');
    expect(error.message).toContain('schemas.crossbeam');
    expect(error.message).toContain('(received "Bad-Name")');
  });

  it('rejects credentials in the API URLs', () => {
    let message = '';
    try {
      loadSettings({
        cwd: emptyDir(),
        env: { CROSSBEAM_API_URL: 'http://user:pw-in-url@127.0.0.1:1/' },
        flags: { authUrl: 'https://:token-in-url@auth.example' },
      });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain(
      'apiUrl (CROSSBEAM_API_URL): must not contain a user name or password',
    );
    expect(message).toContain('authUrl (--auth-url): must not contain');
    expect(message).toContain('(received "http://user@127.0.0.1:1/")');
    expect(message).not.toContain('pw-in-url');
    expect(message).not.toContain('token-in-url');
  });

  it('never echoes a secret in an error', () => {
    expect(() =>
      loadSettings({
        cwd: emptyDir(),
        env: {},
        flags: { accessToken: 42 as unknown as string },
      }),
    ).toThrow(/accessToken \(CROSSBEAM_ACCESS_TOKEN\)(?!.*42)/);
  });

  it('names unknown settings with the closest name', () => {
    const cwd = emptyDir();
    writeFileSync(
      path.join(cwd, 'team.json'),
      JSON.stringify({
        concurency: 8,
        schemas: { crosbeam: 'partners' },
        colour: 'blue',
      }),
    );

    let message = '';
    try {
      loadSettings({ cwd, env: {}, configFile: 'team.json' });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain(
      'concurency: unknown setting. Did you mean concurrency?',
    );
    expect(message).toContain(
      'schemas.crosbeam: unknown setting. Did you mean schemas.crossbeam?',
    );
    expect(message).toContain('colour: unknown setting. Remove it');
    expect(message).toContain(
      `Fix them in flags, environment variables or ${path.join(cwd, 'team.json')}.`,
    );
  });

  it('reads the part size from the config file', () => {
    const cwd = emptyDir();
    writeFileSync(
      path.join(cwd, 'crossbeam-warehouse.config.json'),
      JSON.stringify({ partSizeMb: 256 }),
    );

    expect(loadSettings({ cwd, env: {} }).partSizeMb).toBe(256);
    expect(loadSettings({ cwd: emptyDir(), env: {} }).partSizeMb).toBe(64);
  });

  it('names an invalid part size and its limits', () => {
    const attempt = (partSizeMb: number) => () =>
      loadSettings({ cwd: emptyDir(), env: {}, flags: { partSizeMb } });

    expect(attempt(0)).toThrow(/partSizeMb: must be at least 1 \(received 0\)/);
    expect(attempt(5000)).toThrow(
      /partSizeMb: must be at most 4096 \(received 5000\)/,
    );
    expect(attempt(1.5)).toThrow(
      /partSizeMb: must be a whole number \(received 1\.5\)/,
    );
  });

  it('words a number out of range plainly', () => {
    expect(() =>
      loadSettings({
        cwd: emptyDir(),
        env: {},
        flags: { maxRejectShare: 5, concurrency: 2.5, requestTimeoutMs: 0 },
      }),
    ).toThrow(
      /maxRejectShare: must be at most 1 \(received 5\)\n.*concurrency: must be a whole number \(received 2\.5\)\n.*requestTimeoutMs: must be more than 0 \(received 0\)/,
    );
  });

  it('reports sources problems with the rest', () => {
    const cwd = emptyDir();
    writeFileSync(
      path.join(cwd, 'team.json'),
      JSON.stringify({
        concurency: 8,
        sources: { crm: { preset: 'fivetrann', schema: 'sf' }, bsis: 'now' },
      }),
    );
    const messageOf = (checkSources: boolean) => {
      try {
        loadSettings({ cwd, env: {}, configFile: 'team.json', checkSources });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };

    const withSources = messageOf(true);
    const withoutSources = messageOf(false);

    expect(withSources).toContain(
      '  - concurency: unknown setting. Did you mean concurrency?',
    );
    expect(withSources).toContain(
      '  - sources.crm.preset: must be one of "fivetran", "stitch", "custom" (received "fivetrann")',
    );
    expect(withSources).toContain(
      '  - sources.bsis: unknown setting. Did you mean sources.basis?',
    );
    expect(withoutSources).toContain('concurency: unknown setting.');
    expect(withoutSources).not.toContain('sources.');
  });

  it.each([
    ['[]', 'contains a list'],
    ['null', 'contains null'],
    ['"hello"', 'contains a string'],
  ])('rejects a config file of %s', (text, found) => {
    const cwd = emptyDir();
    writeFileSync(path.join(cwd, 'crossbeam-warehouse.config.json'), text);

    expect(() => loadSettings({ cwd, env: {} })).toThrow(
      `${found}, but it must contain one JSON object of settings`,
    );
  });

  it('words wrong types and empty values plainly', () => {
    let message = '';
    try {
      loadSettings({
        cwd: emptyDir(),
        env: {},
        flags: {
          partSizeMb: '64' as unknown as number,
          organization: '',
          splitOverlapsByPartner: 'yes' as unknown as boolean,
          streams: [],
        },
      });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('partSizeMb: must be a number (received "64")');
    expect(message).toContain(
      'organization (--organization): must not be empty',
    );
    expect(message).toContain(
      'splitOverlapsByPartner: must be true or false (JSON booleans, without quotes) or "auto" (received "yes")',
    );
    expect(message).toContain(
      'streams (--streams): must not be empty (received [])',
    );
    expect(message).not.toContain('Invalid input');
  });

  it('names where an invalid value came from', () => {
    const messageFor = (options: Parameters<typeof loadSettings>[0]) => {
      try {
        loadSettings({ cwd: emptyDir(), env: {}, ...options });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('loadSettings accepted an invalid warehouse');
    };

    expect(messageFor({ flags: { warehouse: 'mysql://x' } })).toContain(
      '- warehouse (--warehouse): must start with',
    );
    expect(messageFor({ env: { CROSSBEAM_WAREHOUSE: 'mysql://x' } })).toContain(
      '- warehouse (CROSSBEAM_WAREHOUSE): must start with',
    );
    expect(messageFor({ flags: { apiUrl: 'not a url' } })).toContain(
      '- apiUrl (--api-url):',
    );

    const cwd = emptyDir();
    writeFileSync(
      path.join(cwd, 'crossbeam-warehouse.config.json'),
      JSON.stringify({ warehouse: 'mysql://x' }),
    );
    expect(messageFor({ cwd })).toContain('- warehouse: must start with');
  });

  it('rejects a missing explicit config file', () => {
    expect(() =>
      loadSettings({ cwd: emptyDir(), env: {}, configFile: 'missing.json' }),
    ).toThrow(/missing\.json was not found/);
  });
});

describe('crossbeamCredentials', () => {
  const base = () => loadSettings({ cwd: emptyDir(), env: {} });

  it('returns a ready access token first', () => {
    expect(crossbeamCredentials({ ...base(), accessToken: 'abc' })).toEqual({
      accessToken: 'abc',
    });
  });

  it('names each missing refresh-flow variable', () => {
    expect(() => crossbeamCredentials({ ...base(), clientId: 'id' })).toThrow(
      /CROSSBEAM_CLIENT_SECRET, CROSSBEAM_REFRESH_TOKEN/,
    );
  });
});
