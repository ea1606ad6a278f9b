#!/usr/bin/env node
// The npm bin: runs the compiled CLI from dist/, which `npm install` builds.
const path = require('node:path');
const entry = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');

let cli;
try {
  cli = require(entry);
} catch (error) {
  if (
    error &&
    error.code === 'MODULE_NOT_FOUND' &&
    String(error.message).includes(entry)
  ) {
    process.stderr.write(
      `error: ${entry} is missing. Run "npm run build" in ${path.dirname(__dirname)} first.\n`,
    );
    process.exit(1);
  }
  throw error;
}

// A reader that closes the pipe early (`… | head`, `… 2>&1 | head`) wants
// no more output, but the command still finishes, so that a run saves its
// state. Any other failure to write the results or logs fails the command.
for (const [name, stream] of [
  ['stdout', process.stdout],
  ['stderr', process.stderr],
]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') return;
    process.exitCode = 1;
    if (name === 'stdout') {
      process.stderr.write(
        `error: writing to stdout failed: ${error.message}\n`,
      );
    }
  });
}

cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = process.exitCode || code;
});
