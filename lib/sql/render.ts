import { ConfigurationError } from '../errors';
import type { ColumnType } from '../streams/catalog';
import type { Dialect } from '../warehouse/warehouse';

/** The four schemas the project writes, by role. */
export interface SqlSchemas {
  readonly crossbeam: string;
  readonly staging: string;
  readonly models: string;
  readonly dashboards: string;
}

/** What a SQL template is rendered against. */
export interface RenderContext {
  readonly dialect: Dialect;
  readonly schemas: SqlSchemas;
  /**
   * Extra placeholders, name to SQL text. Values are inserted verbatim, so
   * they must already be valid SQL (identifiers validated, literals quoted).
   */
  readonly vars?: Readonly<Record<string, string>>;
}

/** The name the pipeline uses for a render context. */
export type SqlContext = RenderContext;

/** Placeholders every template may use, besides the four schema names. */
const BUILT_IN_VALUES = ['text', 'now', 'view_options'] as const;

/**
 * Placeholders that take one argument: `{{ name(argument) }}`.
 *
 * - `list_agg(expression)`: the distinct non-null values of `expression`
 *   as one sorted, comma-separated string (`string_agg` on PostgreSQL,
 *   `listagg` on Redshift, which caps the result at 65535 bytes).
 * - `table_options(options)`: `options` verbatim on Redshift (for example
 *   `diststyle all sortkey (partner_id)`), nothing on PostgreSQL.
 */
const BUILT_IN_FUNCTIONS = ['list_agg', 'table_options'] as const;

const SCHEMA_ROLES = ['crossbeam', 'staging', 'models', 'dashboards'] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,126}$/;

/**
 * Words that PostgreSQL or Redshift reserve, so they cannot be used as
 * unquoted names. Not the full lists: the ones a schema or table name is
 * likely to collide with.
 */
const RESERVED_WORDS = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'as',
  'asc',
  'between',
  'both',
  'case',
  'cast',
  'check',
  'column',
  'constraint',
  'create',
  'current_date',
  'current_user',
  'default',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'into',
  'is',
  'join',
  'limit',
  'new',
  'not',
  'null',
  'offset',
  'old',
  'on',
  'open',
  'or',
  'order',
  'primary',
  'references',
  'select',
  'session_user',
  'table',
  'then',
  'timestamp',
  'to',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'when',
  'where',
  'with',
]);

/**
 * Checks that `name` is a lower-case SQL name that needs no quoting in
 * PostgreSQL or Redshift, and returns it. Raises ConfigurationError naming
 * `settingName` and the value otherwise.
 */
export function assertIdentifier(name: string, settingName: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ConfigurationError(
      `Invalid ${settingName}: ${JSON.stringify(name)} is not a safe SQL name. ` +
        'Use 1 to 127 characters: lower-case letters, digits and underscores, ' +
        'starting with a letter or an underscore.',
    );
  }
  if (RESERVED_WORDS.has(name)) {
    throw new ConfigurationError(
      `Invalid ${settingName}: ${JSON.stringify(name)} is a reserved SQL word. ` +
        'Choose another name, for example with a prefix.',
    );
  }
  return name;
}

/**
 * Quotes a value as a SQL literal: strings in single quotes, numbers and
 * booleans as they are, null as `null`. On Redshift, which treats a
 * backslash in a literal as an escape character, backslashes are doubled.
 */
export function quoteLiteral(
  value: string | number | boolean | null,
  dialect: Dialect = 'postgres',
): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ConfigurationError(
        `Cannot write ${value} as a SQL literal: only finite numbers are allowed.`,
      );
    }
    return String(value);
  }
  if (value.includes('\u0000')) {
    throw new ConfigurationError(
      `Cannot write ${JSON.stringify(value)} as a SQL literal: it contains a NUL character, which PostgreSQL and Redshift text cannot store.`,
    );
  }
  let escaped = value.replace(/'/g, "''");
  if (dialect === 'redshift') escaped = escaped.replace(/\\/g, '\\\\');
  return `'${escaped}'`;
}

/** Returns the column type as `dialect` spells it in DDL. */
export function columnTypeSql(type: ColumnType, dialect: Dialect): string {
  switch (type) {
    case 'text':
      return dialect === 'redshift' ? 'varchar(65535)' : 'text';
    case 'numeric':
      return dialect === 'redshift' ? 'numeric(38, 6)' : 'numeric';
    case 'timestamptz':
    case 'bigint':
    case 'integer':
    case 'boolean':
    case 'date':
      return type;
    default: {
      const unknown: never = type;
      throw new ConfigurationError(
        `Unknown column type ${JSON.stringify(unknown)}: use one of text, bigint, integer, boolean, numeric, timestamptz, date.`,
      );
    }
  }
}

function validateContext(context: RenderContext): void {
  if (context.dialect !== 'postgres' && context.dialect !== 'redshift') {
    throw new ConfigurationError(
      `Invalid SQL dialect ${JSON.stringify(context.dialect)}: use postgres or redshift.`,
    );
  }
  for (const role of SCHEMA_ROLES) {
    assertIdentifier(context.schemas[role], `schemas.${role}`);
  }
  for (const name of Object.keys(context.vars ?? {})) {
    assertIdentifier(name, 'SQL template variable name');
    const builtIn: readonly string[] = [
      ...SCHEMA_ROLES,
      ...BUILT_IN_VALUES,
      ...BUILT_IN_FUNCTIONS,
    ];
    if (builtIn.includes(name)) {
      throw new ConfigurationError(
        `Invalid SQL template variable ${JSON.stringify(name)}: it is a built-in placeholder. Choose another name.`,
      );
    }
  }
}

function valueOf(name: string, context: RenderContext): string | undefined {
  switch (name) {
    case 'crossbeam':
    case 'staging':
    case 'models':
    case 'dashboards':
      return context.schemas[name];
    case 'text':
      return columnTypeSql('text', context.dialect);
    case 'now':
      return context.dialect === 'redshift' ? 'getdate()' : 'now()';
    case 'view_options':
      return context.dialect === 'redshift' ? 'with no schema binding' : '';
    default:
      return context.vars?.[name];
  }
}

function callFunction(
  name: string,
  argument: string,
  context: RenderContext,
): string | undefined {
  switch (name) {
    case 'list_agg':
      return context.dialect === 'redshift'
        ? `listagg(distinct ${argument}, ', ') within group (order by ${argument})`
        : `string_agg(distinct ${argument}, ', ' order by ${argument})`;
    case 'table_options':
      return context.dialect === 'redshift' ? argument : '';
    default:
      return undefined;
  }
}

function lineAt(template: string, index: number): number {
  return template.slice(0, index).split('\n').length;
}

const PLACEHOLDER_BODY = /^([a-z_][a-z0-9_]*)(?:\(([\s\S]*)\))?$/;

/**
 * Renders a SQL template for one dialect: replaces every `{{ name }}` and
 * `{{ name(argument) }}` placeholder (see docs/architecture.md for the
 * list). Raises ConfigurationError on an unknown or malformed placeholder,
 * naming it, its line and `source` (the template's file name).
 */
export function renderSql(
  template: string,
  context: RenderContext,
  source = 'SQL template',
): string {
  validateContext(context);

  let output = '';
  let position = 0;
  for (;;) {
    const open = template.indexOf('{{', position);
    if (open === -1) break;
    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      throw new ConfigurationError(
        `Unclosed placeholder in ${source} at line ${lineAt(template, open)}: add the closing "}}".`,
      );
    }

    const body = template.slice(open + 2, close).trim();
    const match = PLACEHOLDER_BODY.exec(body);
    let replacement: string | undefined;
    if (match?.[2] !== undefined) {
      replacement = callFunction(match[1]!, match[2].trim(), context);
    } else if (match) {
      replacement = valueOf(match[1]!, context);
    }
    if (replacement === undefined) {
      const known = [
        ...SCHEMA_ROLES,
        ...BUILT_IN_VALUES,
        ...Object.keys(context.vars ?? {}),
      ].join(', ');
      const functions = BUILT_IN_FUNCTIONS.map((name) => `${name}(…)`).join(
        ', ',
      );
      throw new ConfigurationError(
        `Unknown placeholder {{ ${body} }} in ${source} at line ${lineAt(template, open)}. Known placeholders: ${known}, ${functions}.`,
      );
    }

    output += template.slice(position, open) + replacement;
    position = close + 2;
  }
  return output + template.slice(position);
}

/** One construct in rendered SQL that Redshift does not support. */
export interface RedshiftLintFinding {
  readonly construct: string;
  readonly line: number;
  readonly excerpt: string;
}

/**
 * Constructs that PostgreSQL accepts and Redshift rejects or reads
 * differently, each with a pattern over SQL whose comments and string
 * literals are blanked out.
 */
const REDSHIFT_UNSUPPORTED: readonly { construct: string; pattern: RegExp }[] =
  [
    {
      construct: 'bare text type (varchar(256) on Redshift)',
      pattern: /\btext\b/g,
    },
    { construct: 'string_agg (use listagg)', pattern: /\bstring_agg\s*\(/g },
    { construct: 'array_agg', pattern: /\barray_agg\s*\(/g },
    { construct: 'generate_series', pattern: /\bgenerate_series\s*\(/g },
    {
      construct: 'is distinct from',
      pattern: /\bis\s+(not\s+)?distinct\s+from\b/g,
    },
    { construct: 'format()', pattern: /\bformat\s*\(/g },
    {
      construct: 'now() (leader node only; use getdate())',
      pattern: /\bnow\s*\(\s*\)/g,
    },
    { construct: 'json or jsonb type', pattern: /\bjsonb?\b/g },
    {
      construct: 'jsonb or json construction functions',
      pattern: /\b(jsonb_\w+|json_build_\w+|json_agg|to_jsonb?)\s*\(/g,
    },
    { construct: 'serial type', pattern: /\b(small|big)?serial\b/g },
    { construct: 'uuid type', pattern: /\buuid\b/g },
    {
      construct: 'array type or constructor',
      pattern: /\[\s*\]|\barray\s*\[/g,
    },
    { construct: 'create index', pattern: /\bcreate\s+(unique\s+)?index\b/g },
    {
      construct: 'truncate (commits the open transaction)',
      pattern: /\btruncate\b/g,
    },
    {
      construct: 'aggregate filter (where …)',
      pattern: /\bfilter\s*\(\s*where\b/g,
    },
    { construct: 'distinct on', pattern: /\bdistinct\s+on\s*\(/g },
    { construct: 'lateral', pattern: /\blateral\b/g },
    {
      construct: 'values list as a table',
      pattern: /\b(from|join)\s*\(\s*values\b/g,
    },
    { construct: 'on conflict', pattern: /\bon\s+conflict\b/g },
    { construct: 'age()', pattern: /\bage\s*\(/g },
    {
      construct: 'make_date() or make_timestamp()',
      pattern: /\bmake_(date|timestamp|timestamptz|interval)\s*\(/g,
    },
    { construct: 'regclass cast', pattern: /::\s*regclass\b/g },
  ];

/** Blanks out comments and string literals, keeping offsets and newlines. */
function maskCommentsAndStrings(sql: string): string {
  const blank = (text: string): string => text.replace(/[^\n]/g, ' ');
  return sql.replace(
    /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"/g,
    (token) => (token.startsWith('"') ? token : blank(token)),
  );
}

/**
 * Lists the constructs in `sql` (already rendered for Redshift) that
 * Redshift does not support. An empty list means none was found, not that
 * Redshift will accept the SQL: this is a pattern check, not a parser.
 */
export function checkRedshiftSql(sql: string): RedshiftLintFinding[] {
  const masked = maskCommentsAndStrings(sql).toLowerCase();
  const lines = sql.split('\n');
  const findings: RedshiftLintFinding[] = [];
  for (const { construct, pattern } of REDSHIFT_UNSUPPORTED) {
    for (const match of masked.matchAll(pattern)) {
      const line = lineAt(masked, match.index);
      findings.push({
        construct,
        line,
        excerpt: (lines[line - 1] ?? '').trim(),
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}
