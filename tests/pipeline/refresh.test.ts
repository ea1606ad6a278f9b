import type { SyncStatus } from '../../lib/load/sync-state';
import { refreshDue } from '../../lib/pipeline/refresh';
import { STREAMS } from '../../lib/streams/catalog';

const READ_AT = new Date('2026-05-01T00:00:00Z');
const HOUR = 3_600_000;

function statusReadAt(at: Date | null): SyncStatus {
  return {
    stream: 'accounts',
    bookmark: null,
    bookmark_run_id: at ? 'run-1' : null,
    bookmark_at: at,
    last_run_id: 'run-1',
    last_loaded_at: at,
    last_mode: 'full',
    rows_loaded: 10,
    rejects: 0,
    last_error: null,
  };
}

const later = (hours: number) => new Date(READ_AT.getTime() + hours * HOUR);

describe('refreshDue', () => {
  it('skips own records read recently', () => {
    const decision = refreshDue(
      STREAMS.accounts,
      statusReadAt(READ_AT),
      later(3),
      24,
    );

    expect(decision).toEqual({
      due: false,
      reason: 'its records were read 3.0 h ago, and recordsRefreshHours is 24',
    });
  });

  it('reads own records once the interval passed', () => {
    expect(
      refreshDue(STREAMS.leads, statusReadAt(READ_AT), later(24), 24).due,
    ).toBe(true);
  });

  it('reads own records never loaded', () => {
    expect(refreshDue(STREAMS.accounts, null, later(1), 24).due).toBe(true);
    expect(
      refreshDue(STREAMS.accounts, statusReadAt(null), later(1), 24).due,
    ).toBe(true);
  });

  it('reads own records every run at zero hours', () => {
    expect(
      refreshDue(STREAMS.accounts, statusReadAt(READ_AT), later(1), 0).due,
    ).toBe(true);
  });

  it('reads own records when the clock went back', () => {
    expect(
      refreshDue(STREAMS.accounts, statusReadAt(READ_AT), later(-2), 24).due,
    ).toBe(true);
  });

  it('always reads other streams', () => {
    for (const stream of ['partners', 'account_overlaps', 'users'] as const) {
      expect(
        refreshDue(STREAMS[stream], statusReadAt(READ_AT), later(1), 24).due,
      ).toBe(true);
    }
  });
});
