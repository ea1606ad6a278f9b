import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport, ScaleReport } from '../../bench/report';
import { extractHeapLimitMb } from '../../lib/extract/limiter';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const benchScript = path.join(root, 'dist/bench/bench.js');

/** Figures that must be finite and greater than zero in every scale report. */
const POSITIVE_FIGURES: readonly string[] = [
  'accounts',
  'accountOverlaps',
  'extract.pages',
  'extract.records',
  'extract.wallMs',
  'extract.latencyBoundMs',
  'extract.latencyBoundRatio',
  'extract.longestStreamBoundMs',
  'throughput.wallMs',
  'throughput.records',
  'throughput.recordsPerSecond',
  'throughput.ceilingRecordsPerSecond',
  'throughput.ceilingRatio',
  'throughput.rawBytes',
  'throughput.extractCpuMs',
  'throughput.sandboxCpuMs',
  'memory.extractHeapMb',
  'memory.extractPeakRssMb',
  'memory.pgliteFootprintMb',
  'memory.loadPeakRssMb',
  'warehouse.loadMs',
  'warehouse.loadMsPerMillionOverlaps',
  'warehouse.buildMs',
  'warehouse.buildMsPerMillionOverlaps',
  'warehouse.modelsBuilt',
  'incremental.changedAccountOverlaps',
  'incremental.changedShare',
  'incremental.records',
  'incremental.wallMs',
  'incremental.overlapRecords',
  'incremental.overlapStreamsMs',
  'incremental.recordsRatio',
  'incremental.timeRatio',
  'incremental.overlapRecordsRatio',
  'incremental.overlapTimeRatio',
  'incremental.loadMs',
  'incremental.loadRatio',
  'incremental.overlapLoadMs',
  'incremental.overlapLoadRatio',
  'incremental.fullPull.records',
  'incremental.fullPull.wallMs',
];

function figure(report: ScaleReport, dotted: string): unknown {
  let value: unknown = report;
  for (const key of dotted.split('.')) {
    value = (value as Record<string, unknown> | undefined)?.[key];
  }
  return value;
}

/** The default smoke report (one list at 17 partners), for comparisons. */
let oneListReport: BenchReport | undefined;

describe('npm run bench', () => {
  let workDir: string;
  let report: BenchReport;
  let stdout: string;

  beforeAll(async () => {
    if (!existsSync(benchScript)) {
      throw new Error(
        'dist/bench/bench.js is missing: run "npm run build" before this test (npm test does).',
      );
    }
    workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-test-'));
    const out = path.join(workDir, 'smoke.json');
    ({ stdout } = await run(
      process.execPath,
      [benchScript, '--scale', 'smoke', '--out', out, '--latency-ms', '20'],
      { cwd: root, timeout: 55_000 },
    ));
    report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
    oneListReport = report;
  }, 60_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('reports one smoke scale', () => {
    expect(report.scales.map((scale) => scale.scale)).toEqual(['smoke']);
  });

  test.each(POSITIVE_FIGURES)('reports %s as a positive number', (name) => {
    const value = figure(report.scales[0]!, name);

    expect(typeof value).toBe('number');
    expect(Number.isFinite(value)).toBe(true);
    expect(value as number).toBeGreaterThan(0);
  });

  test('reports the extract RSS of each tenth of the run', () => {
    const tenths = report.scales[0]!.memory.extractRssByTenthMb;

    expect(tenths).toHaveLength(10);
    for (const megabytes of tenths) expect(megabytes).toBeGreaterThan(20);
    expect(Math.max(...tenths)).toBeLessThanOrEqual(
      report.scales[0]!.memory.extractPeakRssMb + 1,
    );
    expect(stdout).toContain(
      'Extract peak RSS MB by tenth of the timed pass, smoke:',
    );
  });

  test("reads 17 partners' overlaps as one list under auto", () => {
    expect(report.scales[0]!.extract.splitOverlapsByPartner).toBe('auto');
    expect(report.scales[0]!.extract.splitStreams).toEqual([]);
    expect(stdout).toContain(
      'Overlap streams at smoke: read as one list each.',
    );
  });

  test('runs the extract under the heap ceiling it is deployed with', () => {
    const { memory, extract } = report.scales[0]!;

    expect(memory.extractHeapMb).toBe(extractHeapLimitMb(extract.concurrency));
    // V8's limit is the old-generation ceiling plus the young generation;
    // without the flag V8 sizes it from the machine's memory, far larger.
    expect(memory.extractV8HeapLimitMb).toBeGreaterThanOrEqual(
      memory.extractHeapMb,
    );
    expect(memory.extractV8HeapLimitMb).toBeLessThan(
      memory.extractHeapMb + 100,
    );
  });

  test('reads fewer records incrementally than in full', () => {
    const { incremental, extract } = report.scales[0]!;

    expect(incremental.overlapRecordsRatio).toBeLessThan(0.1);
    expect(incremental.records).toBeLessThan(extract.records);
    expect(incremental.fullPull.records).toBeGreaterThan(incremental.records);
  });

  test('changes about one percent of the overlaps', () => {
    const share = report.scales[0]!.incremental.changedShare;

    expect(share).toBeGreaterThanOrEqual(0.01);
    expect(share).toBeLessThan(0.02);
  });

  test('judges every target with a verdict', () => {
    const names = report.targets.map((target) => target.name);

    expect(names).toEqual(
      expect.arrayContaining([
        'extract wall time ÷ latency bound',
        'records/s ÷ parse+gzip ceiling',
        'incremental overlap records ÷ full',
        'incremental overlap time ÷ full',
      ]),
    );
    for (const target of report.targets) {
      expect(typeof target.pass).toBe('boolean');
      expect(Number.isFinite(target.value)).toBe(true);
    }
  });

  test('records the machine', () => {
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
  });

  test('prints the figures and the targets', () => {
    expect(stdout).toContain('extract ÷ latency bound');
    expect(stdout).toMatch(/records\/s ÷ parse\+gzip ceiling\s+smoke/);
    expect(stdout).toMatch(/\b(pass|MISS)\b/);
  });
});

describe('npm run bench -- --partner-split', () => {
  let workDir: string;
  let report: BenchReport;
  let stdout: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-one-list-'));
    const out = path.join(workDir, 'smoke.json');
    ({ stdout } = await run(
      process.execPath,
      [
        benchScript,
        '--scale',
        'smoke',
        '--out',
        out,
        '--latency-ms',
        '20',
        '--partner-split',
      ],
      { cwd: root, timeout: 55_000 },
    ));
    report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
  }, 60_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('reads each overlap stream one partner at a time', () => {
    expect(report.scales[0]!.extract.splitOverlapsByPartner).toBe(true);
    expect(report.scales[0]!.extract.splitStreams).toEqual([
      'account_overlaps',
      'lead_overlaps',
    ]);
    expect(stdout).toContain(
      'Overlap streams at smoke: read one partner at a time: account_overlaps, lead_overlaps.',
    );
  });

  test('reads more pages than one list', () => {
    // Split by partner, every partner's list ends on a page of its own.
    const oneList = oneListReport!.scales[0]!.extract;
    const split = report.scales[0]!.extract;

    expect(split.pages).toBeGreaterThan(oneList.pages);
    expect(split.records).toBeGreaterThan(oneList.records);
  });

  test('starts the incremental run from the partner bookmarks', () => {
    const { incremental } = report.scales[0]!;

    expect(incremental.overlapRecordsRatio).toBeLessThan(0.1);
    expect(incremental.overlapRecords).toBeGreaterThan(0);
  });
});
