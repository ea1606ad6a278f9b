import type { Context } from 'aws-lambda';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AuthorizeOutput } from '../../lambdas/authorize';
import type { ExtractOutput } from '../../lambdas/extract';
import type { StepMetrics } from '../../lambdas/observability';
import { S3LandingStore } from '../../lib/landing/s3-store';
import type { Logger } from '../../lib/log';
import type {
  LandedParts,
  Row,
  Warehouse,
} from '../../lib/warehouse/warehouse';
import { mockSecretStore, SecretStore } from '../secrets/secret-store';

// s3rver ships no type declarations.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

export const BUCKET = 'crossbeam-landing';
export const PREFIX = 'crossbeam';
export const SECRET_ID = 'crossbeam-warehouse/crossbeam-api';
export const ROLE = 'arn:aws:iam::123456789012:role/crossbeam-copy';

/** Starts a loopback s3rver with the landing bucket, for one test file. */
export async function startS3(): Promise<{
  endpoint: string;
  openStore: () => S3LandingStore;
  close: () => Promise<void>;
}> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    openStore: () =>
      new S3LandingStore({
        bucket: BUCKET,
        prefix: PREFIX,
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    close: async () => {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** Returns the environment the stack sets, pointing at loopback servers. */
export function lambdaEnv(apiUrl: string): NodeJS.ProcessEnv {
  return {
    CROSSBEAM_WAREHOUSE: `redshift://workgroup/analytics/dev?iam_role=${ROLE}`,
    CROSSBEAM_LANDING: `s3://${BUCKET}/${PREFIX}`,
    CROSSBEAM_SCHEMA_CROSSBEAM: 'crossbeam',
    CROSSBEAM_SCHEMA_STAGING: 'crossbeam_staging',
    CROSSBEAM_SCHEMA_MODELS: 'crossbeam_models',
    CROSSBEAM_SCHEMA_DASHBOARDS: 'crossbeam_dashboards',
    CROSSBEAM_SECRET_ID: SECRET_ID,
    CROSSBEAM_API_URL: apiUrl,
    CROSSBEAM_AUTH_URL: apiUrl,
  };
}

/**
 * Secrets Manager mocked for every client: an in-memory secret named
 * `SECRET_ID` that starts as `secret` and keeps every write.
 */
export function mockSecret(secret: Record<string, unknown>) {
  const store = new SecretStore(SECRET_ID, secret);
  return { mock: mockSecretStore(store), store };
}

/** Narrows a handler output to an extract's, failing on any other. */
export function asExtractOutput(
  output: ExtractOutput | AuthorizeOutput,
): ExtractOutput {
  if (!('status' in output)) {
    throw new Error(
      `expected an extract output, got ${JSON.stringify(output)}`,
    );
  }
  return output;
}

/** Log lines and metrics a handler produced, for assertions. */
export function recordingObservability() {
  const lines: { level: string; message: string; fields: unknown }[] = [];
  const metrics: {
    name: string;
    unit: string;
    value: number;
    dimensions: Record<string, string>;
  }[] = [];
  let dimensions: Record<string, string> = {};
  const record =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const stepMetrics: StepMetrics = {
    addDimension: (name, value) => {
      dimensions[name] = value;
    },
    addMetric: (name, unit, value) => {
      metrics.push({ name, unit, value, dimensions: { ...dimensions } });
    },
    publishStoredMetrics: () => {
      dimensions = {};
    },
  };
  return { lines, metrics, observability: { logger, metrics: stepMetrics } };
}

/**
 * A warehouse that records every statement. `answer` returns the rows of a
 * query; COPY resolves with the number of lines in the landed parts.
 */
export class RecordingWarehouse implements Warehouse {
  readonly dialect = 'redshift' as const;
  readonly url = `redshift://workgroup/analytics/dev?iam_role=${ROLE}`;
  readonly queries: string[] = [];
  readonly batches: string[][] = [];
  readonly copies: {
    table: string;
    columns: readonly string[];
    manifest: string;
  }[] = [];
  closed = 0;

  constructor(private readonly answer: (sql: string) => Row[] = () => []) {}

  async query(sql: string): Promise<Row[]> {
    this.queries.push(sql);
    return this.answer(sql);
  }

  async executeBatch(sqls: readonly string[]): Promise<void> {
    this.batches.push([...sqls]);
  }

  async copyFromLanding(
    table: { schema: string; name: string; columns: readonly string[] },
    landed: LandedParts,
  ): Promise<number> {
    const manifest = landed.store.locate(landed.copyManifest);
    this.copies.push({
      table: `${table.schema}.${table.name}`,
      columns: table.columns,
      manifest,
    });
    let rows = 0;
    for (const part of landed.parts) {
      const text = gunzipSync(await landed.store.getBuffer(part)).toString();
      rows += text.split('\n').filter((line) => line !== '').length;
    }
    return rows;
  }

  async close(): Promise<void> {
    this.closed += 1;
  }
}

/** Returns a Lambda context whose remaining time is fixed. */
export function lambdaContext(remainingMs: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'crossbeam-extract',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-east-1:123456789012:function:crossbeam-extract',
    memoryLimitInMB: '1024',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/crossbeam-extract',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
