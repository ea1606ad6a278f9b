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

/** Parts of a run over which `RssSampler.peaksByPart` reports peaks. */
export const RSS_PARTS = 10;

/**
 * Samples this process's resident set size every `intervalMs`, so that a
 * worker can show how its memory changed over a run, not only its peak.
 */
export class RssSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 250) {
    this.samples.push(process.memoryUsage.rss());
    this.timer = setInterval(
      () => this.samples.push(process.memoryUsage.rss()),
      intervalMs,
    );
    this.timer.unref();
  }

  /**
   * Stops sampling and returns the largest sample of each of `RSS_PARTS`
   * equal parts of the run, in bytes, first part first.
   */
  peaksByPart(): number[] {
    clearInterval(this.timer);
    this.samples.push(process.memoryUsage.rss());
    const peaks: number[] = [];
    for (let part = 0; part < RSS_PARTS; part++) {
      const start = Math.floor((part * this.samples.length) / RSS_PARTS);
      const end = Math.max(
        start + 1,
        Math.floor(((part + 1) * this.samples.length) / RSS_PARTS),
      );
      peaks.push(Math.max(...this.samples.slice(start, end)));
    }
    return peaks;
  }
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
