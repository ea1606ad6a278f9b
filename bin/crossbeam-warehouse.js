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

cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
