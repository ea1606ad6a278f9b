import type { Command } from 'commander';
import { writeReference } from '../../reference/write-reference';

/** Registers `reference`: regenerates the warehouse reference document. */
export function registerReferenceCommand(program: Command): void {
  program
    .command('reference')
    .description(
      'Write the Markdown reference of every table and view, generated from the SQL files in an in-memory database',
    )
    .option('--out <file>', 'Markdown file to write', 'docs/reference.md')
    .action(async (options: { out: string }) => {
      const result = await writeReference(options.out);
      process.stdout.write(
        result.changed
          ? `Wrote the warehouse reference to ${result.path}\n`
          : `The warehouse reference in ${result.path} is up to date.\n`,
      );
    });
}
