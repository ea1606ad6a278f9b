import {
  COMPOUND_KEY_DIMENSION,
  generateLookml,
  OVERLAPS_VIEW,
  renderViewFile,
  type LookmlFile,
  type LookmlViewInput,
} from '../../lib/lookml/generate';
import { readLookmlViews } from '../../lib/lookml/write-lookml';
import {
  openReferenceWarehouse,
  type ReferenceWarehouse,
} from '../../lib/reference/generate-reference';
import {
  columnKind,
  readWarehouseColumns,
  type WarehouseColumn,
} from '../../lib/reference/columns';
import { listModels } from '../../lib/sql/models';

// lookml-parser ships no type declarations.
const lookmlParser: {
  parse(text: string): ParsedFile;
} = require('lookml-parser');

interface ParsedField {
  $name: string;
  type?: string;
  sql?: string;
  sql_on?: string;
  primary_key?: boolean;
  timeframes?: string[];
  relationship?: string;
}

interface ParsedView {
  sql_table_name?: string;
  dimension?: Record<string, ParsedField>;
  dimension_group?: Record<string, ParsedField>;
  measure?: Record<string, ParsedField>;
}

interface ParsedFile {
  view?: Record<string, ParsedView>;
  explore?: Record<string, { join?: Record<string, ParsedField> }>;
  include?: string | string[];
}

/** Field names a view exposes, with a dimension group's timeframes. */
function fieldNames(view: ParsedView): Set<string> {
  const names = new Set<string>();
  for (const name of Object.keys(view.dimension ?? {})) names.add(name);
  for (const name of Object.keys(view.measure ?? {})) names.add(name);
  for (const [name, group] of Object.entries(view.dimension_group ?? {})) {
    for (const timeframe of group.timeframes ?? []) {
      names.add(`${name}_${timeframe}`);
    }
  }
  return names;
}

function allFields(view: ParsedView): ParsedField[] {
  return [
    ...Object.values(view.dimension ?? {}),
    ...Object.values(view.dimension_group ?? {}),
    ...Object.values(view.measure ?? {}),
  ];
}

const tableReferences = (sql: string) =>
  [...sql.matchAll(/\$\{TABLE\}\.([a-z_][a-z0-9_]*)/g)].map(
    (match) => match[1]!,
  );
const fieldReferences = (sql: string) =>
  [...sql.matchAll(/\$\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}/g)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'TABLE');

describe('LookML generator', () => {
  let reference: ReferenceWarehouse;
  let inputs: LookmlViewInput[];
  let files: LookmlFile[];
  let parsed: Map<string, ParsedFile>;
  let catalog: Map<string, WarehouseColumn[]>;

  beforeAll(async () => {
    reference = await openReferenceWarehouse();
    const { views, missing } = await readLookmlViews(
      reference.warehouse,
      reference.context,
    );
    expect(missing).toEqual([]);
    inputs = views;
    files = generateLookml(views);
    parsed = new Map(
      files.map((file) => [file.path, lookmlParser.parse(file.contents)]),
    );
    const { schemas } = reference.context;
    catalog = await readWarehouseColumns(reference.warehouse, [
      schemas.models,
      schemas.dashboards,
    ]);
  }, 120_000);

  afterAll(async () => {
    await reference.warehouse.close();
  });

  const views = () =>
    [...parsed.values()].flatMap((file) => Object.entries(file.view ?? {}));

  it('writes a view file for each dashboard view and the overlaps view', async () => {
    const expected = (await listModels())
      .filter(
        (model) =>
          model.schema === 'dashboards' || model.name === OVERLAPS_VIEW,
      )
      .map((model) => `${model.name}.view.lkml`)
      .sort();
    const viewFiles = files
      .map((file) => file.path)
      .filter((name) => name.endsWith('.view.lkml'))
      .sort();
    expect(viewFiles).toEqual(expected);
    expect(files.map((file) => file.path)).toContain(
      'crossbeam_warehouse.explore.lkml',
    );
  });

  it('points each view at its warehouse table', () => {
    const { schemas } = reference.context;
    for (const [name, view] of views()) {
      const schema =
        name === OVERLAPS_VIEW ? schemas.models : schemas.dashboards;
      expect(view.sql_table_name?.trim()).toBe(`${schema}.${name}`);
    }
  });

  it('references only columns the view has', () => {
    let checked = 0;
    for (const [name, view] of views()) {
      const table = view.sql_table_name!.trim();
      const columns = new Set(catalog.get(table)!.map((column) => column.name));
      for (const field of allFields(view)) {
        for (const column of tableReferences(field.sql ?? '')) {
          expect({
            view: name,
            field: field.$name,
            column,
            exists: columns.has(column),
          }).toEqual({ view: name, field: field.$name, column, exists: true });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('references only fields the view defines', () => {
    for (const [name, view] of views()) {
      const fields = fieldNames(view);
      for (const field of allFields(view)) {
        for (const reference of fieldReferences(field.sql ?? '')) {
          expect({
            view: name,
            reference,
            exists: fields.has(reference),
          }).toEqual({ view: name, reference, exists: true });
        }
      }
    }
  });

  it('types dimensions from the warehouse columns', () => {
    for (const input of inputs) {
      const view = parsed.get(`${input.name}.view.lkml`)!.view![input.name]!;
      for (const column of input.columns) {
        const kind = columnKind(column.dataType);
        if (kind === 'timestamp' || kind === 'date') {
          const group = Object.values(view.dimension_group ?? {}).find(
            (item) => item.sql?.trim() === `\${TABLE}.${column.name}`,
          );
          expect({ column: column.name, type: group?.type }).toEqual({
            column: column.name,
            type: 'time',
          });
          continue;
        }
        const expected =
          kind === 'number'
            ? 'number'
            : kind === 'boolean'
              ? 'yesno'
              : 'string';
        expect({
          view: input.name,
          column: column.name,
          type: view.dimension?.[column.name]?.type,
        }).toEqual({ view: input.name, column: column.name, type: expected });
      }
    }
  });

  it('marks the model key as the primary key', () => {
    for (const input of inputs) {
      const view = parsed.get(`${input.name}.view.lkml`)!.view![input.name]!;
      const keys = Object.values(view.dimension ?? {}).filter(
        (field) => field.primary_key,
      );
      expect({ view: input.name, keys: keys.length }).toEqual({
        view: input.name,
        keys: 1,
      });
      if (input.key.length === 1) {
        expect(keys[0]!.$name).toBe(input.key[0]);
      } else {
        expect(keys[0]!.$name).toBe(COMPOUND_KEY_DIMENSION);
        expect(tableReferences(keys[0]!.sql!)).toEqual(input.key);
      }
    }
  });

  it('totals and averages amount columns', () => {
    const file = parsed.get('partner_open_pipeline.view.lkml')!;
    const measures = file.view!.partner_open_pipeline!.measure!;
    expect(measures.count?.type).toBe('count');
    expect(measures.total_open_pipeline_amount?.type).toBe('sum');
    expect(measures.average_open_pipeline_amount?.type).toBe('average');
    expect(measures.total_pipeline_rank).toBeUndefined();
  });

  it('joins the overlaps explore on fields both views define', () => {
    const explore = parsed.get('crossbeam_warehouse.explore.lkml')!;
    expect(explore.include).toBe('*.view.lkml');
    const joins = explore.explore![OVERLAPS_VIEW]!.join!;
    expect(Object.keys(joins)).toEqual(
      expect.arrayContaining([
        'partner_open_pipeline',
        'open_opportunity_partners',
      ]),
    );
    expect(joins.partner_open_pipeline!.relationship).toBe('many_to_one');
    expect(joins.open_opportunity_partners!.relationship).toBe('one_to_many');

    const byName = new Map(views());
    for (const join of Object.values(joins)) {
      const references = fieldReferences(join.sql_on ?? '');
      expect(references.length).toBeGreaterThan(0);
      for (const reference of references) {
        const [viewName, field] = reference.split('.');
        const view = byName.get(viewName!);
        expect({
          reference,
          exists: !!view && fieldNames(view).has(field!),
        }).toEqual({ reference, exists: true });
      }
    }
  });

  it('names a dimension group after its column without a suffix clash', () => {
    const column = (name: string, dataType: string, position: number) => ({
      schema: 's',
      table: 't',
      name,
      dataType,
      position,
    });
    const file = renderViewFile({
      name: 't',
      schema: 's',
      grain: 'one row per thing',
      key: ['id'],
      docs: {},
      columns: [
        column('id', 'text', 1),
        column('created_at', 'timestamp with time zone', 2),
        column('created_date', 'text', 3),
        column('closed_at', 'timestamp with time zone', 4),
      ],
    });
    const view = lookmlParser.parse(file.contents).view!.t!;
    expect(Object.keys(view.dimension_group!)).toEqual([
      'created_at',
      'closed',
    ]);
    expect(fieldNames(view).has('created_date')).toBe(true);
    expect(view.dimension!.created_date!.type).toBe('string');
  });
});
