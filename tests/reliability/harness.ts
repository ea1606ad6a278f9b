/**
 * Shared pieces of the reliability tests: a sandbox world, the truth a clean
 * run should reach, a loopback proxy that rewrites list items, the compiled
 * CLI in a child process, and in-process pipelines on PGlite.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings, type SettingsInput } from '../../lib/config/settings';
import { createCrossbeamClient } from '../../lib/crossbeam/client';
import type { Logger } from '../../lib/log';
import { openPipeline, type PipelineContext } from '../../lib/pipeline/context';
import type { Sandbox } from '../../lib/sandbox/server';
import type { World } from '../../lib/sandbox/world';
import type { Warehouse } from '../../lib/warehouse/warehouse';

export const DAY_MS = 86_400_000;
export const bin = path.resolve(__dirname, '../../bin/crossbeam-warehouse.js');

/** Retry settings short enough for tests; the config file takes the same. */
export const FAST_RETRY = {
  maxAttempts: 6,
  baseDelayMs: 5,
  maxDelayMs: 20,
  maxRetryTimeMs: 20_000,
};

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `reliability-${prefix}-`));
}

/** Creates a logger that keeps every line, for assertions on the log. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

/** Live overlaps of both kinds at `clock`, counted from the world itself. */
export function worldOverlaps(world: World, clock: Date): number {
  return (
    world.liveOverlapCount(clock, 'account') +
    world.liveOverlapCount(clock, 'lead')
  );
}

/** `type|crossbeam_record_id|partner_crossbeam_record_id`, sorted. */
export type OverlapKeys = string[];

/**
 * Reads every overlap the API serves now with a client of its own and no
 * faults: the keys one clean full run lands, and how many population rows
 * they carry.
 */
export async function apiTruth(
  sandbox: Sandbox,
): Promise<{ keys: OverlapKeys; populationRows: number }> {
  const client = createCrossbeamClient({
    apiUrl: sandbox.url,
    authUrl: sandbox.authUrl,
    organization: sandbox.organization,
    credentials: { accessToken: sandbox.issueAccessToken() },
  });
  const keys: string[] = [];
  let populationRows = 0;
  for (const type of ['account', 'lead'] as const) {
    for await (const page of client.paginate(
      `/v1/overlaps/${type}s`,
      {},
      { pagination: 'cursor' },
    )) {
      for (const item of page.items as Record<string, unknown>[]) {
        keys.push(
          `${type}|${String(item.crossbeam_record_id)}|${String(item.partner_crossbeam_record_id)}`,
        );
        populationRows +=
          (item.populations as unknown[]).length +
          (item.partner_populations as unknown[]).length;
      }
    }
  }
  return { keys: keys.sort(), populationRows };
}

/** SQL that lists the warehouse's overlap keys in the form of `apiTruth`. */
export const OVERLAP_KEYS_SQL = `select overlap_type || '|' || crossbeam_record_id || '|' || partner_crossbeam_record_id as overlap_key from crossbeam.overlaps order by 1`;

/** SQL that counts keys stored more than once in the current tables. */
export const DUPLICATES_SQL = `select (select count(*) from (select 1 from crossbeam.overlaps group by overlap_type, crossbeam_record_id, partner_crossbeam_record_id having count(*) > 1) as o) + (select count(*) from (select 1 from crossbeam.overlap_populations group by overlap_type, crossbeam_record_id, partner_crossbeam_record_id, side, population_id having count(*) > 1) as p) + (select count(*) from (select 1 from crossbeam.overlap_history where valid_to is null group by overlap_type, crossbeam_record_id, partner_crossbeam_record_id having count(*) > 1) as h) as duplicates`;

/** Reads the overlap keys, population rows and duplicates of a warehouse. */
export async function warehouseState(warehouse: Warehouse): Promise<{
  keys: OverlapKeys;
  populationRows: number;
  duplicates: number;
  openHistory: number;
}> {
  const keys = (await warehouse.query(OVERLAP_KEYS_SQL)).map((row) =>
    String(row.overlap_key),
  );
  const [populations] = await warehouse.query(
    'select count(*) as n from crossbeam.overlap_populations',
  );
  const [duplicates] = await warehouse.query(DUPLICATES_SQL);
  const [history] = await warehouse.query(
    'select count(*) as n from crossbeam.overlap_history where valid_to is null',
  );
  return {
    keys,
    populationRows: Number(populations!.n),
    duplicates: Number(duplicates!.duplicates),
    openHistory: Number(history!.n),
  };
}

/** Opens an in-process pipeline on a PGlite warehouse and a landing folder. */
export async function openTestPipeline(
  api: { url: string; authUrl: string; organization: string },
  flags: SettingsInput,
  logger: Logger,
): Promise<PipelineContext> {
  const settings = loadSettings({
    env: {},
    cwd: tempDir('cwd'),
    flags: {
      apiUrl: api.url,
      authUrl: api.authUrl,
      organization: api.organization,
      retry: FAST_RETRY,
      ...flags,
    },
  });
  return openPipeline(settings, logger);
}

/**
 * Rewrites the items of list pages under `pathPrefix` on their way from the
 * sandbox to the client; every other request passes through unchanged. The
 * sandbox's origin in bodies (`next_href`) is replaced by the proxy's.
 */
export interface ItemProxy {
  readonly url: string;
  readonly authUrl: string;
  readonly organization: string;
  /** Replaces the rewrite; null passes every page through. */
  setRewrite(rewrite: ItemRewrite | null): void;
  close(): Promise<void>;
}

export type ItemRewrite = (
  items: Record<string, unknown>[],
  path: string,
) => Record<string, unknown>[];

export async function startItemProxy(
  sandbox: Sandbox,
  pathPrefix: string,
): Promise<ItemProxy> {
  let rewrite: ItemRewrite | null = null;
  const upstream = new URL(sandbox.url);
  let origin = '';

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const target = `${upstream.origin}${request.url ?? '/'}`;
        const headers = new Headers();
        for (const name of [
          'authorization',
          'xbeam-organization',
          'content-type',
        ]) {
          const value = request.headers[name];
          if (typeof value === 'string') headers.set(name, value);
        }
        const answer = await fetch(target, {
          method: request.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        });
        let text = (await answer.text()).split(upstream.origin).join(origin);
        const pathname = new URL(target).pathname;
        if (rewrite && answer.ok && pathname.startsWith(pathPrefix)) {
          const body = JSON.parse(text) as { data: Record<string, unknown>[] };
          body.data = rewrite(body.data, pathname);
          text = JSON.stringify(body);
        }
        response.writeHead(answer.status, {
          'content-type':
            answer.headers.get('content-type') ?? 'application/json',
        });
        response.end(text);
      })().catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    authUrl: origin,
    organization: sandbox.organization,
    setRewrite(next) {
      rewrite = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for the CLI against `api` with the sandbox's credentials. */
export function cliEnv(
  api: { url: string; authUrl: string; organization: string },
  sandbox: Sandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    CROSSBEAM_API_URL: api.url,
    CROSSBEAM_AUTH_URL: api.authUrl,
    CROSSBEAM_ORGANIZATION: api.organization,
    CROSSBEAM_CLIENT_ID: sandbox.credentials.clientId,
    CROSSBEAM_CLIENT_SECRET: sandbox.credentials.clientSecret,
    CROSSBEAM_REFRESH_TOKEN: sandbox.credentials.refreshToken,
    ...extra,
  };
}

/**
 * Runs the compiled CLI in `cwd` and resolves when it exits, also when it
 * fails or is killed.
 */
export function runCli(
  cwd: string,
  env: Record<string, string>,
  args: readonly string[],
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr }),
    );
  });
}

/** Runs `sql --json` and returns its rows; raises with stderr on failure. */
export async function cliSql(
  cwd: string,
  env: Record<string, string>,
  query: string,
): Promise<Record<string, unknown>[]> {
  const result = await runCli(cwd, env, ['sql', '--json', query]);
  if (result.code !== 0) {
    throw new Error(`sql failed with ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}
