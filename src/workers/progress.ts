// Progress on stderr when it is a terminal; silent otherwise.

import type * as CliProgress from 'cli-progress';

export interface Progress {
  advance(files: number, bytes: number): void;
  stop(): void;
}

export function createProgress(label: string, totalFiles: number, enabled = Boolean(process.stderr.isTTY)): Progress {
  if (!enabled || totalFiles === 0) return { advance: () => undefined, stop: () => undefined };
  // Loaded only when a bar is drawn (a terminal): it and its string-width tables cost a few ms at start-up.
  const { SingleBar, Presets } = require('cli-progress') as typeof CliProgress;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} files | {mb} MB | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let bytes = 0;
  bar.start(totalFiles, 0, { mb: '0' });
  return {
    advance(files, b) {
      bytes += b;
      bar.increment(files, { mb: (bytes / 1e6).toFixed(0) });
    },
    stop: () => bar.stop(),
  };
}

/** Advances by the files of a finished work item. */
export function advanceBy(progress: Progress, files: readonly { size: number }[]): void {
  progress.advance(files.length, files.reduce((sum, f) => sum + f.size, 0));
}
