import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadDeployConfig,
  parseDeployConfig,
  type DeployConfigInput,
} from '../../lib/deploy-config/index';
import { ConfigurationError } from '../../lib/errors';
import { CROSSBEAM_SECRET_PLACEHOLDER } from '../../lib/secrets/crossbeam-secret';
import { CrossbeamWarehouseStack } from '../../lib/stacks/warehouse-stack';

const ENV = { account: '123456789012', region: 'eu-central-1' };
const cdkJson = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
) as { context: { crossbeamWarehouse: DeployConfigInput } };

interface Synthesized {
  outdir: string;
  template: Template;
  json: string;
  report: {
    pluginReports: {
      pluginName: string;
      violations: { ruleName: string; severity: string }[];
    }[];
  };
}

const outdirs: string[] = [];

afterAll(() => {
  for (const outdir of outdirs) {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

/** Synthesizes the stack with cdk-nag on; synth throws on a nag error. */
function synthesize(input: DeployConfigInput): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new CrossbeamWarehouseStack(app, 'Warehouse', {
    config: parseDeployConfig(input),
    env: ENV,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template;
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  const report = fs.existsSync(reportFile)
    ? JSON.parse(fs.readFileSync(reportFile, 'utf8'))
    : { pluginReports: [] };
  return {
    outdir,
    template: Template.fromJSON(template),
    json: JSON.stringify(template),
    report,
  };
}

/** One environment variable of each function, keyed by the step its entry runs. */
function functionVariable(
  template: Template,
  name: string,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const fn of Object.values(
    template.findResources('AWS::Lambda::Function'),
  )) {
    const description = fn.Properties.Description as string;
    const step = description.startsWith('Reads one Crossbeam stream')
      ? 'extract'
      : description.startsWith('Copies')
        ? 'load'
        : 'build';
    values[step] = fn.Properties.Environment.Variables[name];
  }
  return values;
}

/** NODE_OPTIONS of each function, keyed by the step its entry runs. */
function nodeOptions(template: Template): Record<string, string> {
  return functionVariable(template, 'NODE_OPTIONS');
}

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
};

function policyStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } })
        .Properties.PolicyDocument.Statement,
  );
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action)
    ? statement.Action
    : [statement.Action];
}

function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource)
    ? statement.Resource
    : [statement.Resource];
}

/** Actions AWS offers no resource-level permission for. */
const UNSCOPED_ACTIONS = new Set([
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
  'redshift-data:ListStatements',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

describe('CrossbeamWarehouseStack with a new Serverless workgroup', () => {
  let synthesized: Synthesized;
  let template: Template;

  beforeAll(() => {
    synthesized = synthesize({
      ...cdkJson.context.crossbeamWarehouse,
      alarmEmail: 'data-team@example.com',
      sources: { crm: { preset: 'fivetran', schema: 'salesforce' } },
    });
    template = synthesized.template;
  });

  it('bundles the build function with sql/ and error class names', async () => {
    const [buildFunction] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('migrations') },
      }),
    );
    const assetHash = String(buildFunction!.Properties.Code.S3Key).replace(
      /\.zip$/,
      '',
    );
    const assetPath = path.join(synthesized.outdir, `asset.${assetHash}`);
    expect(fs.existsSync(path.join(assetPath, 'sql', 'migrations'))).toBe(true);

    // Nothing listens on port 9, so the first Data API call fails.
    const saved = { ...process.env };
    Object.assign(process.env, {
      CROSSBEAM_WAREHOUSE: `redshift://workgroup/crossbeam/dev?iam_role=arn:aws:iam::123456789012:role/copy&region=eu-central-1`,
      CROSSBEAM_LANDING: 's3://landing/crossbeam',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    try {
      const bundle = require(path.join(assetPath, 'index.js')) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };
      const error = await bundle
        .handler(
          { migrateOnly: true },
          { getRemainingTimeInMillis: () => 60_000 },
        )
        .then(
          () => undefined,
          (caught: Error) => caught,
        );
      expect(error?.name).toBe('WarehouseError');
      expect(error?.message).toMatch(/ExecuteStatement failed/);
    } finally {
      process.env = saved;
    }
  });

  it('bundles the authorize step into the extract function', async () => {
    const [extractFunction] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: {
          Description: Match.stringLikeRegexp('^Reads one Crossbeam stream'),
        },
      }),
    );
    const assetHash = String(extractFunction!.Properties.Code.S3Key).replace(
      /\.zip$/,
      '',
    );
    const assetPath = path.join(synthesized.outdir, `asset.${assetHash}`);

    // Nothing listens on port 9, so reading the secret fails.
    const saved = { ...process.env };
    Object.assign(process.env, {
      CROSSBEAM_WAREHOUSE: `redshift://workgroup/crossbeam/dev?iam_role=arn:aws:iam::123456789012:role/copy&region=eu-central-1`,
      CROSSBEAM_LANDING: 's3://landing/crossbeam',
      CROSSBEAM_SECRET_ID: 'crossbeam-warehouse/crossbeam-api',
      AWS_REGION: 'eu-central-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    try {
      const bundle = require(path.join(assetPath, 'index.js')) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };
      const error = await bundle
        .handler(
          { step: 'authorize' },
          { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'r-1' },
        )
        .then(
          () => undefined,
          (caught: Error) => caught,
        );
      expect(error?.name).toBe('SecretError');
      expect(error?.message).toMatch(
        /^Reading secret crossbeam-warehouse\/crossbeam-api from Secrets Manager failed/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('passes cdk-nag with every finding acknowledged', () => {
    const nag = synthesized.report.pluginReports.filter(
      (report) => report.pluginName !== 'CloudFormation Validate',
    );
    const errors = nag.flatMap((report) =>
      report.violations.filter((violation) => violation.severity !== 'warning'),
    );
    expect(errors).toEqual([]);
  });

  it('encrypts the landing bucket with its own KMS key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: Match.anyValue(),
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
    });
  });

  it('blocks public access on both buckets', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('denies requests without TLS on both buckets', () => {
    const policies = Object.values(
      template.findResources('AWS::S3::BucketPolicy'),
    );
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('logs landing bucket access to the log bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogs') },
        LogFilePrefix: 'landing/',
      },
    });
  });

  it('expires raw pages and normalized runs separately', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'crossbeam/raw/', ExpirationInDays: 90 }),
          Match.objectLike({
            Prefix: 'crossbeam/account_overlaps/',
            ExpirationInDays: 400,
          }),
        ]),
      },
    });
  });

  it('runs three bounded Node.js 24 functions on arm64', () => {
    const functions = Object.values(
      template.findResources('AWS::Lambda::Function'),
    );
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(900);
      expect(fn.Properties.MemorySize).toBeLessThanOrEqual(1024);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 90,
    });
  });

  it('caps the extract heap to the pages four requests in flight keep', () => {
    expect(nodeOptions(template)).toEqual({
      extract: '--enable-source-maps --max-old-space-size=112',
      load: '--enable-source-maps',
      build: '--enable-source-maps',
    });
  });

  it('lands parts of 64 MB by default', () => {
    expect(functionVariable(template, 'CROSSBEAM_PART_SIZE_MB').extract).toBe(
      '64',
    );
  });

  it('chooses the overlap reading per stream by default', () => {
    expect(
      functionVariable(template, 'CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER').extract,
    ).toBe('auto');
  });

  it('schedules the state machine with its time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('RefreshStateMachine') },
      }),
    });
  });

  describe('state machine', () => {
    let definition: {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };

    beforeAll(() => {
      const machine = Object.values(
        template.findResources('AWS::StepFunctions::StateMachine'),
      )[0]!;
      const parts = machine.Properties.DefinitionString[
        'Fn::Join'
      ][1] as unknown[];
      // A function's ARN becomes its logical id; other tokens, `token`.
      definition = JSON.parse(
        parts
          .map((part) =>
            typeof part === 'string'
              ? part
              : ((part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] ??
                'token'),
          )
          .join(''),
      );
    });

    it('starts by counting running executions', () => {
      const first = definition.States[definition.StartAt]!;
      expect(first.Parameters).toEqual({
        'StateMachineArn.$': '$$.StateMachine.Id',
        StatusFilter: 'RUNNING',
        MaxResults: 2,
      });
      const choice = definition.States[first.Next as string]!;
      expect(choice.Choices).toEqual([
        {
          Variable: '$.executions.running',
          NumericGreaterThan: 1,
          Next: 'SkipWhileAnotherRuns',
        },
      ]);
      expect(definition.States.SkipWhileAnotherRuns!.Type).toBe('Succeed');
    });

    it('retries every Lambda step with backoff', () => {
      const map = definition.States.ExtractStreams as {
        ItemProcessor: { States: Record<string, Record<string, unknown>> };
      };
      const tasks = [
        definition.States.Authorize!,
        definition.States.ApplyMigrations!,
        map.ItemProcessor.States.ExtractStream!,
        definition.States.LoadRuns!,
        definition.States.BuildModels!,
      ];
      for (const task of tasks) {
        const retries = task.Retry as {
          ErrorEquals: string[];
          BackoffRate: number;
          MaxAttempts: number;
        }[];
        const errors = retries.flatMap((retry) => retry.ErrorEquals);
        expect(errors).toEqual(
          expect.arrayContaining([
            'Lambda.TooManyRequestsException',
            'Lambda.ServiceException',
            'WarehouseError',
          ]),
        );
        expect(errors).not.toContain('ConfigurationError');
        for (const retry of retries) {
          expect(retry.BackoffRate).toBe(2);
          expect(retry.MaxAttempts).toBeGreaterThan(1);
        }
      }
    });

    it('retries an extract whose cached token was rejected', () => {
      const map = definition.States.ExtractStreams as {
        ItemProcessor: { States: Record<string, Record<string, unknown>> };
      };
      const retries = map.ItemProcessor.States.ExtractStream!.Retry as {
        ErrorEquals: string[];
      }[];
      expect(retries.flatMap((retry) => retry.ErrorEquals)).toContain(
        'AccessTokenRejectedError',
      );
    });

    it('authorizes once with the extract function before the Map', () => {
      const authorize = definition.States.Authorize! as {
        Parameters: { FunctionName: string; Payload: unknown };
        ResultPath: unknown;
        Next: string;
      };
      const map = definition.States.ExtractStreams as {
        ItemProcessor: {
          States: Record<string, { Parameters: { FunctionName: string } }>;
        };
      };
      const extractTask = map.ItemProcessor.States.ExtractStream!;
      expect(authorize.Parameters.Payload).toEqual({ step: 'authorize' });
      expect(authorize.Parameters.FunctionName).toBe(
        extractTask.Parameters.FunctionName,
      );
      const extractFunctions = template.findResources('AWS::Lambda::Function', {
        Properties: {
          Description: Match.stringLikeRegexp('^Reads one Crossbeam stream'),
        },
      });
      expect(Object.keys(extractFunctions)).toEqual([
        authorize.Parameters.FunctionName,
      ]);
      // The output holds no token and is dropped from the state anyway.
      expect(authorize.ResultPath).toBeNull();
      expect(definition.States.PrepareRun!.Next).toBe('Authorize');
      expect(authorize.Next).toBe('ApplyMigrations');
      expect(Object.keys(map.ItemProcessor.States)).not.toContain('Authorize');
    });

    it('loops the extract while it returns partial', () => {
      const map = definition.States.ExtractStreams as {
        MaxConcurrency: number;
        ItemProcessor: {
          StartAt: string;
          States: Record<string, Record<string, unknown>>;
        };
      };
      expect(map.MaxConcurrency).toBe(2);
      expect(map.ItemProcessor.StartAt).toBe('ExtractStream');
      expect(map.ItemProcessor.States.ExtractStream!.Next).toBe('MorePages');
      expect(map.ItemProcessor.States.ExtractStream!.OutputPath).toBe(
        '$.Payload',
      );
      expect(map.ItemProcessor.States.MorePages!.Default).toBe(
        'StreamExtracted',
      );
      expect(map.ItemProcessor.States.MorePages!.Choices).toEqual([
        {
          Variable: '$.status',
          StringEquals: 'partial',
          Next: 'ExtractStream',
        },
      ]);
    });

    it('runs migrate, extract, load and build in order', () => {
      expect(definition.States.ApplyMigrations!.Next).toBe('ExtractStreams');
      expect(definition.States.ExtractStreams!.Next).toBe('LoadRuns');
      expect(definition.States.LoadRuns!.Next).toBe('BuildModels');
      expect(definition.States.BuildModels!.Parameters).toEqual(
        expect.objectContaining({
          Payload: {
            sources: { crm: { preset: 'fivetran', schema: 'salesforce' } },
          },
        }),
      );
    });

    it('catches failures into SNS, then a Fail state', () => {
      for (const name of [
        'CountRunningExecutions',
        'Authorize',
        'ApplyMigrations',
        'ExtractStreams',
        'LoadRuns',
        'BuildModels',
      ]) {
        expect(definition.States[name]!.Catch).toEqual([
          {
            ErrorEquals: ['States.ALL'],
            ResultPath: '$.error',
            Next: 'NotifyFailure',
          },
        ]);
      }
      const notify = definition.States.NotifyFailure!;
      expect(notify.Resource).toContain('sns:publish');
      expect(notify.Next).toBe('RefreshFailed');
      expect(definition.States.RefreshFailed).toEqual({
        Type: 'Fail',
        ErrorPath: '$.error.Error',
        CausePath: '$.error.Cause',
      });
    });
  });

  it('lets the state machine publish to the encrypted topic', () => {
    const statements = policyStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/TopicKey/), 'Arn'] },
      }),
    );
  });

  it('alarms on failed executions through the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('FailureTopic') }],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'data-team@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('scopes every IAM statement that a resource ARN can scope', () => {
    const statements = policyStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      if (!resourcesOf(statement).includes('*')) continue;
      for (const action of actionsOf(statement)) {
        expect({ action, unscoped: UNSCOPED_ACTIONS.has(action) }).toEqual({
          action,
          unscoped: true,
        });
      }
    }
  });

  it('lets Redshift read only the landing prefix', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'redshift.amazonaws.com' },
          }),
        ]),
      },
    });
    const copyStatements = policyStatements(template).filter((statement) =>
      actionsOf(statement).includes('s3:GetObject'),
    );
    for (const statement of copyStatements) {
      expect(JSON.stringify(statement.Resource)).toContain('/crossbeam/*');
    }
    template.hasResourceProperties('AWS::RedshiftServerless::Namespace', {
      IamRoles: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('CopyRole'), 'Arn'] }],
    });
    template.hasResourceProperties('AWS::RedshiftServerless::Workgroup', {
      WorkgroupName: 'crossbeam',
      BaseCapacity: 8,
      PubliclyAccessible: false,
    });
  });

  it('holds no secret values, only placeholders and references', () => {
    const secret = Object.values(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: 'crossbeam-warehouse/crossbeam-api' },
      }),
    )[0]!;
    expect(JSON.parse(secret.Properties.SecretString)).toEqual({
      client_id: CROSSBEAM_SECRET_PLACEHOLDER,
      client_secret: CROSSBEAM_SECRET_PLACEHOLDER,
      refresh_token: CROSSBEAM_SECRET_PLACEHOLDER,
      organization: CROSSBEAM_SECRET_PLACEHOLDER,
    });
    const namespace = Object.values(
      template.findResources('AWS::RedshiftServerless::Namespace'),
    )[0]!;
    expect(JSON.stringify(namespace.Properties.AdminUserPassword)).toContain(
      '{{resolve:secretsmanager:',
    );
    for (const fn of Object.values(
      template.findResources('AWS::Lambda::Function'),
    )) {
      const names = Object.keys(fn.Properties.Environment.Variables);
      expect(
        names.filter((name) => /SECRET$|TOKEN|PASSWORD/.test(name)),
      ).toEqual([]);
    }
  });
});

describe('CrossbeamWarehouseStack with an existing cluster', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize({
      schedule: { expression: 'rate(6 hours)' },
      secret: { name: 'shared/crossbeam', existing: true },
      streams: ['partners', 'account_overlaps'],
      requestsInFlight: 8,
      partSizeMb: 256,
      redshift: { clusterIdentifier: 'analytics', dbUser: 'crossbeam_loader' },
      landing: { encryption: 's3-managed', prefix: 'xbeam' },
    });
  });

  it('passes the part size to the extract', () => {
    expect(
      functionVariable(synthesized.template, 'CROSSBEAM_PART_SIZE_MB').extract,
    ).toBe('256');
  });

  it('scopes the Data API to the cluster and its database user', () => {
    const statements = policyStatements(synthesized.template);
    const execute = statements.find((statement) =>
      actionsOf(statement).includes('redshift-data:ExecuteStatement'),
    )!;
    expect(JSON.stringify(execute.Resource)).toContain(
      ':redshift:eu-central-1:123456789012:cluster:analytics',
    );
    const credentials = statements.find((statement) =>
      actionsOf(statement).includes('redshift:GetClusterCredentials'),
    )!;
    expect(JSON.stringify(credentials.Resource)).toContain(
      'dbuser:analytics/crossbeam_loader',
    );
    expect(JSON.stringify(credentials.Resource)).toContain(
      'dbname:analytics/dev',
    );
  });

  it('sizes the extract heap to eight requests in flight', () => {
    expect(nodeOptions(synthesized.template).extract).toBe(
      '--enable-source-maps --max-old-space-size=144',
    );
  });

  it('creates no secret and uses SSE-S3', () => {
    synthesized.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    synthesized.template.resourceCountIs('AWS::KMS::Key', 1);
    synthesized.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
      ScheduleExpressionTimezone: 'UTC',
    });
    expect(synthesized.json).toContain(
      'redshift://cluster/analytics/dev?db_user=crossbeam_loader&iam_role=',
    );
  });

  it('scopes every IAM statement that a resource ARN can scope', () => {
    for (const statement of policyStatements(synthesized.template)) {
      if (!resourcesOf(statement).includes('*')) continue;
      expect(
        actionsOf(statement).filter((action) => !UNSCOPED_ACTIONS.has(action)),
      ).toEqual([]);
    }
  });

  it('passes cdk-nag', () => {
    const errors = synthesized.report.pluginReports
      .filter((report) => report.pluginName !== 'CloudFormation Validate')
      .flatMap((report) => report.violations);
    expect(errors).toEqual([]);
  });
});

describe('CrossbeamWarehouseStack with an existing workgroup', () => {
  it('grants Data API access to any workgroup of the account, acknowledged', () => {
    const { template, report } = synthesize({
      redshift: { workgroupName: 'analytics', database: 'warehouse' },
    });
    const errors = report.pluginReports
      .filter((plugin) => plugin.pluginName !== 'CloudFormation Validate')
      .flatMap((plugin) => plugin.violations);
    expect(errors).toEqual([]);
    const credentials = policyStatements(template).find((statement) =>
      actionsOf(statement).includes('redshift-serverless:GetCredentials'),
    )!;
    expect(JSON.stringify(credentials.Resource)).toContain(
      ':redshift-serverless:eu-central-1:123456789012:workgroup/*',
    );
  });

  it('scopes Data API access to a named workgroup ARN', () => {
    const workgroupArn =
      'arn:aws:redshift-serverless:eu-central-1:123456789012:workgroup/0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8';
    const { template } = synthesize({
      redshift: { workgroupName: 'analytics', workgroupArn },
      extractHeapMb: 300,
    });
    expect(nodeOptions(template).extract).toBe(
      '--enable-source-maps --max-old-space-size=300',
    );
    const execute = policyStatements(template).find((statement) =>
      actionsOf(statement).includes('redshift-data:ExecuteStatement'),
    )!;
    expect(execute.Resource).toBe(workgroupArn);
  });
});

describe('deployment settings from the app context', () => {
  it('rejects an invalid setting by path', () => {
    const app = new App({
      context: {
        crossbeamWarehouse: {
          redshift: { workgroupName: 'analytics' },
          maxConcurrency: 0,
        },
      },
    });
    expect(() => loadDeployConfig(app.node)).toThrow(ConfigurationError);
    expect(() => loadDeployConfig(app.node)).toThrow(
      /crossbeamWarehouse\.maxConcurrency: must be at least 1 \(received 0\)/,
    );
  });
});

describe('cdk-nag in these tests', () => {
  it('fails the synth of a non-compliant bucket', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-nag-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bare', { env: ENV });
    new s3.Bucket(stack, 'Bucket');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
