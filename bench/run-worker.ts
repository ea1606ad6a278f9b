import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Maximum stderr tail quoted when a worker fails, in characters. */
const STDERR_TAIL = 4000;

/** Node options that write a V8 CPU profile into `dir`, when one is given. */
export function cpuProfileArgs(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * Runs `node <worker>.js <job file>` beside this file and returns the JSON
 * object that the worker prints as its last stdout line. Raises an error
 * with the worker's stderr when it exits with another code than 0.
 * `nodeArgs` go to node before the script: a heap ceiling, a CPU profile.
 */
export async function runWorker<T>(
  worker: 'extract-worker' | 'load-worker',
  job: object,
  jobFile: string,
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<T> {
  await writeFile(jobFile, JSON.stringify(job));
  const script = path.join(__dirname, `${worker}.js`);
  const child = spawn(process.execPath, [...nodeArgs, script, jobFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `Benchmark ${worker} exited with code ${code} on job ${jobFile}:\n${stderr.trim()}`,
    );
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch (error) {
    throw new Error(
      `Benchmark ${worker} printed no JSON outcome on its last stdout line (got ${JSON.stringify(last.slice(0, 200))}).`,
      { cause: error },
    );
  }
}
