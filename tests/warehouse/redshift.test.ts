import {
  ActiveStatementsExceededException,
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  ValidationException,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { redactUrl } from '../../lib/redact-url';
import { ConfigurationError, WarehouseError } from '../../lib/errors';
import type { LandingStore } from '../../lib/landing/store';
import {
  RedshiftWarehouse,
  buildCopySql,
  parseRedshiftUrl,
} from '../../lib/warehouse/redshift';

const ROLE = 'arn:aws:iam::123456789012:role/crossbeam-copy';
const SERVERLESS_URL = `redshift://workgroup/analytics/dev?iam_role=${ROLE}`;

const redshift = mockClient(RedshiftDataClient);

/** Returns a fake clock that sleeping advances, so timeouts pass instantly. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function newWarehouse(url = SERVERLESS_URL, timeoutMs = 60_000) {
  const time = fakeTime();
  const warehouse = new RedshiftWarehouse(url, {
    client: new RedshiftDataClient({ region: 'us-east-1' }),
    timing: { statementTimeoutMs: timeoutMs },
    sleep: time.sleep,
    now: time.now,
  });
  return { warehouse, time };
}

function landedAt(manifestUri: string) {
  const store: LandingStore = {
    url: 's3://landing/crossbeam',
    put: async () => ({ bytes: 0 }),
    get: async () => Readable.from([]),
    getBuffer: async () => Buffer.alloc(0),
    exists: async () => true,
    list: async () => [],
    delete: async () => undefined,
    locate: (key) => (manifestUri.startsWith('s3://') ? manifestUri : key),
  };
  return { store, parts: ['part-00000.ndjson.gz'], copyManifest: 'copy.json' };
}

beforeEach(() => {
  redshift.reset();
});

describe('parseRedshiftUrl', () => {
  it('parses a Serverless workgroup with options', () => {
    expect(
      parseRedshiftUrl(
        `redshift://workgroup/analytics/dev?iam_role=${ROLE}&region=eu-west-1`,
      ),
    ).toEqual({
      kind: 'serverless',
      workgroupName: 'analytics',
      database: 'dev',
      iamRole: ROLE,
      region: 'eu-west-1',
    });
  });

  it('parses a cluster with a secret', () => {
    const secret =
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf';
    expect(
      parseRedshiftUrl(
        `redshift://cluster/main-cluster/dev?secret_arn=${secret}`,
      ),
    ).toEqual({
      kind: 'provisioned',
      clusterIdentifier: 'main-cluster',
      database: 'dev',
      secretArn: secret,
    });
  });

  it('parses a cluster with a database user', () => {
    expect(
      parseRedshiftUrl('redshift://cluster/main/dev?db_user=loader'),
    ).toEqual({
      kind: 'provisioned',
      clusterIdentifier: 'main',
      database: 'dev',
      dbUser: 'loader',
    });
  });

  it.each([
    ['postgres://host/dev', /scheme is postgres:/],
    ['redshift://warehouse/a/dev', /instead of workgroup or cluster/],
    ['redshift://workgroup/analytics', /needs a workgroup name and a database/],
    ['redshift://cluster/main/dev', /exactly one of secret_arn or db_user/],
    [
      'redshift://cluster/main/dev?db_user=a&secret_arn=arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
      /exactly one of secret_arn or db_user/,
    ],
    ['redshift://workgroup/a/dev?db_user=x', /db_user applies only/],
    [
      'redshift://workgroup/a/dev?password=x',
      /query key "password" is unknown/,
    ],
    [
      'redshift://workgroup/a/dev?iam_role=admin',
      /iam_role must be an IAM role ARN/,
    ],
    ['redshift://workgroup/a/dev?region=mars', /region must be an AWS region/],
    ['redshift://user:pw@workgroup/a/dev', /contains credentials/],
    ['redshift://workgroup/Bad_Name/dev', /lower-case letters, digits/],
  ])('rejects %s', (url, message) => {
    const parse = () => parseRedshiftUrl(url);
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(redactUrl(url));
    expect(parse).toThrow('redshift://workgroup/<workgroup name>/<database>');
  });

  it('names a URL without its password', () => {
    const parse = () =>
      parseRedshiftUrl('redshift://user:pw-secret@workgroup/a/dev?password=x');
    expect(parse).toThrow('"redshift://user@workgroup/a/dev"');
    expect(parse).not.toThrow(/pw-secret|password=x/);
  });
});

describe('RedshiftWarehouse.query', () => {
  it('polls until finished and reads every page', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q1' });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 'q1', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 'q1', Status: 'STARTED' })
      .resolves({ Id: 'q1', Status: 'FINISHED', HasResultSet: true });
    const columns = [
      { name: 'id', typeName: 'int8' },
      { name: 'name', typeName: 'varchar' },
      { name: 'amount', typeName: 'numeric' },
      { name: 'is_won', typeName: 'bool' },
      { name: 'share', typeName: 'float8' },
    ];
    redshift
      .on(GetStatementResultCommand, { Id: 'q1', NextToken: undefined })
      .resolves({
        ColumnMetadata: columns,
        Records: [
          [
            { longValue: 9007199254740991 },
            { stringValue: 'Northwind' },
            { stringValue: '12345678901234567890.12' },
            { booleanValue: true },
            { doubleValue: 0.25 },
          ],
        ],
        NextToken: 'page-2',
      });
    redshift
      .on(GetStatementResultCommand, { Id: 'q1', NextToken: 'page-2' })
      .resolves({
        ColumnMetadata: columns,
        Records: [
          [
            { longValue: 2 },
            { isNull: true },
            { isNull: true },
            { booleanValue: false },
            { doubleValue: 1.5 },
          ],
        ],
      });
    const { warehouse, time } = newWarehouse();

    const rows = await warehouse.query('select * from t');

    expect(rows).toEqual([
      {
        id: 9007199254740991,
        name: 'Northwind',
        amount: '12345678901234567890.12',
        is_won: true,
        share: 0.25,
      },
      { id: 2, name: null, amount: null, is_won: false, share: 1.5 },
    ]);
    expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(2);
    expect(time.sleeps).toEqual([200, 400]);
    const submitted = redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0]
      .input;
    expect(submitted).toEqual({
      Database: 'dev',
      WorkgroupName: 'analytics',
      Sql: 'select * from t',
    });
  });

  it('returns no rows for a statement without a result set', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q2' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q2', Status: 'FINISHED', HasResultSet: false });
    const { warehouse } = newWarehouse();
    await expect(warehouse.query('create table t (a int)')).resolves.toEqual(
      [],
    );
    expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(0);
  });

  it('rejects an int8 beyond 2^53 instead of rounding it', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q3' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q3', Status: 'FINISHED', HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'big', typeName: 'int8' }],
      Records: [[{ longValue: 2 ** 60 }]],
    });
    const { warehouse } = newWarehouse();
    const run = warehouse.query('select big from t');
    await expect(run).rejects.toThrow(WarehouseError);
    await expect(run).rejects.toThrow(
      /Column big \(int8\).*Cast the column to varchar/,
    );
  });

  it('passes the cluster and secret on each statement', async () => {
    const secret =
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf';
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q4' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q4', Status: 'FINISHED' });
    const { warehouse } = newWarehouse(
      `redshift://cluster/main/dev?secret_arn=${secret}`,
    );
    await warehouse.query('select 1');
    expect(
      redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input,
    ).toEqual({
      Database: 'dev',
      ClusterIdentifier: 'main',
      SecretArn: secret,
      Sql: 'select 1',
    });
  });

  it('raises the database error of a failed statement', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q5' });
    redshift.on(DescribeStatementCommand).resolves({
      Id: 'q5',
      Status: 'FAILED',
      Error: 'ERROR: relation "crossbeam.nope" does not exist',
    });
    const { warehouse } = newWarehouse();
    const run = warehouse.query('select * from crossbeam.nope');
    await expect(run).rejects.toThrow(WarehouseError);
    await expect(run).rejects.toThrow(
      /q5 failed: ERROR: relation "crossbeam.nope" does not exist.*select \* from crossbeam.nope/,
    );
  });

  it('raises on an aborted statement', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q6' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q6', Status: 'ABORTED' });
    const { warehouse } = newWarehouse();
    await expect(warehouse.query('select 1')).rejects.toThrow(
      /q6 was aborted before it finished/,
    );
  });

  it('cancels a statement that never finishes', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'q7' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q7', Status: 'STARTED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    const { warehouse, time } = newWarehouse(SERVERLESS_URL, 30_000);

    await expect(warehouse.query('select pg_sleep(100)')).rejects.toThrow(
      /q7 did not finish within 30 s.*so it was cancelled/,
    );
    expect(redshift.commandCalls(CancelStatementCommand)).toHaveLength(1);
    expect(
      redshift.commandCalls(CancelStatementCommand)[0]!.args[0].input,
    ).toEqual({
      Id: 'q7',
    });
    expect(time.now()).toBeLessThanOrEqual(30_000);
    expect(Math.max(...time.sleeps)).toBe(5_000);
  });

  it('retries throttled submissions with backoff', async () => {
    redshift
      .on(ExecuteStatementCommand)
      .rejectsOnce(
        new ActiveStatementsExceededException({
          message: 'too many active statements',
          $metadata: {},
        }),
      )
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
        }),
      )
      .resolves({ Id: 'q8' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'q8', Status: 'FINISHED' });
    const { warehouse, time } = newWarehouse();

    await expect(warehouse.query('select 1')).resolves.toEqual([]);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(3);
    expect(time.sleeps).toHaveLength(2);
    expect(time.sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(time.sleeps[1]).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after the retry bound', async () => {
    redshift.on(ExecuteStatementCommand).rejects(
      new ActiveStatementsExceededException({
        message: 'busy',
        $metadata: {},
      }),
    );
    const { warehouse } = newWarehouse();
    await expect(warehouse.query('select 1')).rejects.toThrow(
      /still throttled \(ActiveStatementsExceededException\) after 8 attempts/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(8);
  });

  it('does not retry a validation error', async () => {
    redshift
      .on(ExecuteStatementCommand)
      .rejects(
        new ValidationException({ message: 'bad workgroup', $metadata: {} }),
      );
    const { warehouse } = newWarehouse();
    await expect(warehouse.query('select 1')).rejects.toThrow(
      /ExecuteStatement failed: bad workgroup/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('rejects a statement over the size limit before submitting', async () => {
    const { warehouse } = newWarehouse();
    const sql = `select '${'x'.repeat(100_001)}'`;
    await expect(warehouse.query(sql)).rejects.toThrow(
      /more than the Data API limit of 100000 bytes/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});

describe('RedshiftWarehouse.executeBatch', () => {
  it('submits one BatchExecuteStatement', async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'b1', Status: 'FINISHED' });
    const { warehouse } = newWarehouse();
    await warehouse.executeBatch(['delete from a', 'insert into a select 1']);
    const calls = redshift.commandCalls(BatchExecuteStatementCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.Sqls).toEqual([
      'delete from a',
      'insert into a select 1',
    ]);
  });

  it('names the failing sub-statement', async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'b2' });
    redshift.on(DescribeStatementCommand).resolves({
      Id: 'b2',
      Status: 'FAILED',
      Error: 'batch failed',
      SubStatements: [
        { Id: 'b2:1', Status: 'FINISHED' },
        {
          Id: 'b2:2',
          Status: 'FAILED',
          Error: 'ERROR: column "x" does not exist',
          QueryString: 'update a set x = 1',
        },
        { Id: 'b2:3', Status: 'ABORTED' },
      ],
    });
    const { warehouse } = newWarehouse();
    const run = warehouse.executeBatch([
      'delete from a',
      'update a set x = 1',
      'insert into a select 1',
    ]);
    await expect(run).rejects.toThrow(
      /failed at statement 2 of 3, so the whole batch was rolled back: ERROR: column "x" does not exist\. Statement 2: update a set x = 1/,
    );
  });

  it('rejects a batch over the statement count limit', async () => {
    const { warehouse } = newWarehouse();
    const sqls = Array.from({ length: 41 }, (_, index) => `select ${index}`);
    await expect(warehouse.executeBatch(sqls)).rejects.toThrow(
      /41 statements exceeds the Data API limit of 40.*all-or-nothing/,
    );
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it('rejects a batch whose statement is too long', async () => {
    const { warehouse } = newWarehouse();
    const run = warehouse.executeBatch(['select 1', 'x'.repeat(100_001)]);
    await expect(run).rejects.toThrow(
      /Statement 2 of 2 in the batch is 100001 bytes/,
    );
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});

describe('RedshiftWarehouse.copyFromLanding', () => {
  const table = {
    schema: 'crossbeam_staging',
    name: 'overlaps_r1',
    columns: ['crossbeam_record_id', 'user'],
  };
  const manifest =
    's3://landing/crossbeam/account_overlaps/r1/overlaps/copy-manifest.json';

  it('builds the COPY statement', () => {
    expect(buildCopySql(table, manifest, ROLE)).toBe(
      `copy "crossbeam_staging"."overlaps_r1" ("crossbeam_record_id", "user") from '${manifest}' iam_role '${ROLE}' format json 'auto' gzip manifest timeformat 'auto'`,
    );
  });

  it('rejects a bad identifier', () => {
    expect(() =>
      buildCopySql({ ...table, name: 'x; drop table y' }, manifest, ROLE),
    ).toThrow(/"x; drop table y" is not a valid lower-case SQL identifier/);
  });

  it('rejects a landing store outside S3', async () => {
    const { warehouse } = newWarehouse();
    await expect(
      warehouse.copyFromLanding(table, landedAt('/tmp/landing/copy.json')),
    ).rejects.toThrow(/COPY reads only from S3.*s3:\/\/bucket\/prefix/);
  });

  it('requires an iam_role', async () => {
    const { warehouse } = newWarehouse('redshift://workgroup/analytics/dev');
    await expect(
      warehouse.copyFromLanding(table, landedAt(manifest)),
    ).rejects.toThrow(/has no iam_role.*Add \?iam_role=<role arn>/);
  });

  it('returns the copied row count', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'c1' });
    redshift
      .on(DescribeStatementCommand)
      .resolves({ Id: 'c1', Status: 'FINISHED', ResultRows: 42 });
    const { warehouse } = newWarehouse();
    await expect(
      warehouse.copyFromLanding(table, landedAt(manifest)),
    ).resolves.toBe(42);
    expect(
      redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input.Sql,
    ).toBe(buildCopySql(table, manifest, ROLE));
  });

  it('quotes sys_load_error_detail on failure', async () => {
    redshift
      .on(ExecuteStatementCommand)
      .resolvesOnce({ Id: 'c2' })
      .resolves({ Id: 'c3' });
    redshift.on(DescribeStatementCommand, { Id: 'c2' }).resolves({
      Id: 'c2',
      Status: 'FAILED',
      Error:
        "Load into table 'overlaps_r1' failed. Check 'sys_load_error_detail'",
    });
    redshift
      .on(DescribeStatementCommand, { Id: 'c3' })
      .resolves({ Id: 'c3', Status: 'FINISHED', HasResultSet: true });
    redshift.on(GetStatementResultCommand, { Id: 'c3' }).resolves({
      ColumnMetadata: [
        { name: 'file' },
        { name: 'line_number' },
        { name: 'column_name' },
        { name: 'reason' },
      ],
      Records: [
        [
          {
            stringValue:
              's3://landing/crossbeam/account_overlaps/r1/overlaps/part-00000.ndjson.gz',
          },
          { longValue: 7 },
          { stringValue: 'record_name' },
          { stringValue: 'String length exceeds DDL length' },
        ],
      ],
    });
    const { warehouse } = newWarehouse();

    const run = warehouse.copyFromLanding(table, landedAt(manifest));

    await expect(run).rejects.toThrow(WarehouseError);
    await expect(run).rejects.toThrow(
      /c2 failed: Load into table.*First errors from sys_load_error_detail:\n {2}- s3:\/\/.*part-00000.ndjson.gz line 7, column record_name: String length exceeds DDL length/s,
    );
    const errorSql = redshift.commandCalls(ExecuteStatementCommand)[1]!.args[0]
      .input.Sql;
    expect(errorSql).toContain('from sys_load_error_detail');
    expect(errorSql).toContain(
      "like 's3://landing/crossbeam/account\\\\_overlaps/r1/overlaps/%'",
    );
  });

  it('reads stl_load_errors on a provisioned cluster', async () => {
    redshift
      .on(ExecuteStatementCommand)
      .resolvesOnce({ Id: 'c4' })
      .resolves({ Id: 'c5' });
    redshift
      .on(DescribeStatementCommand, { Id: 'c4' })
      .resolves({ Id: 'c4', Status: 'FAILED', Error: 'Load failed' });
    redshift
      .on(DescribeStatementCommand, { Id: 'c5' })
      .resolves({ Id: 'c5', Status: 'FINISHED', HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'file' }],
      Records: [],
    });
    const { warehouse } = newWarehouse(
      `redshift://cluster/main/dev?db_user=loader&iam_role=${ROLE}`,
    );
    await expect(
      warehouse.copyFromLanding(table, landedAt(manifest)),
    ).rejects.toThrow(/stl_load_errors lists no errors for s3:\/\/landing/);
    expect(
      redshift.commandCalls(ExecuteStatementCommand)[1]!.args[0].input.Sql,
    ).toContain('from stl_load_errors');
  });
});
