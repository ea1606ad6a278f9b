import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '../../bin/crossbeam-warehouse.js');

describe('sql and status on a new folder', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cli-query-'));
  const cli = (...args: string[]) =>
    run(process.execPath, [bin, ...args], {
      cwd: workDir,
      env: { PATH: process.env.PATH },
    });

  it('status explains that nothing was loaded', async () => {
    const { stdout } = await cli('status');

    expect(stdout).toContain('No stream has been loaded yet');
    expect(existsSync(path.join(workDir, '.crossbeam', 'warehouse'))).toBe(
      false,
    );
  });

  it('status --json prints an empty array', async () => {
    const { stdout } = await cli('status', '--json');

    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('sql rejects an empty statement', async () => {
    await expect(cli('sql', ' ')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('The SQL statement is empty'),
    });
  });
});
