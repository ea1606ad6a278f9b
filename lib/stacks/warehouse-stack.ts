import {
  CfnOutput,
  SecretValue,
  Stack,
  TimeZone,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DeployConfig } from '../deploy-config/schema';
import { extractHeapLimitMb } from '../extract/limiter';
import {
  CROSSBEAM_SECRET_KEYS,
  CROSSBEAM_SECRET_PLACEHOLDER,
} from '../secrets/crossbeam-secret';
import { FailureAlerts } from './failure-alerts';
import { LandingBucket } from './landing-bucket';
import { PipelineFunctions } from './pipeline-functions';
import { RedshiftAccess } from './redshift-access';
import { acknowledgeWildcard, arnWildcardFinding } from './nag';
import { RefreshStateMachine } from './refresh-state-machine';

export interface CrossbeamWarehouseStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * Everything the scheduled refresh needs in one account and region. It
 * contains the landing bucket, the Crossbeam secret, the three functions,
 * the state machine with its failure topic and alarms, and the schedule.
 * The Redshift COPY role and an optional new Serverless workgroup come
 * from `RedshiftAccess`.
 */
export class CrossbeamWarehouseStack extends Stack {
  readonly landing: LandingBucket;
  readonly secret: secretsmanager.ISecret;
  readonly functions: PipelineFunctions;
  readonly refresh: RefreshStateMachine;
  readonly failures: FailureAlerts;
  readonly redshift: RedshiftAccess;

  constructor(
    scope: Construct,
    id: string,
    props: CrossbeamWarehouseStackProps,
  ) {
    super(scope, id, props);
    const config = props.config;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.landing = new LandingBucket(this, 'Landing', {
      prefix: config.landing.prefix,
      encryption: config.landing.encryption,
      rawRetentionDays: config.landing.rawRetentionDays,
      normalizedRetentionDays: config.landing.normalizedRetentionDays,
    });
    this.secret = this.crossbeamSecret(config.secret);
    this.redshift = new RedshiftAccess(this, 'Redshift', {
      config: config.redshift,
      bucket: this.landing.bucket,
      prefix: config.landing.prefix,
      key: this.landing.key,
    });

    this.functions = new PipelineFunctions(this, 'Functions', {
      logRetention,
      extractHeapMb:
        config.extractHeapMb ?? extractHeapLimitMb(config.requestsInFlight),
      environment: {
        CROSSBEAM_WAREHOUSE: this.redshift.warehouseUrl,
        CROSSBEAM_LANDING: `s3://${this.landing.bucket.bucketName}/${config.landing.prefix}`,
        CROSSBEAM_SCHEMA_CROSSBEAM: config.schemas.crossbeam,
        CROSSBEAM_SCHEMA_STAGING: config.schemas.staging,
        CROSSBEAM_SCHEMA_MODELS: config.schemas.models,
        CROSSBEAM_SCHEMA_DASHBOARDS: config.schemas.dashboards,
        CROSSBEAM_REQUESTS_IN_FLIGHT: String(config.requestsInFlight),
        CROSSBEAM_RECORDS_REFRESH_HOURS: String(config.recordsRefreshHours),
        CROSSBEAM_PART_SIZE_MB: String(config.partSizeMb),
        CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: String(
          config.splitOverlapsByPartner,
        ),
        POWERTOOLS_SERVICE_NAME: 'crossbeam-warehouse',
        POWERTOOLS_METRICS_NAMESPACE: 'CrossbeamWarehouse',
      },
    });
    this.grantFunctions(config);

    this.failures = new FailureAlerts(this, 'Failure', {
      alarmEmail: config.alarmEmail,
    });
    this.refresh = new RefreshStateMachine(this, 'Refresh', {
      extract: this.functions.extract,
      load: this.functions.load,
      build: this.functions.build,
      streams: config.streams,
      maxConcurrency: config.maxConcurrency,
      sources: config.sources,
      topic: this.failures.topic,
      logRetention,
    });
    this.failures.grantPublishKey(this.refresh.stateMachine);
    this.failures.alarmOn(this.refresh.stateMachine);
    this.acknowledgeStateMachinePolicy();
    this.addSchedule(config.schedule);

    new CfnOutput(this, 'LandingBucketName', {
      value: this.landing.bucket.bucketName,
    });
    new CfnOutput(this, 'SecretName', {
      description:
        'Fill in client_id, client_secret, refresh_token and organization before the first run.',
      value: config.secret.name,
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.refresh.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'CopyRoleArn', {
      value: this.redshift.copyRole.roleArn,
    });
  }

  /**
   * Names an existing secret, or creates one whose every key contains the
   * placeholder, so the template contains no real credential.
   */
  private crossbeamSecret(
    settings: DeployConfig['secret'],
  ): secretsmanager.ISecret {
    if (settings.existing) {
      return secretsmanager.Secret.fromSecretNameV2(
        this,
        'CrossbeamSecret',
        settings.name,
      );
    }
    const placeholders = Object.fromEntries(
      CROSSBEAM_SECRET_KEYS.map((key) => [
        key,
        SecretValue.unsafePlainText(CROSSBEAM_SECRET_PLACEHOLDER),
      ]),
    );
    const secret = new secretsmanager.Secret(this, 'CrossbeamSecret', {
      secretName: settings.name,
      description:
        'Crossbeam OAuth client id and secret, refresh token and organization uuid for crossbeam-warehouse, and the access token that the extract function caches. Replace every placeholder after the first deploy.',
      secretObjectValue: placeholders,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Crossbeam rotates the refresh token on every exchange, and the extract function stores the rotated token with the cached access token in this secret, once per run. Secrets Manager rotation cannot mint Crossbeam tokens.',
    });
    return secret;
  }

  /**
   * Grants each function exactly what its step does. Extract writes the
   * landing prefix, and reads the secret and writes back the rotated
   * refresh token and the cached access token. Load reads the landing
   * prefix. All three run Data API statements.
   */
  private grantFunctions(config: DeployConfig): void {
    const { extract, load, build } = this.functions;
    const bucket = this.landing.bucket;
    const objects = bucket.arnForObjects(`${config.landing.prefix}/*`);
    const listPrefix = new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: {
        StringLike: { 's3:prefix': [`${config.landing.prefix}/*`] },
      },
    });

    extract.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
        ],
        resources: [objects],
      }),
    );
    load.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [objects],
      }),
    );
    for (const fn of [extract, load]) {
      fn.addToRolePolicy(listPrefix);
      acknowledgeWildcard(
        fn.role!,
        arnWildcardFinding(bucket, `/${config.landing.prefix}/*`),
        'Landed object keys contain the stream and run id, known only at run time; the wildcard is limited to the landing prefix of one bucket.',
      );
    }
    if (this.landing.key) {
      this.landing.key.grant(extract, 'kms:Decrypt', 'kms:GenerateDataKey');
      this.landing.key.grant(load, 'kms:Decrypt');
    }

    extract.addEnvironment('CROSSBEAM_SECRET_ID', this.secret.secretArn);
    extract.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
        ],
        resources: [this.secret.secretArn],
      }),
    );

    for (const fn of [extract, load, build]) {
      this.redshift.grantDataApi(fn);
      for (const finding of this.redshift.dataApiWildcards) {
        acknowledgeWildcard(fn.role!, finding.finding, finding.reason);
      }
    }
  }

  private acknowledgeStateMachinePolicy(): void {
    const machine = this.refresh.stateMachine;
    acknowledgeWildcard(
      machine,
      'Resource::*',
      'X-Ray tracing (xray:PutTraceSegments and related calls) and log delivery to CloudWatch Logs (logs:CreateLogDelivery and related calls) support no resource ARN.',
    );
    for (const fn of [
      this.functions.extract,
      this.functions.load,
      this.functions.build,
    ]) {
      acknowledgeWildcard(
        machine,
        arnWildcardFinding(fn, ':*'),
        'The Lambda invoke task also allows the function’s versions and aliases (<function arn>:*), as CDK grants it.',
      );
    }
  }

  private addSchedule(settings: DeployConfig['schedule']): void {
    new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts the crossbeam-warehouse refresh.',
      schedule: scheduler.ScheduleExpression.expression(
        settings.expression,
        TimeZone.of(settings.timeZone),
      ),
      target: new schedulerTargets.StepFunctionsStartExecution(
        this.refresh.stateMachine,
        {
          input: scheduler.ScheduleTargetInput.fromObject({}),
          retryAttempts: 2,
        },
      ),
    });
  }
}
