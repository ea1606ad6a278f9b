import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  generateReference,
  REFERENCE_COMMAND,
} from '../../lib/reference/generate-reference';
import { allLandedTables } from '../../lib/streams/catalog';
import { listModels } from '../../lib/sql/models';

const referenceFile = path.resolve(__dirname, '../../docs/reference.md');

describe('warehouse reference', () => {
  let generated: string;

  beforeAll(async () => {
    generated = await generateReference();
  }, 120_000);

  it('matches docs/reference.md', () => {
    const committed = readFileSync(referenceFile, 'utf8');
    if (committed !== generated) {
      const committedLines = committed.split('\n');
      const generatedLines = generated.split('\n');
      const line = generatedLines.findIndex(
        (text, index) => text !== committedLines[index],
      );
      throw new Error(
        `docs/reference.md is out of date (first difference at line ${line + 1}: expected ${JSON.stringify(generatedLines[line])}, found ${JSON.stringify(committedLines[line])}). Run "${REFERENCE_COMMAND}" and commit the result.`,
      );
    }
  });

  it('describes every landed table with its columns', () => {
    for (const table of allLandedTables()) {
      expect(generated).toContain(`### \`crossbeam.${table.name}\``);
      const section = generated
        .split(`### \`crossbeam.${table.name}\``)[1]!
        .split('### ')[0]!;
      for (const column of table.columns) {
        expect(section).toContain(`| \`${column.name}\` |`);
      }
    }
  });

  it('describes every model with grain and key', async () => {
    for (const model of await listModels()) {
      const heading = new RegExp(`### \`[a-z_]+\\.${model.name}\``);
      expect(generated).toMatch(heading);
      const section = generated.split(heading)[1]!.split('### ')[0]!;
      expect(section).toContain(`- Grain: ${model.grain}`);
      expect(section).toContain(
        `- Key: ${model.key.map((name) => `\`${name}\``).join(', ')}`,
      );
      for (const [column, doc] of Object.entries(model.columns)) {
        expect(section).toContain(`| \`${column}\` |`);
        expect(section).toContain(doc.replace(/\|/g, '\\|'));
      }
    }
  });
});
