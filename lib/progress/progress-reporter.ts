/**
 * Per-stream sync progress for the command line: a display redrawn in
 * place on a terminal, or plain lines every few seconds and at each
 * stream's end when the output is a file or a pipe (CI logs).
 */

/** Cumulative counts of one stream, as the pipeline's `onProgress` sends. */
export interface ProgressEvent {
  readonly stream: string;
  readonly pages: number;
  readonly records: number;
  readonly rejects: number;
}

/** The display's output: a writable stream with an optional width. */
export interface ProgressOutput {
  write(text: string): unknown;
  /** Terminal width in characters; lines are cut to fit when known. */
  readonly columns?: number;
}

export interface ProgressReporterOptions {
  /** @default process.stderr */
  readonly stream?: ProgressOutput;
  /**
   * Redraw in place (true) or print plain lines (false).
   * @default stream.isTTY
   */
  readonly isTTY?: boolean;
  /**
   * Milliseconds between plain lines, or the least time between two
   * redraws on a terminal.
   * @default 5000 for plain lines, 100 on a terminal
   */
  readonly intervalMs?: number;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface ProgressReporter {
  /** Records a stream's latest counts. */
  update(event: ProgressEvent): void;
  /**
   * Marks one stream as finished and shows its final counts; without an
   * argument, finishes every stream, draws the last state and stops the
   * timer. Call it without an argument once, at the end.
   */
  finish(stream?: string): void;
}

interface StreamState {
  readonly stream: string;
  pages: number;
  records: number;
  rejects: number;
  readonly startedAt: number;
  updatedAt: number;
  finished: boolean;
  /** Counts at the last plain line, to skip lines that repeat it. */
  printedRecords: number;
  printedPages: number;
}

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function rate(state: StreamState, now: number): number {
  const end = state.finished ? state.updatedAt : now;
  const seconds = (end - state.startedAt) / 1000;
  return seconds > 0 ? state.records / seconds : 0;
}

function plural(count: number, word: string): string {
  return `${counts.format(count)} ${word}${count === 1 ? '' : 's'}`;
}

/** Formats one stream's line: `accounts: running, 12 pages, 3,000 records, …`. */
function formatStreamProgress(state: StreamState, now: number): string {
  const seconds =
    ((state.finished ? state.updatedAt : now) - state.startedAt) / 1000;
  return [
    `${state.stream}: ${state.finished ? 'done' : 'running'}`,
    plural(state.pages, 'page'),
    plural(state.records, 'record'),
    plural(state.rejects, 'reject'),
    `${counts.format(rate(state, now))} records/s`,
    `${seconds.toFixed(1)} s`,
  ].join(', ');
}

function fit(line: string, columns: number | undefined): string {
  if (!columns || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}

function numberField(event: ProgressEvent, field: keyof ProgressEvent): number {
  const value = event[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Invalid progress event for stream ${JSON.stringify(event.stream)}: ${field} is ${JSON.stringify(value)}, expected a count of at least 0.`,
    );
  }
  return value;
}

/**
 * Creates a progress reporter. On a terminal it redraws one line per
 * stream in place (ANSI cursor-up and clear-line), at most once per
 * `intervalMs`. Otherwise it prints a plain line per changed stream every
 * `intervalMs`, and one when a stream finishes.
 *
 * @example
 *   const progress = createProgressReporter({ stream: process.stderr });
 *   await syncStreams(context, client, { onProgress: progress.update });
 *   progress.finish();
 */
export function createProgressReporter(
  options: ProgressReporterOptions = {},
): ProgressReporter {
  const output: ProgressOutput = options.stream ?? process.stderr;
  const isTTY = options.isTTY ?? Boolean((output as { isTTY?: boolean }).isTTY);
  const intervalMs = options.intervalMs ?? (isTTY ? 100 : 5000);
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `Invalid progress intervalMs ${JSON.stringify(intervalMs)}: use a number of milliseconds above 0.`,
    );
  }
  const now = options.now ?? Date.now;
  const streams = new Map<string, StreamState>();
  let drawnLines = 0;
  let lastDrawAt = -Infinity;
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const redraw = (): void => {
    const at = now();
    const lines = [...streams.values()].map((state) =>
      fit(formatStreamProgress(state, at), output.columns),
    );
    let text = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    for (const line of lines) text += `\r\x1b[2K${line}\n`;
    output.write(text);
    drawnLines = lines.length;
    lastDrawAt = at;
  };

  const printLine = (state: StreamState): void => {
    output.write(`${formatStreamProgress(state, now())}\n`);
    state.printedPages = state.pages;
    state.printedRecords = state.records;
  };

  const printChanged = (): void => {
    for (const state of streams.values()) {
      if (state.finished) continue;
      if (
        state.pages === state.printedPages &&
        state.records === state.printedRecords
      ) {
        continue;
      }
      printLine(state);
    }
  };

  const startTimer = (): void => {
    if (timer || isTTY) return;
    timer = setInterval(printChanged, intervalMs);
    timer.unref?.();
  };

  const finishStream = (state: StreamState): void => {
    if (state.finished) return;
    state.finished = true;
    state.updatedAt = now();
    if (isTTY) redraw();
    else printLine(state);
  };

  return {
    update(event: ProgressEvent): void {
      if (closed) return;
      const at = now();
      const pages = numberField(event, 'pages');
      const records = numberField(event, 'records');
      const rejects = numberField(event, 'rejects');
      let state = streams.get(event.stream);
      if (!state) {
        state = {
          stream: event.stream,
          pages: 0,
          records: 0,
          rejects: 0,
          startedAt: at,
          updatedAt: at,
          finished: false,
          printedPages: 0,
          printedRecords: 0,
        };
        streams.set(event.stream, state);
      }
      state.pages = pages;
      state.records = records;
      state.rejects = rejects;
      state.updatedAt = at;
      state.finished = false;

      if (isTTY) {
        if (at - lastDrawAt >= intervalMs) redraw();
      } else {
        startTimer();
      }
    },

    finish(stream?: string): void {
      if (closed) return;
      if (stream !== undefined) {
        const state = streams.get(stream);
        if (state) finishStream(state);
        return;
      }
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const state of streams.values()) {
        if (!state.finished) {
          state.finished = true;
          state.updatedAt = now();
          if (!isTTY) printLine(state);
        }
      }
      if (isTTY && streams.size > 0) redraw();
    },
  };
}
