import { gzipSync } from 'node:zlib';
import type { Manifest } from '../../lib/extract/manifest';
import { manifestKey } from '../../lib/extract/manifest';
import type { LandingStore } from '../../lib/landing/store';
import { STREAMS, type StreamName } from '../../lib/streams/catalog';

type LandedRow = Record<string, unknown>;

export interface LandedRunSpec {
  stream: StreamName;
  runId: string;
  observedAt: string;
  mode?: Manifest['mode'];
  previousBookmark?: string | null;
  bookmark?: string | null;
  /** Rows per landed table, without the lineage columns. */
  tables: Record<string, LandedRow[]>;
  /** Rows per part; a table with more rows is split over several parts. */
  rowsPerPart?: number;
  /** Leave out manifest.json, as an extract that stopped half way does. */
  withoutManifest?: boolean;
  /** The partners of a run split by partner. */
  partitions?: Manifest['partitions'];
}

/**
 * Writes a run to a landing store the way the extractor lays it out:
 * gzip NDJSON parts per table, a copy manifest per table and, last,
 * manifest.json. Lineage columns are added to every row.
 */
export async function writeLandedRun(
  store: LandingStore,
  spec: LandedRunSpec,
): Promise<Manifest> {
  const known = new Set(STREAMS[spec.stream].tables.map((t) => t.name));
  const tables: Manifest['tables'] = {};
  for (const [table, rows] of Object.entries(spec.tables)) {
    if (!known.has(table)) {
      throw new Error(`Stream ${spec.stream} does not land table ${table}.`);
    }
    const perPart = spec.rowsPerPart ?? 1000;
    const parts: Manifest['tables'][string]['parts'] = [];
    for (let start = 0; start < rows.length; start += perPart) {
      const chunk = rows.slice(start, start + perPart).map((row) => ({
        ...row,
        _run_id: spec.runId,
        _observed_at: spec.observedAt,
      }));
      const body = gzipSync(
        chunk.map((row) => JSON.stringify(row)).join('\n') + '\n',
      );
      const number = String(parts.length).padStart(5, '0');
      const key = `${spec.stream}/${spec.runId}/${table}/part-${number}.ndjson.gz`;
      await store.put(key, body);
      parts.push({ key, rows: chunk.length, bytes: body.length });
    }
    const copyManifest = `${spec.stream}/${spec.runId}/${table}/copy-manifest.json`;
    await store.put(
      copyManifest,
      JSON.stringify({
        entries: parts.map((part) => ({
          url: store.locate(part.key),
          mandatory: true,
        })),
      }),
    );
    tables[table] = {
      rows: rows.length,
      bytes: parts.reduce((sum, part) => sum + part.bytes, 0),
      parts,
      copy_manifest: copyManifest,
    };
  }

  const manifest: Manifest = {
    version: 1,
    stream: spec.stream,
    run_id: spec.runId,
    mode: spec.mode ?? 'full',
    observed_at: spec.observedAt,
    started_at: spec.observedAt,
    finished_at: spec.observedAt,
    previous_bookmark: spec.previousBookmark ?? null,
    bookmark: spec.bookmark ?? null,
    pages: 1,
    records: Object.values(spec.tables)[0]?.length ?? 0,
    tables,
    rejects: { count: 0, key: null, reasons: {} },
    raw_pages: [],
    warnings: [],
    retries: 0,
    ...(spec.partitions && { partitions: spec.partitions }),
  };
  if (!spec.withoutManifest) {
    await store.put(
      manifestKey(spec.stream, spec.runId),
      JSON.stringify(manifest, null, 2),
    );
  }
  return manifest;
}

/** Builds an account overlap row with every catalog column. */
export function overlapRow(
  ours: string,
  theirs: string,
  fields: LandedRow = {},
): LandedRow {
  return {
    crossbeam_record_id: ours,
    partner_crossbeam_record_id: theirs,
    overlap_type: 'account',
    record_id: `crm-${ours}`,
    record_name: `Account ${ours}`,
    record_website: `${ours}.example`,
    record_email: null,
    partner_id: 'partner-1',
    partner_name: 'Blue Harbor Software',
    partner_logo_url: null,
    partner_record_type: 'account',
    partner_record_name: `Partner account ${theirs}`,
    partner_record_website: `${theirs}.example`,
    partner_record_email: null,
    partner_owner_id: 'owner-1',
    partner_owner_name: 'Lee Chen',
    partner_owner_email: 'lee@blueharbor.example',
    partner_owner_phone: null,
    overlap_created_at: null,
    overlap_updated_at: '2026-01-01T00:00:00.000Z',
    is_deleted: false,
    ...fields,
  };
}

/** Builds one population row of an overlap on `side`. */
export function overlapPopulationRow(
  ours: string,
  theirs: string,
  side: 'own' | 'partner',
  populationId: number,
  populationName: string,
): LandedRow {
  return {
    crossbeam_record_id: ours,
    partner_crossbeam_record_id: theirs,
    overlap_type: 'account',
    side,
    population_id: populationId,
    population_name: populationName,
  };
}
