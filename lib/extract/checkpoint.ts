import { z } from 'zod';
import { STREAM_NAMES } from '../streams/catalog';

const count = z.number().int().nonnegative();

const PartSchema = z.object({ key: z.string(), rows: count, bytes: count });

/** One partner's list within a stream split by partner. */
export const SliceStateSchema = z.object({
  /** The partner id, sent as the stream's partition parameter. */
  value: z.string().min(1),
  /** `full`: the list is read from its start, so it replaces the partner's rows. */
  mode: z.enum(['full', 'incremental']),
  /** The partner's bookmark the list started from, null for a full pass. */
  previous_bookmark: z.string().nullable(),
  /** The page to read next, null once the list is finished. */
  next_url: z.string().min(1).nullable(),
  /** The last `next_href` of a finished list, for the next run. */
  bookmark: z.string().nullable(),
  pages: count,
  records: count,
});

export type SliceState = z.infer<typeof SliceStateSchema>;

/** The partners a split stream reads, and how far each list got. */
export const PartitionStateSchema = z.object({
  column: z.literal('partner_id'),
  /** Pages and items of `/v1/partners` read to find the partners. */
  listed: z.object({ pages: count, records: count }),
  slices: z.array(SliceStateSchema),
  /** Partners that only the second listing, after every slice, returned. */
  unread: z.array(z.string().min(1)).default([]),
});

export type PartitionState = z.infer<typeof PartitionStateSchema>;

/**
 * The position where an unfinished extract stopped, as plain JSON. A Lambda returns it
 * and passes it back to `extractStream` to continue the same run. Every part
 * it lists is complete in the landing store.
 */
export const ExtractCheckpointSchema = z.object({
  version: z.literal(1),
  stream: z.enum(STREAM_NAMES),
  run_id: z.string().min(1),
  observed_at: z.string(),
  started_at: z.string(),
  previous_bookmark: z.string().nullable(),
  /** Id of the warehouse the run is for, written into its manifest. */
  warehouse_id: z.string().min(1).optional(),
  /** The page to read next; absent when the stream is split by partner. */
  next_url: z.string().min(1).optional(),
  /** The position of each partner's list, for a stream split by partner. */
  partitions: PartitionStateSchema.optional(),
  pages: count,
  records: count,
  retries: count,
  tables: z.record(
    z.string(),
    z.object({ rows: count, bytes: count, parts: z.array(PartSchema) }),
  ),
  rejects: z.object({
    count,
    reasons: z.record(z.string(), count),
    /** Reject parts written so far, joined into one file when the run completes. */
    parts: z.array(z.string()),
  }),
  raw_pages: z.array(z.string()),
  warnings: z.array(z.string()),
});

export type ExtractCheckpoint = z.infer<typeof ExtractCheckpointSchema>;
