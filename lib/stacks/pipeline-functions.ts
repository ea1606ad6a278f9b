import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  type ICommandHooks,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXTRACT_MEMORY_MB } from '../deploy-config/schema';

/** One function of the pipeline: its entry file, memory and timeout. */
interface FunctionSpec {
  readonly step: 'extract' | 'load' | 'build';
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Whether the bundle needs the `sql/` folder (migrations and models). */
  readonly needsSql: boolean;
}

const FUNCTIONS: readonly FunctionSpec[] = [
  {
    step: 'extract',
    description:
      'Reads one Crossbeam stream into the landing bucket until shortly before its timeout.',
    memorySize: EXTRACT_MEMORY_MB,
    timeout: Duration.minutes(15),
    needsSql: false,
  },
  {
    step: 'load',
    description:
      'Copies complete landed runs into Redshift and merges them in one transaction per run.',
    memorySize: 512,
    timeout: Duration.minutes(15),
    needsSql: true,
  },
  {
    step: 'build',
    description:
      'Applies pending migrations and rebuilds the model and dashboard views.',
    memorySize: 512,
    timeout: Duration.minutes(15),
    needsSql: true,
  },
];

export interface PipelineFunctionsProps {
  /** Environment variables of every function; none may hold a secret. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /**
   * V8 old-generation ceiling of the extract function, in MB
   * (`--max-old-space-size`).
   */
  readonly extractHeapMb: number;
}

/**
 * The extract, load and build functions: Node.js 24 on arm64, bundled by
 * the local esbuild with the AWS SDK included (the code needs a newer
 * client than the runtime may ship), each with its own role and log group.
 */
export class PipelineFunctions extends Construct {
  readonly extract: NodejsFunction;
  readonly load: NodejsFunction;
  readonly build: NodejsFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const root = projectRoot();
    const created = new Map<string, NodejsFunction>();

    for (const spec of FUNCTIONS) {
      const name = spec.step[0]!.toUpperCase() + spec.step.slice(1);
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${name}Role`, {
        description: `Runs the crossbeam-warehouse ${spec.step} function.`,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );

      const fn = new NodejsFunction(this, name, {
        description: spec.description,
        entry: path.join(root, 'lambdas', `${spec.step}.ts`),
        handler: 'handler',
        projectRoot: root,
        depsLockFilePath: path.join(root, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        role,
        logGroup,
        environment: {
          ...props.environment,
          // NOTE: not checked on a deployed function. If the Lambda runtime
          // starts node with its own --max-old-space-size, that flag wins
          // over this ceiling, because command-line options do.
          NODE_OPTIONS:
            spec.step === 'extract'
              ? `--enable-source-maps --max-old-space-size=${props.extractHeapMb}`
              : '--enable-source-maps',
        },
        bundling: {
          forceDockerBundling: false,
          externalModules: [],
          format: OutputFormat.CJS,
          target: 'node22',
          minify: true,
          // Error class names are the Lambda error types that the state
          // machine's retries match, so minification must keep them.
          keepNames: true,
          sourceMap: true,
          ...(spec.needsSql ? { commandHooks: copySqlFolder() } : {}),
        },
      });
      created.set(spec.step, fn);
    }

    this.extract = created.get('extract')!;
    this.load = created.get('load')!;
    this.build = created.get('build')!;
  }
}

/** Copies `sql/` into the bundle, where the migration runner finds it. */
function copySqlFolder(): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `cp -R "${path.join(inputDir, 'sql')}" "${path.join(outputDir, 'sql')}"`,
    ],
  };
}

/**
 * Finds the folder that contains lambdas/: two levels above this file under
 * ts-jest, three above it in the compiled dist/ tree.
 */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'lambdas', 'extract.ts'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `lambdas/extract.ts was not found above ${__dirname}; run cdk from a checkout of crossbeam-warehouse.`,
      );
    }
    dir = parent;
  }
  return dir;
}
