import type { SplitSetting } from '../lib/extract/split-mode';
import type { BenchScale } from './scales';

/** Figures of one scale, as the JSON report stores them. */
export interface ScaleReport {
  readonly scale: BenchScale;
  /** Sandbox accounts (our records), the numeric sandbox scale. */
  readonly accounts: number;
  /** Account overlaps visible at the start clock. */
  readonly accountOverlaps: number;
  readonly leadOverlaps: number;
  readonly extract: {
    readonly latencyMs: number;
    readonly concurrency: number;
    /** How the overlap streams were to be read, as the pipeline setting. */
    readonly splitOverlapsByPartner: SplitSetting;
    /** Streams the timed pass read one partner at a time. */
    readonly splitStreams: string[];
    readonly pages: number;
    readonly records: number;
    readonly wallMs: number;
    /** pages ÷ concurrency × latency. */
    readonly latencyBoundMs: number;
    /** wallMs ÷ latencyBoundMs. */
    readonly latencyBoundRatio: number;
    /**
     * Pages of the longest list × latency: the pages of one list are read
     * one after another. For a stream split by partner the longest list is
     * the partner list plus the largest partner's.
     */
    readonly longestStreamBoundMs: number;
    readonly longestStream: string;
  };
  readonly throughput: {
    /** Full extract with no latency. */
    readonly wallMs: number;
    readonly records: number;
    readonly recordsPerSecond: number;
    readonly ceilingRecordsPerSecond: number;
    readonly ceilingRatio: number;
    /** Uncompressed bytes of the raw pages. */
    readonly rawBytes: number;
    /** CPU time of the extract process, all its threads. */
    readonly extractCpuMs: number;
    /** CPU time of the benchmark process that serves the sandbox. */
    readonly sandboxCpuMs: number;
  };
  readonly memory: {
    /** `--max-old-space-size` of the extract process, as deployed. */
    readonly extractHeapMb: number;
    /**
     * V8's heap size limit inside the extract process: the ceiling plus
     * the young generation.
     */
    readonly extractV8HeapLimitMb: number;
    /** Peak RSS of the extract process, the larger of the two full runs. */
    readonly extractPeakRssMb: number;
    /**
     * Peak RSS of the timed pass's extract in each tenth of its run, first
     * tenth first: flat when memory does not grow with the records read.
     */
    readonly extractRssByTenthMb: number[];
    /** Load process peak RSS less its RSS before PGlite opened. */
    readonly pgliteFootprintMb: number;
    readonly loadPeakRssMb: number;
  };
  readonly warehouse: {
    readonly loadMs: number;
    readonly buildMs: number;
    readonly modelsBuilt: number;
    readonly loadMsPerMillionOverlaps: number;
    readonly buildMsPerMillionOverlaps: number;
  };
  readonly incremental: {
    readonly clock: string;
    readonly changedAccountOverlaps: number;
    readonly changedLeadOverlaps: number;
    /** Changed account overlaps ÷ account overlaps at the start clock. */
    readonly changedShare: number;
    readonly records: number;
    readonly wallMs: number;
    /** Records of account_overlaps and lead_overlaps only. */
    readonly overlapRecords: number;
    /** Summed stream times of account_overlaps and lead_overlaps. */
    readonly overlapStreamsMs: number;
    readonly recordsRatio: number;
    readonly timeRatio: number;
    readonly overlapRecordsRatio: number;
    readonly overlapTimeRatio: number;
    /** Load time of the incremental run, every stream. */
    readonly loadMs: number;
    /** loadMs ÷ the full run's load time. */
    readonly loadRatio: number;
    /** Load time of account_overlaps and lead_overlaps in the incremental run. */
    readonly overlapLoadMs: number;
    /** overlapLoadMs ÷ the same streams' load time in the full run. */
    readonly overlapLoadRatio: number;
    /** A second full pass at the same clock, as a tap that re-reads everything makes. */
    readonly fullPull: { readonly records: number; readonly wallMs: number };
  };
}

export interface TargetResult {
  readonly name: string;
  readonly scale: BenchScale;
  readonly value: number;
  readonly limit: string;
  readonly pass: boolean;
}

export interface BenchReport {
  readonly generatedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly node: string;
    readonly platform: string;
    /** 1-minute load average when the run began. */
    readonly loadAverage: number;
  };
  readonly seed: number;
  readonly scales: ScaleReport[];
  /** Extract peak RSS of the largest scale ÷ the smallest's; null for one scale. */
  readonly rssGrowth: number | null;
  readonly targets: TargetResult[];
}

const round = (value: number, digits = 2) =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Judges the figures against the targets. The incremental targets are
 * judged on the overlap streams, because snapshot streams (accounts, leads)
 * are read in full on every run by design.
 */
export function judgeTargets(
  scales: readonly ScaleReport[],
  rssGrowth: number | null,
): TargetResult[] {
  const results: TargetResult[] = [];
  for (const report of scales) {
    const { scale } = report;
    results.push(
      {
        name: 'extract wall time ÷ latency bound',
        scale,
        value: round(report.extract.latencyBoundRatio),
        limit: '≤ 1.25',
        pass: report.extract.latencyBoundRatio <= 1.25,
      },
      {
        name: 'records/s ÷ parse+gzip ceiling',
        scale,
        value: round(report.throughput.ceilingRatio),
        limit: '≥ 0.5',
        pass: report.throughput.ceilingRatio >= 0.5,
      },
      {
        name: 'incremental overlap records ÷ full',
        scale,
        value: round(report.incremental.overlapRecordsRatio, 4),
        limit: '≤ 0.02',
        pass: report.incremental.overlapRecordsRatio <= 0.02,
      },
      {
        name: 'incremental overlap time ÷ full',
        scale,
        value: round(report.incremental.overlapTimeRatio, 4),
        limit: '≤ 0.10',
        pass: report.incremental.overlapTimeRatio <= 0.1,
      },
    );
    if (report.accountOverlaps >= 900_000) {
      results.push({
        name: 'extract peak RSS MB at a million overlaps',
        scale,
        value: round(report.memory.extractPeakRssMb, 0),
        limit: '< 300',
        pass: report.memory.extractPeakRssMb < 300,
      });
    }
  }
  if (rssGrowth !== null) {
    const largest = scales[scales.length - 1]!;
    results.push({
      name: 'extract peak RSS ÷ smallest scale',
      scale: largest.scale,
      value: round(rssGrowth),
      limit: '≤ 1.3',
      pass: rssGrowth <= 1.3,
    });
  }
  return results;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, index) =>
      index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!),
    )
    .join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, index) =>
    Math.max(cell.length, ...rows.map((row) => row[index]!.length)),
  );
  return [pad(header, widths), ...rows.map((row) => pad(row, widths))].join(
    '\n',
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const fixed = (value: number, digits = 2) => value.toFixed(digits);

/** Renders the report as plain-text tables for the terminal. */
export function formatReport(report: BenchReport): string {
  const scales = report.scales;
  const figures = table(
    ['figure', ...scales.map((scale) => scale.scale)],
    [
      ['accounts', ...scales.map((s) => String(s.accounts))],
      ['account overlaps', ...scales.map((s) => String(s.accountOverlaps))],
      ['extract pages', ...scales.map((s) => String(s.extract.pages))],
      ['extract records', ...scales.map((s) => String(s.extract.records))],
      [
        `extract s at ${scales[0]?.extract.latencyMs ?? 0} ms/page`,
        ...scales.map((s) => seconds(s.extract.wallMs)),
      ],
      [
        'latency bound s',
        ...scales.map((s) => seconds(s.extract.latencyBoundMs)),
      ],
      [
        'extract ÷ latency bound',
        ...scales.map((s) => fixed(s.extract.latencyBoundRatio)),
      ],
      [
        'longest list bound s',
        ...scales.map((s) => seconds(s.extract.longestStreamBoundMs)),
      ],
      [
        'records/s, no latency',
        ...scales.map((s) => fixed(s.throughput.recordsPerSecond, 0)),
      ],
      [
        'ceiling records/s',
        ...scales.map((s) => fixed(s.throughput.ceilingRecordsPerSecond, 0)),
      ],
      [
        'records/s ÷ ceiling',
        ...scales.map((s) => fixed(s.throughput.ceilingRatio)),
      ],
      [
        'extract CPU s, no latency',
        ...scales.map((s) => seconds(s.throughput.extractCpuMs)),
      ],
      [
        'sandbox CPU s, no latency',
        ...scales.map((s) => seconds(s.throughput.sandboxCpuMs)),
      ],
      [
        'extract heap ceiling MB',
        ...scales.map((s) => fixed(s.memory.extractHeapMb, 0)),
      ],
      [
        'extract peak RSS MB',
        ...scales.map((s) => fixed(s.memory.extractPeakRssMb, 0)),
      ],
      [
        'PGlite footprint MB',
        ...scales.map((s) => fixed(s.memory.pgliteFootprintMb, 0)),
      ],
      [
        'load s per M overlaps',
        ...scales.map((s) => seconds(s.warehouse.loadMsPerMillionOverlaps)),
      ],
      [
        'build s per M overlaps',
        ...scales.map((s) => seconds(s.warehouse.buildMsPerMillionOverlaps)),
      ],
      [
        'changed overlaps %',
        ...scales.map((s) => fixed(s.incremental.changedShare * 100)),
      ],
      [
        'incr. records ÷ full, all',
        ...scales.map((s) => fixed(s.incremental.recordsRatio, 3)),
      ],
      [
        'incr. time ÷ full, all',
        ...scales.map((s) => fixed(s.incremental.timeRatio, 3)),
      ],
      [
        'incr. records ÷ full, overlaps',
        ...scales.map((s) => fixed(s.incremental.overlapRecordsRatio, 4)),
      ],
      [
        'incr. time ÷ full, overlaps',
        ...scales.map((s) => fixed(s.incremental.overlapTimeRatio, 3)),
      ],
      [
        'incr. load ÷ full, all',
        ...scales.map((s) => fixed(s.incremental.loadRatio, 3)),
      ],
      [
        'incr. load ÷ full, overlaps',
        ...scales.map((s) => fixed(s.incremental.overlapLoadRatio, 3)),
      ],
      [
        'full pull records',
        ...scales.map((s) => String(s.incremental.fullPull.records)),
      ],
      [
        'full pull s',
        ...scales.map((s) => seconds(s.incremental.fullPull.wallMs)),
      ],
    ],
  );
  const targets = table(
    ['target', 'scale', 'value', 'limit', 'result'],
    report.targets.map((target) => [
      target.name,
      target.scale,
      String(target.value),
      target.limit,
      target.pass ? 'pass' : 'MISS',
    ]),
  );
  const machine = report.machine;
  const extract = report.scales[0]?.extract;
  const extractLine =
    extract === undefined
      ? []
      : [
          `Extract: ${extract.concurrency} requests in flight, splitOverlapsByPartner ${String(extract.splitOverlapsByPartner)}.`,
          ...report.scales.map(
            (scale) =>
              `Overlap streams at ${scale.scale}: ${scale.extract.splitStreams.length === 0 ? 'read as one list each' : `read one partner at a time: ${scale.extract.splitStreams.join(', ')}`}.`,
          ),
        ];
  return [
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverage.toFixed(2)} at start.`,
    ...extractLine,
    '',
    figures,
    '',
    report.rssGrowth === null
      ? 'Extract RSS growth: run two or more scales (--scale smoke,large) to measure it.'
      : `Extract peak RSS, largest ÷ smallest scale: ${fixed(report.rssGrowth)}`,
    ...scales.map(
      (scale) =>
        `Extract peak RSS MB by tenth of the timed pass, ${scale.scale}: ${scale.memory.extractRssByTenthMb.map((mb) => fixed(mb, 0)).join(' ')}`,
    ),
    '',
    targets,
    '',
  ].join('\n');
}
