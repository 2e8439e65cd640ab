// How files are cut into work items for the worker threads.

/** Batches of about this many bytes keep messages few and the cores evenly busy. */
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_FILES = 256;

export function batchFiles<F extends { size: number }>(files: readonly F[]): F[][] {
  const batches: F[][] = [];
  let current: F[] = [];
  let bytes = 0;
  for (const file of files) {
    current.push(file);
    bytes += file.size;
    if (bytes >= BATCH_BYTES || current.length >= BATCH_FILES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) batches.push(current);
  return batches;
}
