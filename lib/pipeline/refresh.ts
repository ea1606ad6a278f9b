import type { SyncStatus } from '../load/sync-state';
import type { StreamSpec } from '../streams/catalog';

/** Whether a run reads a stream, and why not when it does not. */
export type RefreshDecision =
  { readonly due: true } | { readonly due: false; readonly reason: string };

/**
 * Decides whether a run observed at `observedAt` reads `spec`. Every stream
 * is due except own records (`ownRecords`) whose last loaded full pass,
 * observed at `stored.bookmark_at`, is younger than `refreshHours`. A
 * stream that never loaded, `refreshHours` 0, or a clock earlier than the
 * last pass make it due.
 */
export function refreshDue(
  spec: StreamSpec,
  stored: SyncStatus | null,
  observedAt: Date,
  refreshHours: number,
): RefreshDecision {
  const lastRead = stored?.bookmark_at;
  if (!spec.ownRecords || refreshHours === 0 || !lastRead) {
    return { due: true };
  }
  const ageMs = observedAt.getTime() - lastRead.getTime();
  if (ageMs < 0 || ageMs >= refreshHours * 3_600_000) return { due: true };
  const hours = (ageMs / 3_600_000).toFixed(1);
  return {
    due: false,
    reason: `its records were read ${hours} h ago, and recordsRefreshHours is ${refreshHours}`,
  };
}
