// `scan -`: standard input analysed as one C file. The workers read files by path,
// so the text is put in a private temporary file and reported as "<stdin>".

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceFile } from './walk';

export const STDIN_ARGUMENT = '-';
export const STDIN_DISPLAY_PATH = '<stdin>';

export interface StdinFile {
  file: SourceFile;
  /** Removes the temporary file. */
  remove(): void;
}

export function stdinSourceFile(bytes: Buffer): StdinFile {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-stdin-'));
  const absolutePath = path.join(folder, 'stdin.c');
  fs.writeFileSync(absolutePath, bytes, { mode: 0o600 });
  return {
    file: { absolutePath, displayPath: STDIN_DISPLAY_PATH, size: bytes.length },
    remove: () => fs.rmSync(folder, { recursive: true, force: true }),
  };
}
