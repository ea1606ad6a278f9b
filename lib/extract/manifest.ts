import { z } from 'zod';
import { STREAM_NAMES } from '../streams/catalog';

const count = z.number().int().nonnegative();

/**
 * `manifest.json`, written last in a run's folder: a run without one is
 * incomplete and is never loaded. Layout of a run of stream S with id R:
 *
 *   S/R/<table>/part-00000.ndjson.gz   normalized rows, one table per folder
 *   S/R/<table>/copy-manifest.json     the parts, for Redshift COPY
 *   S/R/rejects.ndjson.gz              items set aside, with their reasons
 *   S/R/manifest.json                  this file
 *   raw/S/R/page-00000.json.gz         API pages as received
 */
export const ManifestSchema = z.object({
  version: z.literal(1),
  stream: z.enum(STREAM_NAMES),
  run_id: z.string().min(1),
  /** `full`: every item was read, so rows absent here are gone. */
  mode: z.enum(['full', 'incremental']),
  /** When the run read the API; history intervals start and end here. */
  observed_at: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  /** The bookmark the run started from, null for a full pass. */
  previous_bookmark: z.string().nullable(),
  /** The last `next_href` of the pass, for the next incremental run. */
  bookmark: z.string().nullable(),
  pages: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  tables: z.record(
    z.string(),
    z.object({
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      parts: z.array(
        z.object({
          key: z.string(),
          rows: z.number().int().nonnegative(),
          bytes: z.number().int().nonnegative(),
        }),
      ),
      copy_manifest: z.string(),
    }),
  ),
  rejects: z.object({
    count: z.number().int().nonnegative(),
    key: z.string().nullable(),
    /** Reject counts by reason, for the run summary. */
    reasons: z.record(z.string(), z.number().int().nonnegative()),
  }),
  raw_pages: z.array(z.string()),
  warnings: z.array(z.string()),
  retries: z.number().int().nonnegative(),
  /**
   * Id of the warehouse the run was landed for, which the command line sets
   * from `crossbeam.warehouse_identity`. A load into another warehouse skips
   * the run. Runs landed without one, such as the extract function's, load
   * into any warehouse.
   */
  warehouse_id: z.string().min(1).optional(),
  /**
   * For a stream split by partner: every partner the run read, each list's
   * mode and bookmarks. Rows of partners not listed here are gone, and so
   * are rows of a `full` partner that the run did not see. The top-level
   * bookmarks are null, and `mode` is `full` only when every list is.
   */
  partitions: z
    .object({
      column: z.literal('partner_id'),
      listed: z.object({ pages: count, records: count }),
      slices: z.array(
        z.object({
          value: z.string().min(1),
          mode: z.enum(['full', 'incremental']),
          previous_bookmark: z.string().nullable(),
          bookmark: z.string().nullable(),
          pages: count,
          records: count,
        }),
      ),
      /**
       * Partners listed only after every list was read: the run did not
       * read them, so their rows and bookmarks stay as they are.
       */
      unread: z.array(z.string().min(1)).default([]),
    })
    .optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;

export function manifestKey(stream: string, runId: string): string {
  return `${stream}/${runId}/manifest.json`;
}
