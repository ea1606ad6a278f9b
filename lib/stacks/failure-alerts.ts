import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface FailureAlertsProps {
  /** Address subscribed to the topic; none when unset. */
  readonly alarmEmail?: string;
}

/**
 * The topic that failed refreshes publish to, encrypted with its own key,
 * with an optional e-mail subscription, and the alarms that watch the
 * state machine.
 */
export class FailureAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the crossbeam-warehouse failure topic.',
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to the topic and need the key to do so.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Crossbeam warehouse failures',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(props.alarmEmail),
      );
    }
  }

  /**
   * Grants a state machine the key use that publishing to the encrypted
   * topic needs; its SNS publish task grants `sns:Publish` itself. The
   * topic's own grant would add `kms:GenerateDataKey*`, a wildcard action.
   */
  grantPublishKey(machine: sfn.StateMachine): void {
    this.key.grant(machine, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** Adds alarms on failed and timed-out executions, sent to the topic. */
  alarmOn(machine: sfn.StateMachine): void {
    const action = new cloudwatchActions.SnsAction(this.topic);
    const alarms = [
      new cloudwatch.Alarm(this, 'ExecutionsFailedAlarm', {
        alarmDescription:
          'A crossbeam-warehouse refresh failed; its execution history names the failed step and error.',
        metric: machine.metricFailed({ statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator:
          cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'ExecutionsTimedOutAlarm', {
        alarmDescription:
          'A crossbeam-warehouse refresh ran past the state machine timeout.',
        metric: machine.metricTimedOut({ statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator:
          cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) alarm.addAlarmAction(action);
  }
}
