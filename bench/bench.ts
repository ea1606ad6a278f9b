import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatReport, judgeTargets, type BenchReport } from './report';
import { runScale } from './run-scale';
import { parseScales } from './scales';

function wholeNumber(flag: string, min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) {
      throw new InvalidArgumentError(
        `Invalid ${flag} ${JSON.stringify(value)}: use a whole number of at least ${min}.`,
      );
    }
    return number;
  };
}

interface BenchOptions {
  scale: string;
  out?: string;
  latencyMs: number;
  concurrency: number;
  /** Undefined unless --partner-split or --no-partner-split is given. */
  partnerSplit?: boolean;
  seed: number;
  keep: boolean;
  cpuProf?: string;
}

/**
 * Measures extract speed, memory, PGlite load and build time, and the cost
 * of an incremental run against the sandbox on loopback, prints a table with
 * the targets, and writes the JSON report to `--out` when given.
 */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('bench')
    .description(
      'Benchmark the extract, load and build steps against the Crossbeam sandbox on loopback.',
    )
    .option(
      '--scale <names>',
      'comma-separated scales: smoke, small, medium, large, million',
      'smoke',
    )
    .option('--out <file>', 'write the JSON report to this file')
    .option(
      '--latency-ms <ms>',
      'sandbox latency per page for the timed passes, in milliseconds',
      wholeNumber('--latency-ms', 0),
      200,
    )
    .option(
      '--concurrency <n>',
      'streams extracted at the same time (the pipeline default is 4)',
      wholeNumber('--concurrency', 1),
      4,
    )
    .option(
      '--partner-split',
      'read each overlap stream one partner at a time (splitOverlapsByPartner true; default auto)',
    )
    .option(
      '--no-partner-split',
      'read each overlap stream as one list (splitOverlapsByPartner false; default auto)',
    )
    .option('--seed <n>', 'sandbox world seed', wholeNumber('--seed', 0), 42)
    .option('--keep', 'keep the landing and warehouse folders', false)
    .option(
      '--cpu-prof <dir>',
      'write a V8 CPU profile of every extract and load worker to this folder',
    )
    .parse([...argv], { from: 'user' });
  const options = program.opts<BenchOptions>();
  const scales = parseScales(options.scale);
  const log = (message: string) => process.stderr.write(`${message}\n`);

  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg()[0] ?? 0,
  };

  const reports = [];
  for (const scale of scales) {
    reports.push(
      await runScale(scale, {
        seed: options.seed,
        latencyMs: options.latencyMs,
        concurrency: options.concurrency,
        splitOverlapsByPartner: options.partnerSplit ?? 'auto',
        changeShare: 0.01,
        keep: options.keep,
        cpuProfileDir:
          options.cpuProf === undefined
            ? undefined
            : path.resolve(options.cpuProf),
        log,
      }),
    );
  }
  const rssGrowth =
    reports.length > 1
      ? reports[reports.length - 1]!.memory.extractPeakRssMb /
        reports[0]!.memory.extractPeakRssMb
      : null;
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    machine,
    seed: options.seed,
    scales: reports,
    rssGrowth,
    targets: judgeTargets(reports, rssGrowth),
  };

  process.stdout.write(formatReport(report));
  if (options.out !== undefined) {
    const out = path.resolve(options.out);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`Wrote the benchmark report to ${out}.`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `Benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
