import { parseSourcesConfig } from '../sources/config';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { settingMessage } from '../config/issues';
import { valueAt } from '../config/value-at';
import { ConfigurationError } from '../errors';
import { DeployConfigSchema, type DeployConfig } from './schema';

/** The cdk.json context key of the deployment settings. */
export const CONFIG_CONTEXT_KEY = 'crossbeamWarehouse';
/** The context key naming a JSON file with (more) deployment settings. */
export const CONFIG_FILE_CONTEXT_KEY = 'crossbeamWarehouseConfigFile';

/** A source of context values, such as an App's or a Stack's node. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * Reads the deployment settings from the `crossbeamWarehouse` context value
 * and the file named by `crossbeamWarehouseConfigFile` (relative to `cwd`).
 * The file is read first and each top-level key of the context value
 * replaces the file's. A context value given as a JSON string (`cdk synth
 * -c crossbeamWarehouse='{…}'`) is parsed. Raises `ConfigurationError`
 * listing every invalid setting with its path and what it allows.
 */
export function loadDeployConfig(
  context: ContextSource,
  cwd: string = process.cwd(),
): DeployConfig {
  const fileName = context.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  const fromFile =
    fileName === undefined ? {} : readConfigFile(String(fileName), cwd);
  const fromContext = asObject(
    context.tryGetContext(CONFIG_CONTEXT_KEY),
    `context value ${CONFIG_CONTEXT_KEY}`,
  );
  if (fileName === undefined && fromContext === undefined) {
    throw new ConfigurationError(
      `No deployment settings found: set the context key ${CONFIG_CONTEXT_KEY} in cdk.json, or ${CONFIG_FILE_CONTEXT_KEY} to the path of a JSON file. docs/deploy.md shows an example.`,
    );
  }
  return parseDeployConfig({ ...fromFile, ...(fromContext ?? {}) });
}

/** Validates deployment settings, reporting every problem at once. */
export function parseDeployConfig(input: unknown): DeployConfig {
  const result = DeployConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigurationError(
      `Invalid ${CONFIG_CONTEXT_KEY} settings:\n${describeIssues(result.error, input)}\nFix them in cdk.json (context key ${CONFIG_CONTEXT_KEY}) or the file named by ${CONFIG_FILE_CONTEXT_KEY}.`,
      { cause: result.error },
    );
  }
  // The build step reads the sources, but a wrong one should stop the
  // synth, not the first scheduled run.
  if (result.data.sources !== undefined) {
    parseSourcesConfig(result.data.sources, `${CONFIG_CONTEXT_KEY}.sources`);
  }
  return result.data;
}

function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const where = [CONFIG_CONTEXT_KEY, ...issue.path.map(String)].join('.');
      const received = valueAt(input, issue.path);
      const receivedText =
        received === undefined ? '' : ` (received ${JSON.stringify(received)})`;
      return `  - ${where}: ${settingMessage(issue)}${receivedText}`;
    })
    .join('\n');
}

function readConfigFile(fileName: string, cwd: string): object {
  const resolved = path.resolve(cwd, fileName);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `Deployment settings file ${resolved} (context ${CONFIG_FILE_CONTEXT_KEY}) could not be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `Deployment settings file ${resolved} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return asObject(parsed, `file ${resolved}`) ?? {};
}

function asObject(value: unknown, label: string): object | undefined {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new ConfigurationError(
        `The ${label} is a string that is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError(
      `The ${label} must be a JSON object of deployment settings (received ${JSON.stringify(value)}).`,
    );
  }
  return parsed;
}
