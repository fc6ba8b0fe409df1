import type { CliIo } from "./context.js";

/** Inputs larger than this show a progress bar on a terminal: 64 MiB. */
export const PROGRESS_THRESHOLD = 64 * 1024 * 1024;

const BAR_WIDTH = 30;
const MIB = 1024 * 1024;

/** Progress of one long operation, drawn on stderr. */
export interface Progress {
  /** Adds processed bytes. */
  advance(bytes: number): void;
  /** Removes the bar. */
  finish(): void;
}

const NO_PROGRESS: Progress = { advance: () => undefined, finish: () => undefined };

/**
 * Returns a progress bar for `totalBytes` when stderr is a terminal and the
 * input is over 64 MiB, else one that draws nothing. It redraws only when
 * the whole percentage changes.
 */
export function createProgress(io: CliIo, label: string, totalBytes: number | undefined): Progress {
  if (totalBytes === undefined || totalBytes <= PROGRESS_THRESHOLD || io.stderr.isTTY !== true) return NO_PROGRESS;

  let done = 0;
  let shownPercent = -1;

  const draw = (): void => {
    const percent = Math.min(100, Math.floor((done / totalBytes) * 100));
    if (percent === shownPercent) return;
    shownPercent = percent;

    const filled = Math.round((percent / 100) * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const amounts = `${(done / MIB).toFixed(1)}/${(totalBytes / MIB).toFixed(1)} MiB`;
    io.stderr.write(`\r${label} [${bar}] ${String(percent).padStart(3)}% ${amounts}`);
  };

  draw();
  return {
    advance(bytes) {
      done += bytes;
      draw();
    },
    finish() {
      io.stderr.write("\r\u001b[2K");
    },
  };
}
