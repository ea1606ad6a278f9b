import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Settings } from '../../config/settings';
import { ConfigurationError } from '../../errors';
import type { PipelineContext } from '../../pipeline/context';
import { quoteLiteral } from '../../sql/render';
import {
  readPartitionSummaries,
  readSyncStatus,
  type SyncStatus,
} from '../../load/load';
import type { PartitionSummary } from '../../load/sync-state';
import { formatTable, toJsonValue } from '../table';
import { settingsFromOptions, type GlobalOptions } from '../options';
import { withPipeline } from './pipeline-commands';

function jsonRows(rows: readonly Record<string, unknown>[]): unknown[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, toJsonValue(value)]),
    ),
  );
}

function age(from: unknown, now: Date): string {
  if (from === null || from === undefined) return '';
  const at = from instanceof Date ? from : new Date(String(from));
  if (Number.isNaN(at.getTime())) return '';
  const minutes = Math.round((now.getTime() - at.getTime()) / 60000);
  // The demo's sandbox clock runs ahead of real time, so its stamps can be
  // in the future.
  if (minutes < 0) return `${duration(-minutes)} ahead`;
  return duration(minutes);
}

/** Formats a number of minutes as `12 min`, `5 h` or `3 d`. */
function duration(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

/** Lists reject counts by reason, most frequent first: `3 × reason; …`. */
function formatReasons(
  reasons: Readonly<Record<string, number>> | null | undefined,
): string {
  return Object.entries(reasons ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${count} × ${reason}`)
    .join('; ');
}

/** Tells whether the warehouse has a sync state table, so a first `status` needs no migrations. */
async function hasSyncState(
  context: PipelineContext,
  table = 'sync_state',
): Promise<boolean> {
  const [row] = await context.warehouse.query(
    `select count(*) as n from information_schema.tables
      where table_schema = ${quoteLiteral(context.settings.schemas.crossbeam, context.warehouse.dialect)}
        and table_name = ${quoteLiteral(table, context.warehouse.dialect)}`,
  );
  return Number(row?.n ?? 0) > 0;
}

/**
 * Returns the age of a stream's bookmark, or for a stream split by partner
 * the number of partner bookmarks and the age of the oldest.
 */
function bookmarkAge(
  row: SyncStatus,
  partitions: PartitionSummary | undefined,
  now: Date,
): string {
  if (partitions) {
    return `${partitions.partners} partners, oldest ${age(partitions.oldest_bookmark_at, now)}`;
  }
  return row.bookmark ? age(row.bookmark_at, now) : 'none';
}

/**
 * Returns the folder of a PGlite warehouse that has no database yet (no
 * `PG_VERSION` file), and undefined for any other warehouse. A command that
 * only reads checks it, because opening the warehouse would create an empty
 * one at a mistyped path. An empty path is left to the warehouse's own
 * error.
 */
function missingPgliteFolder(settings: Settings): string | undefined {
  if (!settings.warehouse.startsWith('pglite:')) return undefined;
  const folder = settings.warehouse.slice('pglite:'.length);
  if (folder === 'memory:' || folder === '') return undefined;
  return existsSync(path.join(folder, 'PG_VERSION')) ? undefined : folder;
}

/** Registers `sql` and `status`. */
export function registerQueryCommands(program: Command): void {
  program
    .command('sql')
    .description(
      'Run one SQL statement against the warehouse and print its rows',
    )
    .argument('<query>', 'the SQL statement, quoted')
    .option(
      '--json',
      'print the rows as a JSON array and nothing else on stdout',
    )
    .action(async (query: string, _options, command: Command) => {
      const validate = (settings: Settings) => {
        if (query.trim() === '') {
          throw new ConfigurationError(
            'The SQL statement is empty. Pass one statement in quotes, for example: crossbeam-warehouse sql "select count(*) from crossbeam_models.crossbeam_overlaps"',
          );
        }
        const missing = missingPgliteFolder(settings);
        if (missing !== undefined) {
          throw new ConfigurationError(
            `No warehouse at ${missing} (warehouse, CROSSBEAM_WAREHOUSE): check the path, or fill a warehouse there first with npm start or crossbeam-warehouse run.`,
          );
        }
      };
      await withPipeline(
        command,
        async (context) => {
          const options = command.opts<{ json?: boolean }>();
          const rows = await context.warehouse.query(query);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(jsonRows(rows))}\n`);
          } else {
            process.stdout.write(`${formatTable(rows)}\n`);
          }
        },
        validate,
      );
    });

  program
    .command('status')
    .description(
      "Show each stream's bookmark age, last run, rows, retries, rejects and last error",
    )
    .option('--json', 'print the status as a JSON array')
    .action(async (_options, command: Command) => {
      const missing = missingPgliteFolder(
        settingsFromOptions(command.optsWithGlobals<GlobalOptions>()),
      );
      if (missing !== undefined) {
        process.stdout.write(
          command.opts<{ json?: boolean }>().json
            ? '[]\n'
            : `No stream has been loaded yet: there is no warehouse at ${missing}. Run "crossbeam-warehouse run" (or "npm start" for the sandbox demo), or check --warehouse.\n`,
        );
        return;
      }
      await withPipeline(command, async (context) => {
        const options = command.opts<{ json?: boolean }>();
        const rows = (await hasSyncState(context))
          ? await readSyncStatus(context.warehouse, context.sql)
          : [];
        // Warehouses last migrated by an older version have no such table.
        const partitions = (await hasSyncState(context, 'partition_bookmarks'))
          ? await readPartitionSummaries(context.warehouse, context.sql)
          : new Map<string, PartitionSummary>();
        if (options.json) {
          const withPartners = rows.map((row) => {
            const summary = partitions.get(row.stream);
            return summary
              ? {
                  ...row,
                  partner_bookmarks: summary.partners,
                  oldest_partner_bookmark_at: summary.oldest_bookmark_at,
                }
              : row;
          });
          process.stdout.write(
            `${JSON.stringify(jsonRows(withPartners as unknown as Record<string, unknown>[]))}\n`,
          );
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(
            'No stream has been loaded yet. Run "crossbeam-warehouse run" (or "npm start" for the sandbox demo).\n',
          );
          return;
        }
        const now = new Date();
        process.stdout.write(
          `${formatTable(
            rows.map((row) => ({
              stream: row.stream,
              bookmark_age: bookmarkAge(row, partitions.get(row.stream), now),
              last_run: row.last_run_id,
              last_loaded: age(row.last_loaded_at, now),
              mode: row.last_mode,
              rows_all_tables: row.rows_loaded,
              retries: row.retries,
              rejects: row.rejects,
              reject_reasons: formatReasons(row.reject_reasons),
              last_error: row.last_error,
            })),
          )}\n`,
        );
      });
    });
}
