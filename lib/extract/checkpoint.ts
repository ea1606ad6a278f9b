import { z } from 'zod';
import { STREAM_NAMES } from '../streams/catalog';

const count = z.number().int().nonnegative();

const PartSchema = z.object({ key: z.string(), rows: count, bytes: count });

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
  /** The page to read next. */
  next_url: z.string().min(1),
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
