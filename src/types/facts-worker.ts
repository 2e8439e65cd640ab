// The worker thread of index extraction: reads the files of a work item and sends
// back each one's declarations, encoded for the facts pack and the table.

import type { SourceFile } from '../input/walk';
import type { InputProblem } from '../model';
import { decodeSource, readSourceBytes } from '../input/read';
import { HintTable, loadHints } from '../frontend/hints';
import { TreeMemory } from '../workers/tree-memory';
import { factsOfSource } from './extract';
import { EncodedFacts, encodeFacts } from './table-file';
import { sha1 } from './facts-cache';

export interface FactsTask {
  files: SourceFile[];
  hintFiles: string[];
  maxBytes: number;
  /** Files larger than this get no constant macros indexed (the huge generated register headers). */
  macroMaxBytes: number;
}

/** One file: its facts, or the problem that kept it out of the index (or both, e.g. decoded as Latin-1). */
export interface ExtractedFile {
  path: string;
  bytes: number;
  hash?: string;
  facts?: EncodedFacts;
  problem?: InputProblem;
}

const treeMemory = new TreeMemory();
let hints: { key: string; table: HintTable } | null = null;

function hintsFor(files: string[]): HintTable {
  const key = files.join('\0');
  if (hints?.key !== key) hints = { key, table: loadHints(files) };
  return hints.table;
}

/** One result per file of the task, in its order. */
export default async function extractFacts(task: FactsTask): Promise<ExtractedFile[]> {
  const hintTable = hintsFor(task.hintFiles);
  const out: ExtractedFile[] = [];
  for (const file of task.files) {
    const read = readSourceBytes(file, { maxBytes: task.maxBytes });
    if (!read.ok) {
      out.push({ path: file.displayPath, bytes: 0, problem: read.problem });
      continue;
    }
    const bytes = read.bytes.length;
    const hash = sha1(read.bytes);
    const { text, encoding, problem } = decodeSource(file, read.bytes);
    try {
      const facts = factsOfSource(file.displayPath, text, { hints: hintTable, encoding, macros: bytes <= task.macroMaxBytes });
      out.push({ path: file.displayPath, bytes, hash, facts: encodeFacts(facts), ...(problem ? { problem } : {}) });
    } catch (error) {
      const reason = `declarations could not be extracted: ${(error as Error).stack ?? String(error)}`;
      const failure: InputProblem = { path: file.displayPath, kind: 'internal-error', reason, analysed: false };
      out.push({ path: file.displayPath, bytes, problem: failure });
    }
    await treeMemory.parsed(bytes);
  }
  return out;
}
