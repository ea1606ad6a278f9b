import { mergeStatements } from '../../lib/load/merge-sql';
import {
  createStagingTableSql,
  stagingTableName,
} from '../../lib/load/staging';
import { writeSyncStatusSql } from '../../lib/load/sync-state';
import { checkRedshiftSql, type RenderContext } from '../../lib/sql/render';
import { STREAM_NAMES, STREAMS } from '../../lib/streams/catalog';

const redshift: RenderContext = {
  dialect: 'redshift',
  schemas: {
    crossbeam: 'crossbeam',
    staging: 'crossbeam_staging',
    models: 'crossbeam_models',
    dashboards: 'crossbeam_dashboards',
  },
};

/** The Data API's limit on statements in one transaction. */
const MAX_BATCH_STATEMENTS = 40;

function loadStatements(stream: (typeof STREAM_NAMES)[number]): string[] {
  const spec = STREAMS[stream];
  return [
    ...mergeStatements({
      stream: spec,
      tables: spec.tables.map((table) => ({
        spec: table,
        staging: `crossbeam_staging.${stagingTableName(table.name, stream, 'run-1')}`,
      })),
      runId: 'run-1',
      observedAt: '2026-03-01T10:00:00.000Z',
      replacesScope: true,
      context: redshift,
    }),
    'insert into crossbeam.load_runs (stream) values (1)',
    ...writeSyncStatusSql(
      {
        stream,
        bookmark: null,
        bookmark_run_id: null,
        bookmark_at: null,
        last_run_id: 'run-1',
        last_loaded_at: new Date('2026-03-01T10:00:00.000Z'),
        last_mode: 'full',
        rows_loaded: 1,
        rejects: 0,
        last_error: null,
      },
      redshift,
    ),
  ];
}

describe('load statements for Redshift', () => {
  it.each(STREAM_NAMES)('use only Redshift SQL for %s', (stream) => {
    for (const sql of loadStatements(stream)) {
      expect({ sql, findings: checkRedshiftSql(sql) }).toEqual({
        sql,
        findings: [],
      });
    }
  });

  it.each(STREAM_NAMES)('fit one Data API batch for %s', (stream) => {
    expect(loadStatements(stream).length).toBeLessThanOrEqual(
      MAX_BATCH_STATEMENTS,
    );
  });

  it('create staging tables with Redshift types', () => {
    const sql = createStagingTableSql(
      'crossbeam_staging.signals__x',
      STREAMS.account_signals.tables[0]!,
      'redshift',
    );
    expect(sql).toContain('_row_number bigint identity(1, 1)');
    expect(sql).toContain('deal_amount numeric(38, 6)');
    expect(checkRedshiftSql(sql)).toEqual([]);
  });
});

describe('stagingTableName', () => {
  it('sanitizes the run id', () => {
    expect(
      stagingTableName('overlaps', 'account_overlaps', '20260301T100000Z-Ab.9'),
    ).toBe('overlaps__account_overlaps__20260301t100000z_ab_9');
  });

  it('keeps long names unique within the identifier limit', () => {
    const first = stagingTableName(
      'overlaps',
      'account_overlaps',
      'r'.repeat(200),
    );
    const second = stagingTableName(
      'overlaps',
      'account_overlaps',
      `${'r'.repeat(199)}s`,
    );
    expect(first.length).toBeLessThanOrEqual(127);
    expect(second.length).toBeLessThanOrEqual(127);
    expect(first).not.toBe(second);
  });
});
