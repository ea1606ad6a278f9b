import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STREAM_NAMES } from '../streams/catalog';

export interface LandingBucketProps {
  /** Key prefix of every landed object, without slashes. */
  readonly prefix: string;
  /** `kms`: a customer managed key with rotation; `s3-managed`: SSE-S3. */
  readonly encryption: 'kms' | 's3-managed';
  /** Days raw API pages (`<prefix>/raw/…`) are kept. */
  readonly rawRetentionDays: number;
  /** Days each stream's parts and manifests (`<prefix>/<stream>/…`) are kept. */
  readonly normalizedRetentionDays: number;
}

/** The aws-cdk-lib feature flag for access-log permissions. */
const S3_ACCESS_LOGS_USE_BUCKET_POLICY =
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Days the server access logs are kept. */
const ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * The S3 bucket extracted data lands in: encrypted, public access blocked,
 * TLS required, server access logs written to a separate log bucket, and
 * lifecycle rules that expire raw pages and normalized runs on their own
 * schedules. Both buckets are retained when the stack is deleted, because
 * raw pages count against the Crossbeam record-export allowance.
 */
export class LandingBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  /** The bucket's key, when `encryption` is `kms`. */
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: LandingBucketProps) {
    super(scope, id);
    // Grant log delivery through the log bucket's policy rather than the
    // deprecated LogDeliveryWrite ACL, so that ACLs stay disabled.
    this.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    // Server access logs cannot be delivered to a bucket encrypted with a
    // customer managed key, so the log bucket uses SSE-S3.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS),
        },
      ],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access log bucket of the landing bucket; logging its own access would log the log deliveries.',
    });

    if (props.encryption === 'kms') {
      this.key = new kms.Key(this, 'Key', {
        description: 'Encrypts the Crossbeam landing bucket.',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(this.key
        ? {
            encryption: s3.BucketEncryption.KMS,
            encryptionKey: this.key,
            bucketKeyEnabled: true,
          }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'landing/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: lifecycleRules(props),
    });
  }
}

/**
 * Returns one rule for raw pages and one per stream for normalized runs. An S3
 * lifecycle filter matches a prefix and cannot exclude `raw/`, so a single
 * rule on `<prefix>/` would also expire raw pages at the normalized age.
 * Every catalog stream gets a rule, so a stream removed from the settings
 * still has its old runs expired.
 */
function lifecycleRules(props: LandingBucketProps): s3.LifecycleRule[] {
  return [
    {
      id: 'abort-incomplete-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    },
    {
      id: 'expire-raw-pages',
      prefix: `${props.prefix}/raw/`,
      expiration: Duration.days(props.rawRetentionDays),
    },
    ...STREAM_NAMES.map((stream) => ({
      id: `expire-${stream.replace(/_/g, '-')}-runs`,
      prefix: `${props.prefix}/${stream}/`,
      expiration: Duration.days(props.normalizedRetentionDays),
    })),
  ];
}
