import { readFileSync } from 'node:fs';

/**
 * Reads a worker's job from the JSON file named in argv[2], or raises an
 * error that names the file and how the worker is started.
 */
export function readJob<T>(worker: string): T {
  const file = process.argv[2];
  if (file === undefined) {
    throw new Error(
      `Missing job file: start ${worker} as "node dist/bench/${worker}.js <job.json>", as bench.js does.`,
    );
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(
      `Job file ${file} of ${worker} is unreadable: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Peak resident set size of this process so far, in bytes. */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** CPU time of this process so far, user and system, in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Prints the outcome as the last stdout line, or the error and exit code 1. */
export function finishWorker<T>(work: () => Promise<T>): void {
  work().then(
    (outcome) => {
      process.stdout.write(`${JSON.stringify(outcome)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
