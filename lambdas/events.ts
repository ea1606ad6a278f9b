import type { z } from 'zod';
import { ConfigurationError } from '../lib/errors';
import type { Logger } from '../lib/log';

/**
 * Validates a state machine input with `schema`. Raises
 * `ConfigurationError` naming each invalid field and the expected shape.
 */
export function parseStepEvent<Schema extends z.ZodType>(
  schema: Schema,
  raw: unknown,
  step: string,
  expected: string,
): z.infer<Schema> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`)
    .join('; ');
  throw new ConfigurationError(
    `Invalid ${step} input: ${problems}. Expected ${expected}.`,
  );
}

/**
 * Runs a handler body and logs its failure with the error type, which the
 * state machine's retry rules match, before raising it again.
 */
export async function logFailure<T>(
  logger: Logger,
  step: string,
  fields: Record<string, unknown>,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const { name, message } =
      error instanceof Error ? error : new Error(String(error));
    logger.error(
      `The ${step} step failed; the state machine retries it or fails the run.`,
      { ...fields, errorType: name, error: message },
    );
    throw error;
  }
}
