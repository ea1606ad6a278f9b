import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { StreamName } from '../streams/catalog';

export interface RefreshStateMachineProps {
  readonly extract: lambda.IFunction;
  readonly load: lambda.IFunction;
  readonly build: lambda.IFunction;
  readonly streams: readonly StreamName[];
  /** Streams extracted at the same time. */
  readonly maxConcurrency: number;
  /** The deployment's `sources` settings, passed to the build step. */
  readonly sources?: Record<string, unknown>;
  /** Receives a message when an execution fails. */
  readonly topic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/** Maximum execution time. A stuck run times out, which counts as a failure. */
const EXECUTION_TIMEOUT = Duration.hours(12);

/** Lambda errors that mean "try again": throttling and service faults. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * Errors the handlers raise after their own retries gave up: a Data API
 * or Crossbeam failure, a cached access token that Crossbeam rejected (the
 * next attempt refreshes it), or a function timeout. Every step is safe to
 * run again, so the state machine tries once more after a pause.
 */
const STEP_TRANSIENT_ERRORS = [
  'WarehouseError',
  'CrossbeamApiError',
  'AccessTokenRejectedError',
  'Sandbox.Timedout',
];

/**
 * The "refresh" state machine. It skips when another execution is running.
 * Otherwise it authorizes (checks the Crossbeam secret and refreshes the
 * access token once for every extract), applies migrations, extracts every
 * stream (a Map, each stream looping while the extract returns `partial`),
 * loads, and builds. Any failure publishes to the topic and ends in a Fail
 * state, so the execution fails.
 */
export class RefreshStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RefreshStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A fixed name lets the first state's permission name this state
    // machine's ARN without a circular reference.
    const stateMachineName = `${stack.stackName}-refresh`;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.topic,
      subject: 'Crossbeam warehouse refresh failed',
      message: sfn.TaskInput.fromObject({
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'RefreshFailed', {
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    notifyFailure.next(failed);
    const catchInto = (state: sfn.TaskStateBase | sfn.Map): void => {
      state.addCatch(notifyFailure, {
        errors: [sfn.Errors.ALL],
        resultPath: '$.error',
      });
    };

    const checkRunning = new tasks.CallAwsService(
      this,
      'CountRunningExecutions',
      {
        service: 'sfn',
        action: 'listExecutions',
        iamAction: 'states:ListExecutions',
        iamResources: [stateMachineArn],
        parameters: {
          StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
          StatusFilter: 'RUNNING',
          MaxResults: 2,
        },
        resultSelector: {
          running: sfn.JsonPath.arrayLength(
            sfn.JsonPath.listAt('$.Executions'),
          ),
        },
        resultPath: '$.executions',
      },
    );
    checkRunning.addRetry({
      errors: ['Sfn.SfnException', 'Sfn.ThrottlingException'],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
    });
    catchInto(checkRunning);

    const skip = new sfn.Succeed(this, 'SkipWhileAnotherRuns', {
      comment:
        'Another execution is still running; this one ends without work so runs never overlap.',
    });

    const prepare = new sfn.Pass(this, 'PrepareRun', {
      parameters: {
        observedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
        streams: [...props.streams],
      },
    });

    // One token refresh serves every branch of the Map: Crossbeam rotates
    // refresh tokens, so parallel refreshes would invalidate each other. The
    // token stays in the secret, and the output contains only its expiry.
    const authorize = this.invoke('Authorize', props.extract, {
      payload: sfn.TaskInput.fromObject({ step: 'authorize' }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchInto(authorize);

    const migrate = this.invoke('ApplyMigrations', props.build, {
      payload: sfn.TaskInput.fromObject({ migrateOnly: true }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    catchInto(migrate);

    const extractPage = this.invoke('ExtractStream', props.extract, {
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      outputPath: '$.Payload',
    });
    const morePages = new sfn.Choice(this, 'MorePages')
      .when(sfn.Condition.stringEquals('$.status', 'partial'), extractPage)
      .otherwise(new sfn.Succeed(this, 'StreamExtracted'));
    const extractStreams = new sfn.Map(this, 'ExtractStreams', {
      itemsPath: '$.streams',
      maxConcurrency: props.maxConcurrency,
      itemSelector: {
        stream: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
        observedAt: sfn.JsonPath.stringAt('$.observedAt'),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    extractStreams.itemProcessor(extractPage.next(morePages));
    catchInto(extractStreams);

    const load = this.invoke('LoadRuns', props.load, {
      payload: sfn.TaskInput.fromObject({
        streams: sfn.JsonPath.listAt('$.streams'),
      }),
      resultSelector: { 'streams.$': '$.Payload.streams' },
      resultPath: '$.load',
    });
    catchInto(load);

    const build = this.invoke('BuildModels', props.build, {
      payload: sfn.TaskInput.fromObject({ sources: props.sources ?? {} }),
      resultSelector: {
        'built.$': '$.Payload.built',
        'skipped.$': '$.Payload.skipped',
      },
      resultPath: '$.build',
    });
    catchInto(build);

    const definition = checkRunning.next(
      new sfn.Choice(this, 'AnotherExecutionRunning')
        .when(sfn.Condition.numberGreaterThan('$.executions.running', 1), skip)
        .otherwise(
          prepare
            .next(authorize)
            .next(migrate)
            .next(extractStreams)
            .next(load)
            .next(build)
            .next(new sfn.Succeed(this, 'Refreshed')),
        ),
    );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: EXECUTION_TIMEOUT,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
  }

  private invoke(
    id: string,
    fn: lambda.IFunction,
    props: Omit<tasks.LambdaInvokeProps, 'lambdaFunction'>,
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: fn,
      retryOnServiceExceptions: false,
      ...props,
    });
    task.addRetry({
      errors: LAMBDA_TRANSIENT_ERRORS,
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      maxDelay: Duration.minutes(1),
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addRetry({
      errors: STEP_TRANSIENT_ERRORS,
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  }
}
