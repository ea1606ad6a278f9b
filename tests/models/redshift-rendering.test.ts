import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSourcesConfig, renderSourceVars } from '../../lib/sources/config';
import { listModels } from '../../lib/sql/models';
import { modelsDir } from '../../lib/sql/paths';
import { checkRedshiftSql, renderSql } from '../../lib/sql/render';

const OWN_LAYERS = new Set(['staging', 'events', 'attribution', 'dashboards']);

const config = parseSourcesConfig({
  crm: { preset: 'stitch', schema: 'salesforce' },
  marketing: { schema: 'marketing', table: 'events' },
  product: { schema: 'product', table: 'account_usage' },
});

const redshiftContext = {
  dialect: 'redshift' as const,
  schemas: {
    crossbeam: 'crossbeam',
    staging: 'crossbeam_staging',
    models: 'crossbeam_models',
    dashboards: 'crossbeam_dashboards',
  },
  vars: renderSourceVars(config),
};

test('every model passes the Redshift dialect check', async () => {
  const models = await listModels();
  expect(models.length).toBeGreaterThan(20);
  for (const model of models) {
    const sql = renderSql(model.template, redshiftContext, model.file);
    expect({ model: model.file, findings: checkRedshiftSql(sql) }).toEqual({
      model: model.file,
      findings: [],
    });
    expect(sql).toMatch(/with no schema binding;\s*$/);
  }
});

test('analytical models document grain, key and columns', async () => {
  const models = (await listModels()).filter((model) =>
    OWN_LAYERS.has(model.layer),
  );
  for (const model of models) {
    expect(model.grain.length).toBeGreaterThan(10);
    expect(model.key.length).toBeGreaterThan(0);
    for (const column of model.key) {
      expect({
        model: model.name,
        keyColumnDocumented: column in model.columns,
      }).toEqual({ model: model.name, keyColumnDocumented: true });
    }
  }
});

test('dashboards live in the dashboards schema', async () => {
  const models = await listModels();
  for (const model of models) {
    const expected = model.layer === 'dashboards' ? 'dashboards' : 'models';
    expect({ model: model.name, schema: model.schema }).toEqual({
      model: model.name,
      schema: expected,
    });
  }
});

test('model text stays lower case outside literals', async () => {
  const models = await listModels();
  for (const model of models.filter((m) => OWN_LAYERS.has(m.layer))) {
    const text = await readFile(path.join(modelsDir(), model.file), 'utf8');
    const body = text
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n')
      .replace(/'(?:[^']|'')*'/g, "''");
    expect({ model: model.name, upper: body.match(/[A-Z]+/g) }).toEqual({
      model: model.name,
      upper: null,
    });
  }
});
