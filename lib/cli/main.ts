import { Command, CommanderError } from 'commander';
import { CrossbeamWarehouseError } from '../errors';
import { registerDashboardsCommand } from './commands/dashboards-command';
import { registerDemoCommand } from './commands/demo-command';
import { registerLookmlCommand } from './commands/lookml-command';
import { registerPipelineCommands } from './commands/pipeline-commands';
import { registerQueryCommands } from './commands/query-commands';
import { registerReferenceCommand } from './commands/reference-command';
import { registerSandboxCommand } from './commands/sandbox-command';
import { addGlobalOptions } from './options';

export function createProgram(): Command {
  const program = new Command('crossbeam-warehouse')
    .description(
      'Put Crossbeam partner data into your warehouse and build dashboard views on it.',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  addGlobalOptions(program);

  registerDemoCommand(program);
  registerPipelineCommands(program);
  registerQueryCommands(program);
  registerSandboxCommand(program);
  registerDashboardsCommand(program);
  registerLookmlCommand(program);
  registerReferenceCommand(program);
  return program;
}

/** Tells whether an error is a failed file system call (ENOENT, ENOTDIR, EACCES, …). */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  const candidate = error as NodeJS.ErrnoException;
  return (
    error instanceof Error &&
    typeof candidate.code === 'string' &&
    typeof candidate.syscall === 'string' &&
    typeof candidate.path === 'string'
  );
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CrossbeamWarehouseError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    if (isFileSystemError(error)) {
      process.stderr.write(
        `error: ${error.message}. Check that the path exists, is a folder where one is expected, and is writable.\n`,
      );
      return 1;
    }
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
