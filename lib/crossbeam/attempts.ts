import { CrossbeamApiError } from '../errors';
import { backoffDelayMs } from './retry';

/** Logger the Crossbeam client writes to. The `Logger` of `lib/log.ts` satisfies it. */
export interface ClientLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Limits and clocks for one retried request. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxRetryTimeMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
  readonly logger: ClientLogger;
}

/**
 * Error an attempt throws to request another: after a 429, a 5xx, a timeout,
 * a dropped connection or a malformed page. `problem` ends up in the final
 * error when no attempt succeeds.
 */
export class RetryableAttemptError extends Error {
  constructor(
    readonly problem: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(problem, options);
    this.name = 'RetryableAttemptError';
  }
}

/** A response that arrived but cannot be used: not JSON, wrong envelope, a stuck cursor. */
export class MalformedResponseError extends RetryableAttemptError {
  constructor(problem: string, status?: number) {
    super(problem, status);
    this.name = 'MalformedResponseError';
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Runs `attempt` until it returns, retrying only on `RetryableAttemptError`
 * with exponential backoff and full jitter. A `Retry-After` delay replaces the
 * jittered one when it is longer. Gives up with a `CrossbeamApiError` after
 * `maxAttempts` attempts, or earlier when the next wait would take the total
 * time past `maxRetryTimeMs`. Any other error propagates at once.
 *
 * `onRetry` runs before each wait, so callers can count retries.
 */
export async function runWithRetries<T>(
  description: string,
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry?: () => void,
): Promise<T> {
  const started = policy.now();
  let waitedMs = 0;

  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof RetryableAttemptError)) throw error;

      const elapsedMs = Math.max(policy.now() - started, waitedMs);
      if (attemptNumber >= policy.maxAttempts) {
        const hint =
          error instanceof MalformedResponseError
            ? 'Retry later, and report it to Crossbeam support if it persists.'
            : 'Check that the Crossbeam API is reachable, or raise retry.maxAttempts in the config file if the service is recovering.';
        throw new CrossbeamApiError(
          `${description} failed after ${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'} over ${seconds(elapsedMs)}: ${error.problem}. ${hint}`,
          error.status,
          { cause: error },
        );
      }

      const jitteredMs = backoffDelayMs(
        attemptNumber,
        policy.baseDelayMs,
        policy.maxDelayMs,
        policy.random,
      );
      const delayMs = Math.max(jitteredMs, error.retryAfterMs ?? 0);
      if (elapsedMs + delayMs > policy.maxRetryTimeMs) {
        throw new CrossbeamApiError(
          `${description} failed after ${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'} over ${seconds(elapsedMs)}: ${error.problem}. The next wait of ${seconds(delayMs)} would exceed the retry time limit of ${seconds(policy.maxRetryTimeMs)} (maxRetryTimeMs).`,
          error.status,
          { cause: error },
        );
      }

      policy.logger.warn(
        `${description} failed: ${error.problem}. Retrying in ${seconds(delayMs)}.`,
        {
          attempt: attemptNumber,
          maxAttempts: policy.maxAttempts,
          status: error.status,
          delayMs,
        },
      );
      onRetry?.();
      await policy.sleep(delayMs);
      waitedMs += delayMs;
    }
  }
}
