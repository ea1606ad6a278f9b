import { createProgressReporter } from '../../lib/progress/progress-reporter';

/** Creates a writable stand-in that keeps what was written. */
function fakeStream(columns?: number) {
  const chunks: string[] = [];
  return {
    chunks,
    columns,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(''),
  };
}

/** Applies carriage returns, clear-line and cursor-up like a terminal. */
function screen(text: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  // eslint-disable-next-line no-control-regex -- matches ANSI escape codes
  const pattern = /\x1b\[(\d*)([AK])|\r|\n|[^\x1b\r\n]+/g;
  for (const match of text.matchAll(pattern)) {
    const [token, count, code] = match;
    if (code === 'A') row = Math.max(0, row - Number(count || 1));
    else if (code === 'K') lines[row] = '';
    else if (token === '\r') continue;
    else if (token === '\n') {
      row += 1;
      if (lines.length <= row) lines.push('');
    } else lines[row] = (lines[row] ?? '') + token;
  }
  return lines.filter((line) => line !== '');
}

describe('progress reporter on a terminal', () => {
  it('redraws one line per stream in place', () => {
    let clock = 0;
    const stream = fakeStream();
    const progress = createProgressReporter({
      stream,
      isTTY: true,
      intervalMs: 100,
      now: () => clock,
    });
    progress.update({ stream: 'accounts', pages: 1, records: 100, rejects: 0 });
    clock = 150;
    progress.update({ stream: 'leads', pages: 1, records: 50, rejects: 1 });
    clock = 1000;
    progress.update({ stream: 'accounts', pages: 4, records: 400, rejects: 2 });

    const lines = screen(stream.text());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'accounts: running, 4 pages, 400 records, 2 rejects, 400 records/s, 1.0 s',
    );
    expect(lines[1]).toMatch(/^leads: running, 1 page, 50 records, 1 reject,/);
    expect(stream.text()).toContain('\x1b[2A');
  });

  it('throttles redraws to the interval', () => {
    let clock = 0;
    const stream = fakeStream();
    const progress = createProgressReporter({
      stream,
      isTTY: true,
      intervalMs: 100,
      now: () => clock,
    });
    for (let page = 1; page <= 10; page += 1) {
      clock += 10;
      progress.update({
        stream: 'accounts',
        pages: page,
        records: page,
        rejects: 0,
      });
    }
    expect(stream.chunks).toHaveLength(1);
    progress.finish();
    expect(stream.chunks).toHaveLength(2);
    expect(screen(stream.text())).toEqual([
      'accounts: done, 10 pages, 10 records, 0 rejects, 111 records/s, 0.1 s',
    ]);
  });

  it('cuts lines to the terminal width', () => {
    const stream = fakeStream(20);
    const progress = createProgressReporter({ stream, isTTY: true });
    progress.update({ stream: 'accounts', pages: 1, records: 1, rejects: 0 });
    const [line] = screen(stream.text());
    expect(line).toHaveLength(19);
    expect(line!.endsWith('…')).toBe(true);
  });
});

describe('progress reporter without a terminal', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('prints changed streams every interval', () => {
    let clock = 0;
    const stream = fakeStream();
    const progress = createProgressReporter({
      stream,
      isTTY: false,
      intervalMs: 5000,
      now: () => clock,
    });
    progress.update({
      stream: 'accounts',
      pages: 1,
      records: 1000,
      rejects: 0,
    });
    expect(stream.chunks).toHaveLength(0);

    clock = 5000;
    jest.advanceTimersByTime(5000);
    expect(stream.text()).toBe(
      'accounts: running, 1 page, 1,000 records, 0 rejects, 200 records/s, 5.0 s\n',
    );

    clock = 10_000;
    jest.advanceTimersByTime(5000);
    expect(stream.chunks).toHaveLength(1);
    progress.finish();
  });

  it('prints a line when a stream ends', () => {
    let clock = 0;
    const stream = fakeStream();
    const progress = createProgressReporter({
      stream,
      isTTY: false,
      intervalMs: 5000,
      now: () => clock,
    });
    progress.update({ stream: 'accounts', pages: 2, records: 50, rejects: 3 });
    progress.update({ stream: 'leads', pages: 1, records: 10, rejects: 0 });
    clock = 2000;
    progress.finish('accounts');
    expect(stream.text()).toBe(
      'accounts: done, 2 pages, 50 records, 3 rejects, 25 records/s, 2.0 s\n',
    );
    progress.finish();
    const lines = stream.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^leads: done, 1 page, 10 records/);
    expect(stream.text()).not.toContain('\x1b');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects a negative count', () => {
    const progress = createProgressReporter({ stream: fakeStream() });
    expect(() =>
      progress.update({
        stream: 'accounts',
        pages: -1,
        records: 0,
        rejects: 0,
      }),
    ).toThrow(/accounts.*pages is -1/);
  });
});
