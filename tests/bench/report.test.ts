import {
  formatReport,
  judgeTargets,
  type BenchReport,
  type ScaleReport,
} from '../../bench/report';

function scaleReport(
  overrides: {
    latencyBoundRatio?: number;
    ceilingRatio?: number;
    overlapRecordsRatio?: number;
    overlapTimeRatio?: number;
    accountOverlaps?: number;
    extractPeakRssMb?: number;
  } = {},
): ScaleReport {
  return {
    scale: 'smoke',
    accounts: 1000,
    accountOverlaps: overrides.accountOverlaps ?? 1300,
    leadOverlaps: 90,
    extract: {
      latencyMs: 200,
      concurrency: 4,
      splitOverlapsByPartner: true,
      splitStreams: ['account_overlaps', 'lead_overlaps'],
      pages: 12,
      records: 3300,
      wallMs: 1000,
      latencyBoundMs: 600,
      latencyBoundRatio: overrides.latencyBoundRatio ?? 1.1,
      longestStreamBoundMs: 400,
      longestStream: 'account_overlaps',
    },
    throughput: {
      wallMs: 500,
      records: 3300,
      recordsPerSecond: 6600,
      ceilingRecordsPerSecond: 10_000,
      ceilingRatio: overrides.ceilingRatio ?? 0.66,
      rawBytes: 3_000_000,
      extractCpuMs: 400,
      sandboxCpuMs: 100,
    },
    memory: {
      extractHeapMb: 112,
      extractV8HeapLimitMb: 144,
      extractPeakRssMb: overrides.extractPeakRssMb ?? 120,
      extractRssByTenthMb: [100, 110, 112, 115, 118, 120, 119, 118, 117, 116],
      pgliteFootprintMb: 700,
      loadPeakRssMb: 800,
    },
    warehouse: {
      loadMs: 1000,
      buildMs: 100,
      modelsBuilt: 20,
      loadMsPerMillionOverlaps: 700_000,
      buildMsPerMillionOverlaps: 70_000,
    },
    incremental: {
      clock: '2026-01-18T00:00:00.000Z',
      changedAccountOverlaps: 13,
      changedLeadOverlaps: 1,
      changedShare: 0.01,
      records: 1500,
      wallMs: 500,
      overlapRecords: 14,
      overlapStreamsMs: 50,
      recordsRatio: 0.45,
      timeRatio: 0.5,
      overlapRecordsRatio: overrides.overlapRecordsRatio ?? 0.01,
      overlapTimeRatio: overrides.overlapTimeRatio ?? 0.05,
      loadMs: 300,
      loadRatio: 0.3,
      overlapLoadMs: 30,
      overlapLoadRatio: 0.05,
      fullPull: { records: 3310, wallMs: 1000 },
    },
  };
}

function verdicts(report: ScaleReport, growth: number | null = null) {
  return Object.fromEntries(
    judgeTargets([report], growth).map((target) => [target.name, target.pass]),
  );
}

describe('judgeTargets', () => {
  test('passes figures within every target', () => {
    expect(verdicts(scaleReport())).toEqual({
      'extract wall time ÷ latency bound': true,
      'records/s ÷ parse+gzip ceiling': true,
      'incremental overlap records ÷ full': true,
      'incremental overlap time ÷ full': true,
    });
  });

  test.each([
    ['extract wall time ÷ latency bound', { latencyBoundRatio: 1.3 }],
    ['records/s ÷ parse+gzip ceiling', { ceilingRatio: 0.4 }],
    ['incremental overlap records ÷ full', { overlapRecordsRatio: 0.03 }],
    ['incremental overlap time ÷ full', { overlapTimeRatio: 0.11 }],
  ])('misses %s past its limit', (name, overrides) => {
    expect(verdicts(scaleReport(overrides))[name]).toBe(false);
  });

  test('judges RSS only at a million overlaps', () => {
    const small = verdicts(scaleReport({ extractPeakRssMb: 400 }));
    const million = verdicts(
      scaleReport({ accountOverlaps: 1_000_000, extractPeakRssMb: 310 }),
    );

    expect(small).not.toHaveProperty(
      'extract peak RSS MB at a million overlaps',
    );
    expect(million['extract peak RSS MB at a million overlaps']).toBe(false);
  });

  test('judges RSS growth against 1.3', () => {
    expect(
      verdicts(scaleReport(), 1.2)['extract peak RSS ÷ smallest scale'],
    ).toBe(true);
    expect(
      verdicts(scaleReport(), 1.4)['extract peak RSS ÷ smallest scale'],
    ).toBe(false);
  });
});

describe('formatReport', () => {
  test('prints every target with its verdict', () => {
    const scales = [scaleReport({ ceilingRatio: 0.2 })];
    const report: BenchReport = {
      generatedAt: '2026-01-15T00:00:00.000Z',
      machine: {
        cpus: 2,
        cpuModel: 'test CPU',
        memoryGb: 8,
        node: 'v20.0.0',
        platform: 'linux',
        loadAverage: 0.5,
      },
      seed: 42,
      scales,
      rssGrowth: null,
      targets: judgeTargets(scales, null),
    };

    const text = formatReport(report);

    expect(text).toMatch(
      /records\/s ÷ parse\+gzip ceiling\s+smoke\s+0\.2\s+≥ 0\.5\s+MISS/,
    );
    expect(text).toMatch(
      /extract wall time ÷ latency bound\s+smoke\s+1\.1\s+≤ 1\.25\s+pass/,
    );
    expect(text).toContain('Machine: 2 × test CPU, 8 GB, Node v20.0.0');
  });
});
