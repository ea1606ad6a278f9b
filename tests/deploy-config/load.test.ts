import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  loadDeployConfig,
  parseDeployConfig,
} from '../../lib/deploy-config/load';
import { ConfigurationError } from '../../lib/errors';
import { STREAM_NAMES } from '../../lib/streams/catalog';

const cdkJson = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
) as { context: Record<string, unknown> };

const MINIMAL = { redshift: { workgroupName: 'analytics' } };

function contextOf(values: Record<string, unknown>) {
  return { tryGetContext: (key: string) => values[key] };
}

function errorOf(input: unknown): string {
  try {
    parseDeployConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected parseDeployConfig to fail');
}

describe('parseDeployConfig', () => {
  it('accepts the example in cdk.json', () => {
    const config = parseDeployConfig(cdkJson.context[CONFIG_CONTEXT_KEY]);
    expect(config.redshift.create?.workgroupName).toBe('crossbeam');
    expect(config.schedule.timeZone).toBe('Europe/Berlin');
  });

  it('fills defaults for a minimal config', () => {
    const config = parseDeployConfig(MINIMAL);
    expect(config.schedule).toEqual({
      expression: 'cron(0 6 * * ? *)',
      timeZone: 'UTC',
    });
    expect(config.streams).toEqual([...STREAM_NAMES]);
    expect(config.secret).toEqual({
      name: 'crossbeam-warehouse/crossbeam-api',
      existing: false,
    });
    expect(config.redshift.database).toBe('dev');
    expect(config.landing.encryption).toBe('kms');
    expect(config.schemas.crossbeam).toBe('crossbeam');
    expect(config.partSizeMb).toBe(64);
  });

  it('bounds the part size', () => {
    expect(parseDeployConfig({ ...MINIMAL, partSizeMb: 512 }).partSizeMb).toBe(
      512,
    );
    expect(errorOf({ ...MINIMAL, partSizeMb: 0 })).toMatch(
      /partSizeMb: .*\(received 0\)/,
    );
    expect(errorOf({ ...MINIMAL, partSizeMb: 8192 })).toMatch(
      /partSizeMb: .*4096.*\(received 8192\)/,
    );
  });

  it('keeps valid sources as given', () => {
    const sources = { crm: { preset: 'fivetran', schema: 'salesforce' } };

    const config = parseDeployConfig({ ...MINIMAL, sources });

    expect(config.sources).toEqual(sources);
  });

  it('names an invalid source setting', () => {
    expect(() =>
      parseDeployConfig({
        ...MINIMAL,
        sources: { crm: { schema: 'salesforce', style: 'fivetran' } },
      }),
    ).toThrow(/crossbeamWarehouse\.sources\.crm/);
  });

  it.each([
    ['rate(6 hours)', true],
    ['rate(1 hour)', true],
    ['rate(1 hours)', false],
    ['rate(0 days)', false],
    ['cron(0 6 * * ? *)', true],
    ['cron(0 6 * * ?)', false],
    ['every day', false],
  ])('checks the schedule expression %s', (expression, valid) => {
    const run = () =>
      parseDeployConfig({ ...MINIMAL, schedule: { expression } });
    if (valid) expect(run).not.toThrow();
    else expect(run).toThrow(/crossbeamWarehouse\.schedule\.expression/);
  });

  it('names the setting, the value and the allowed values', () => {
    const message = errorOf({
      ...MINIMAL,
      schedule: { expression: 'daily', timeZone: 'Mars/Olympus' },
      streams: ['partners', 'deals'],
      landing: { encryption: 'aes' },
    });
    expect(message).toContain(
      'crossbeamWarehouse.schedule.expression: must be rate(<n> minutes|hours|days) or cron(',
    );
    expect(message).toContain('(received "daily")');
    expect(message).toContain(
      'crossbeamWarehouse.schedule.timeZone: must be an IANA time zone',
    );
    expect(message).toMatch(
      /crossbeamWarehouse\.streams\.1: .*"partners".*"lead_signals".*\(received "deals"\)/,
    );
    expect(message).toMatch(
      /crossbeamWarehouse\.landing\.encryption: .*"kms".*"s3-managed".*\(received "aes"\)/,
    );
  });

  it('rejects an unknown top-level key', () => {
    expect(errorOf({ ...MINIMAL, schedul: {} })).toMatch(/schedul/);
  });

  it.each([
    [{}, /set exactly one of workgroupName.*found none/],
    [
      {
        workgroupName: 'a-group',
        create: { namespaceName: 'nsp', workgroupName: 'wgp' },
      },
      /found workgroupName, create/,
    ],
    [
      { clusterIdentifier: 'main' },
      /redshift\.clusterIdentifier: a cluster needs exactly one of secretArn or dbUser/,
    ],
    [
      { workgroupName: 'analytics', dbUser: 'loader' },
      /redshift\.dbUser: applies only with clusterIdentifier/,
    ],
    [
      {
        create: {
          namespaceName: 'nsp',
          workgroupName: 'wgp',
          baseCapacity: 12,
        },
      },
      /redshift\.create\.baseCapacity: must be a multiple of 8 RPUs \(received 12\)/,
    ],
  ])('checks the redshift target %#', (redshift, message) => {
    expect(errorOf({ redshift })).toMatch(message);
  });

  it('rejects an invalid log retention and e-mail', () => {
    const message = errorOf({
      ...MINIMAL,
      logRetentionDays: 10,
      alarmEmail: 'ops',
    });
    expect(message).toMatch(/logRetentionDays: must be one of 1, 3, 5, 7, 14/);
    expect(message).toMatch(/alarmEmail: .*\(received "ops"\)/);
  });

  it('bounds the extract heap by its pages and memory', () => {
    expect(errorOf({ ...MINIMAL, extractHeapMb: 100 })).toMatch(
      /extractHeapMb: must be at least 112 MB/,
    );
    expect(
      errorOf({ ...MINIMAL, requestsInFlight: 16, extractHeapMb: 112 }),
    ).toMatch(/at least 208 MB, the heap that requestsInFlight 16/);
    expect(
      parseDeployConfig({ ...MINIMAL, extractHeapMb: 112 }).extractHeapMb,
    ).toBe(112);
    expect(errorOf({ ...MINIMAL, extractHeapMb: 1024 })).toMatch(
      /extractHeapMb: .*896/,
    );
    expect(parseDeployConfig(MINIMAL).extractHeapMb).toBeUndefined();
  });
});

describe('loadDeployConfig', () => {
  let directory: string;

  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-config-'));
  });

  afterAll(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('merges the file and the context, the context winning', () => {
    fs.writeFileSync(
      path.join(directory, 'deploy.json'),
      JSON.stringify({
        ...MINIMAL,
        maxConcurrency: 4,
        alarmEmail: 'ops@example.com',
      }),
    );
    const config = loadDeployConfig(
      contextOf({
        [CONFIG_FILE_CONTEXT_KEY]: 'deploy.json',
        [CONFIG_CONTEXT_KEY]: { maxConcurrency: 1 },
      }),
      directory,
    );
    expect(config.maxConcurrency).toBe(1);
    expect(config.alarmEmail).toBe('ops@example.com');
  });

  it('parses a context value given as a JSON string', () => {
    const config = loadDeployConfig(
      contextOf({ [CONFIG_CONTEXT_KEY]: JSON.stringify(MINIMAL) }),
    );
    expect(config.redshift.workgroupName).toBe('analytics');
  });

  it('says where settings go when there are none', () => {
    expect(() => loadDeployConfig(contextOf({}))).toThrow(
      /No deployment settings found: set the context key crossbeamWarehouse/,
    );
  });

  it('names a missing settings file', () => {
    expect(() =>
      loadDeployConfig(
        contextOf({ [CONFIG_FILE_CONTEXT_KEY]: 'missing.json' }),
        directory,
      ),
    ).toThrow(
      /missing\.json \(context crossbeamWarehouseConfigFile\) could not be read/,
    );
  });
});
