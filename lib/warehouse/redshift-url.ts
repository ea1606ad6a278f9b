import { ConfigurationError } from '../errors';
import { redactUrl } from '../redact-url';

/**
 * The Data API target of statements. `serverless` is a Redshift Serverless
 * workgroup. `provisioned` is a cluster, which also needs a Secrets Manager
 * secret or a database user for temporary credentials.
 */
export type RedshiftTarget =
  | {
      readonly kind: 'serverless';
      readonly workgroupName: string;
      readonly database: string;
      /** Optional secret with database credentials; IAM identity otherwise. */
      readonly secretArn?: string;
      /** Role Redshift assumes to read the landing bucket during COPY. */
      readonly iamRole?: string;
      readonly region?: string;
    }
  | {
      readonly kind: 'provisioned';
      readonly clusterIdentifier: string;
      readonly database: string;
      readonly secretArn?: string;
      readonly dbUser?: string;
      readonly iamRole?: string;
      readonly region?: string;
    };

const ACCEPTED_FORMS =
  'redshift://workgroup/<workgroup name>/<database> or redshift://cluster/<cluster id>/<database>?secret_arn=<arn> (or ?db_user=<user>), optionally with &iam_role=<role arn>&region=<region>';

const QUERY_KEYS = ['secret_arn', 'db_user', 'iam_role', 'region'] as const;

/** Lower-case letters, digits and hyphens, as Redshift names them. */
const RESOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_$]{0,126}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

function invalid(url: string, reason: string): ConfigurationError {
  return new ConfigurationError(
    `Invalid Redshift warehouse URL ${JSON.stringify(redactUrl(url))}: ${reason}. Use ${ACCEPTED_FORMS}.`,
  );
}

/**
 * Parses a `redshift://` warehouse URL into a Data API target. Raises
 * `ConfigurationError` naming the URL and the accepted forms when the URL
 * has another shape, an unknown query key, or an invalid name or ARN.
 *
 * @example
 * parseRedshiftUrl('redshift://workgroup/analytics/dev?region=eu-west-1');
 */
export function parseRedshiftUrl(url: string): RedshiftTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, 'it is not a URL');
  }
  if (parsed.protocol !== 'redshift:') {
    throw invalid(url, `the scheme is ${parsed.protocol} instead of redshift:`);
  }
  if (parsed.username || parsed.password) {
    throw invalid(
      url,
      'it contains credentials; name a Secrets Manager secret with secret_arn instead',
    );
  }

  const kind = parsed.hostname;
  const segments = parsed.pathname.split('/').filter((part) => part !== '');
  if (kind !== 'workgroup' && kind !== 'cluster') {
    throw invalid(
      url,
      `it starts with ${JSON.stringify(kind)} instead of workgroup or cluster`,
    );
  }
  if (segments.length !== 2) {
    throw invalid(url, `it needs a ${kind} name and a database after ${kind}/`);
  }
  const [name, database] = segments.map(decodeURIComponent) as [string, string];
  if (!RESOURCE_NAME.test(name)) {
    throw invalid(
      url,
      `${kind} name ${JSON.stringify(name)} must be lower-case letters, digits and hyphens`,
    );
  }
  if (!DATABASE_NAME.test(database)) {
    throw invalid(
      url,
      `database ${JSON.stringify(database)} must be a lower-case SQL name`,
    );
  }

  const query = readQuery(url, parsed.searchParams);
  if (kind === 'workgroup') {
    if (query.db_user !== undefined) {
      throw invalid(url, 'db_user applies only to provisioned clusters');
    }
    return {
      kind: 'serverless',
      workgroupName: name,
      database,
      ...optional('secretArn', query.secret_arn),
      ...optional('iamRole', query.iam_role),
      ...optional('region', query.region),
    };
  }

  if ((query.secret_arn === undefined) === (query.db_user === undefined)) {
    throw invalid(
      url,
      'a cluster needs exactly one of secret_arn or db_user for its credentials',
    );
  }
  return {
    kind: 'provisioned',
    clusterIdentifier: name,
    database,
    ...optional('secretArn', query.secret_arn),
    ...optional('dbUser', query.db_user),
    ...optional('iamRole', query.iam_role),
    ...optional('region', query.region),
  };
}

function readQuery(
  url: string,
  params: URLSearchParams,
): Partial<Record<(typeof QUERY_KEYS)[number], string>> {
  const values: Partial<Record<(typeof QUERY_KEYS)[number], string>> = {};
  for (const [key, value] of params) {
    if (!(QUERY_KEYS as readonly string[]).includes(key)) {
      throw invalid(
        url,
        `query key ${JSON.stringify(key)} is unknown; the accepted keys are ${QUERY_KEYS.join(', ')}`,
      );
    }
    if (value === '') throw invalid(url, `query key ${key} is empty`);
    values[key as (typeof QUERY_KEYS)[number]] = value;
  }

  const checks: [string | undefined, RegExp, string][] = [
    [values.secret_arn, SECRET_ARN, 'secret_arn must be a Secrets Manager ARN'],
    [values.iam_role, ROLE_ARN, 'iam_role must be an IAM role ARN'],
    [values.region, REGION, 'region must be an AWS region such as us-east-1'],
    [
      values.db_user,
      /^[a-z_][a-z0-9_$]{0,126}$/,
      'db_user must be a lower-case database user name',
    ],
  ];
  for (const [value, pattern, message] of checks) {
    if (value !== undefined && !pattern.test(value)) {
      throw invalid(url, `${message} (received ${JSON.stringify(value)})`);
    }
  }
  return values;
}

function optional<K extends string>(
  key: K,
  value: string | undefined,
): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: string });
}

/**
 * Formats a target back into its `redshift://` URL, the inverse of
 * `parseRedshiftUrl`.
 */
export function formatRedshiftUrl(target: RedshiftTarget): string {
  const params = new URLSearchParams();
  if (target.secretArn) params.set('secret_arn', target.secretArn);
  if (target.kind === 'provisioned' && target.dbUser) {
    params.set('db_user', target.dbUser);
  }
  if (target.iamRole) params.set('iam_role', target.iamRole);
  if (target.region) params.set('region', target.region);
  const base =
    target.kind === 'serverless'
      ? `redshift://workgroup/${target.workgroupName}/${target.database}`
      : `redshift://cluster/${target.clusterIdentifier}/${target.database}`;
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}
