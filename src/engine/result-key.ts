// The key of a run's result cache: everything a file's findings depend on
// besides the file itself and the index facts it looks up. That is the code
// (compiled rules, and the analyses, front end and typer they run on), the
// data (macro hints, built-in kernel types, knowledge tables), the user's own
// hints and knowledge files, the rules chosen, and the options that change
// what a file gives. Results under another key are never looked at.

import { createHash, Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypeIndexOptions } from '../types/type-index';

/** Bump when what is stored for a file, or how, changes. */
export const RESULT_FORMAT = 2;

/** dist/: the compiled program (this file is dist/src/engine/result-key.js). */
const COMPILED_ROOT = path.resolve(__dirname, '../..');
const DATA_ROOT = path.resolve(__dirname, '../../../data');

export interface ResultKeyInputs {
  ruleIds: readonly string[];
  hintFiles: readonly string[];
  knowledgeFiles: readonly string[];
  maxBytes: number;
  /** The kernel tree whose index is used, or null. */
  treeRoot: string | null;
  typeOptions: TypeIndexOptions;
  /**
   * Whether the rules gave every tier (tier-gate.ts's lowTierWanted). A run
   * that wanted only the shown tiers stores results that are complete for
   * those alone, so its entries are kept apart from complete ones.
   */
  lowTier?: boolean;
}

let programHash: string | null = null;

/** The compiled code and the data files, hashed once per process. */
function programVersion(): string {
  return (programHash ??= hashProgram(COMPILED_ROOT, DATA_ROOT));
}

/** A hash of the compiled code under `compiledRoot` (src/, rules/; .js files) and of every file under `dataRoot`. */
export function hashProgram(compiledRoot: string, dataRoot: string): string {
  const hash = createHash('sha1').update(`result format ${RESULT_FORMAT}\0`);
  for (const dir of ['src', 'rules']) hashTree(hash, compiledRoot, dir, (name) => name.endsWith('.js'));
  hashTree(hash, dataRoot, '.', () => true);
  return hash.digest('hex');
}

function hashTree(hash: Hash, root: string, dir: string, wanted: (name: string) => boolean): void {
  const entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, root, rel, wanted);
    else if (entry.isFile() && wanted(entry.name)) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(root, rel))).update('\0');
  }
}

export function resultKey(inputs: ResultKeyInputs): string {
  const hash = createHash('sha1').update(programVersion());
  const options = {
    rules: inputs.ruleIds,
    maxBytes: inputs.maxBytes,
    tree: inputs.treeRoot,
    abi: inputs.typeOptions.abi,
    arch: inputs.typeOptions.arch,
    ...(inputs.lowTier === false ? { tiers: 'above low' } : {}),
  };
  hash.update(JSON.stringify(options));
  // A knowledge file's name says which table it adds to; a hints file's name says nothing.
  for (const file of inputs.hintFiles) hash.update('\0hints\0').update(fs.readFileSync(file));
  for (const file of inputs.knowledgeFiles) hash.update(`\0knowledge ${path.basename(file)}\0`).update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 20);
}
