import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as redshiftserverless from 'aws-cdk-lib/aws-redshiftserverless';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DeployConfig } from '../deploy-config/schema';
import type { RedshiftTarget } from '../warehouse/redshift-url';
import { acknowledgeWildcard, arnWildcardFinding } from './nag';

export interface RedshiftAccessProps {
  readonly config: DeployConfig['redshift'];
  readonly bucket: s3.IBucket;
  /** The landing prefix that COPY reads, without slashes. */
  readonly prefix: string;
  /** The landing bucket's key, when it has one. */
  readonly key?: kms.IKey;
}

/** The admin user of a namespace the stack creates. */
const ADMIN_USER = 'crossbeam_admin';

/** Data API actions that take no resource ARN: AWS scopes them to the caller. */
const STATEMENT_ACTIONS = [
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
  'redshift-data:ListStatements',
];

/**
 * The warehouse side of the deployment. It creates the role Redshift
 * assumes for COPY, read-only on the landing prefix, and optionally a new
 * Serverless namespace and workgroup with that role attached. It also
 * builds the `redshift://` URL the functions use and grants their Data API
 * permissions.
 */
export class RedshiftAccess extends Construct {
  readonly copyRole: iam.Role;
  /** The `redshift://` URL for CROSSBEAM_WAREHOUSE; it contains tokens. */
  readonly warehouseUrl: string;
  readonly namespace?: redshiftserverless.CfnNamespace;
  readonly workgroup?: redshiftserverless.CfnWorkgroup;
  private readonly dataApiStatements: iam.PolicyStatement[];
  private readonly wildcards: { finding: string; reason: string }[] = [];

  constructor(scope: Construct, id: string, props: RedshiftAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const config = props.config;

    this.copyRole = new iam.Role(this, 'CopyRole', {
      description:
        'Assumed by Redshift to COPY landed Crossbeam files; read-only on the landing prefix.',
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('redshift.amazonaws.com'),
        new iam.ServicePrincipal('redshift-serverless.amazonaws.com'),
      ),
    });
    this.copyRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${props.prefix}/*`)],
      }),
    );
    this.copyRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.prefix}/*`] } },
      }),
    );
    props.key?.grantDecrypt(this.copyRole);
    acknowledgeWildcard(
      this.copyRole,
      arnWildcardFinding(props.bucket, `/${props.prefix}/*`),
      'COPY reads objects whose keys are written at run time; the wildcard is limited to the landing prefix of one bucket.',
    );

    let target: RedshiftTarget;
    const statements: iam.PolicyStatement[] = [];
    if (config.create) {
      // The functions run as the namespace admin, so that migrations may
      // create schemas. The Data API reads the user name and password from
      // this secret, and the template contains only a dynamic reference.
      const adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
        description: `Admin user of the Redshift Serverless namespace ${config.create.namespaceName}, used by crossbeam-warehouse through the Data API.`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: ADMIN_USER }),
          generateStringKey: 'password',
          excludeCharacters: '"\'\\/@ ',
          passwordLength: 32,
          requireEachIncludedType: true,
        },
      });
      Validations.of(adminSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating a Redshift Serverless admin password needs a rotation function with network access to the workgroup, which this stack does not deploy; rotate it with the Redshift console if your policy requires.',
      });
      this.namespace = new redshiftserverless.CfnNamespace(this, 'Namespace', {
        namespaceName: config.create.namespaceName,
        dbName: config.database,
        adminUsername: ADMIN_USER,
        adminUserPassword: adminSecret
          .secretValueFromJson('password')
          .unsafeUnwrap(),
        iamRoles: [this.copyRole.roleArn],
        defaultIamRoleArn: this.copyRole.roleArn,
      });
      this.workgroup = new redshiftserverless.CfnWorkgroup(this, 'Workgroup', {
        workgroupName: config.create.workgroupName,
        namespaceName: config.create.namespaceName,
        baseCapacity: config.create.baseCapacity,
        publiclyAccessible: false,
      });
      this.workgroup.addResourceDependency(this.namespace);
      const secretArn = adminSecret.secretArn;
      target = {
        kind: 'serverless',
        workgroupName: config.create.workgroupName,
        database: config.database,
        secretArn,
      };
      statements.push(
        dataApiStatement([this.workgroup.attrWorkgroupWorkgroupArn]),
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn],
        }),
      );
    } else if (config.workgroupName) {
      target = {
        kind: 'serverless',
        workgroupName: config.workgroupName,
        database: config.database,
        ...(config.secretArn ? { secretArn: config.secretArn } : {}),
      };
      const workgroupArn =
        config.workgroupArn ??
        stack.formatArn({
          service: 'redshift-serverless',
          resource: 'workgroup',
          resourceName: '*',
        });
      if (!config.workgroupArn) {
        this.wildcards.push({
          finding: `Resource::arn:<AWS::Partition>:redshift-serverless:${stack.region}:${stack.account}:workgroup/*`,
          reason:
            'A Serverless workgroup ARN ends in the workgroup id, which the settings do not name; set redshift.workgroupArn to scope the Data API permissions to one workgroup.',
        });
      }
      statements.push(dataApiStatement([workgroupArn]));
      statements.push(
        config.secretArn
          ? new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: [config.secretArn],
            })
          : new iam.PolicyStatement({
              actions: ['redshift-serverless:GetCredentials'],
              resources: [workgroupArn],
            }),
      );
    } else {
      const clusterIdentifier = config.clusterIdentifier!;
      target = {
        kind: 'provisioned',
        clusterIdentifier,
        database: config.database,
        ...(config.secretArn ? { secretArn: config.secretArn } : {}),
        ...(config.dbUser ? { dbUser: config.dbUser } : {}),
      };
      const clusterArn = stack.formatArn({
        service: 'redshift',
        resource: 'cluster',
        resourceName: clusterIdentifier,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      statements.push(dataApiStatement([clusterArn]));
      if (config.secretArn) {
        statements.push(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [config.secretArn],
          }),
        );
      } else {
        statements.push(
          new iam.PolicyStatement({
            actions: ['redshift:GetClusterCredentials'],
            resources: [
              stack.formatArn({
                service: 'redshift',
                resource: 'dbuser',
                resourceName: `${clusterIdentifier}/${config.dbUser}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
              stack.formatArn({
                service: 'redshift',
                resource: 'dbname',
                resourceName: `${clusterIdentifier}/${config.database}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        );
      }
    }

    statements.push(
      new iam.PolicyStatement({ actions: STATEMENT_ACTIONS, resources: ['*'] }),
    );
    this.wildcards.push({
      finding: 'Resource::*',
      reason:
        'DescribeStatement, GetStatementResult, CancelStatement and ListStatements support no resource ARN; AWS limits them to statements the same IAM identity submitted.',
    });
    this.dataApiStatements = statements;
    this.warehouseUrl = warehouseUrl(
      target,
      this.copyRole.roleArn,
      stack.region,
    );
  }

  /** Grants the Data API permissions for this warehouse to a function. */
  grantDataApi(grantee: iam.IGrantable): void {
    for (const statement of this.dataApiStatements) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }

  /** The IAM5 wildcard findings the Data API grant causes, with reasons. */
  get dataApiWildcards(): readonly { finding: string; reason: string }[] {
    return this.wildcards;
  }
}

function dataApiStatement(resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'redshift-data:ExecuteStatement',
      'redshift-data:BatchExecuteStatement',
    ],
    resources,
  });
}

/**
 * Builds the `redshift://` URL like `formatRedshiftUrl`, but leaves CDK
 * tokens unencoded so that CloudFormation can still substitute them.
 */
function warehouseUrl(
  target: RedshiftTarget,
  iamRole: string,
  region: string,
): string {
  const encode = (value: string): string =>
    Token.isUnresolved(value) ? value : encodeURIComponent(value);
  const query: string[] = [];
  if (target.secretArn) query.push(`secret_arn=${encode(target.secretArn)}`);
  if (target.kind === 'provisioned' && target.dbUser) {
    query.push(`db_user=${encode(target.dbUser)}`);
  }
  query.push(`iam_role=${encode(iamRole)}`, `region=${encode(region)}`);
  const base =
    target.kind === 'serverless'
      ? `redshift://workgroup/${target.workgroupName}/${target.database}`
      : `redshift://cluster/${target.clusterIdentifier}/${target.database}`;
  return `${base}?${query.join('&')}`;
}
