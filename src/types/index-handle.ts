// The type index as an analysing thread sees it: the plain handle the main
// thread passes (session.ts), the index opened once per thread, and a typer
// per file that sees the tree from where the file is.

import type { ParsedFile } from '../frontend/parse';
import { stagedFacts } from './extract';
import type { LookupRecorder } from './lookup-keys';
import { NameTable } from './name-table';
import { TypeIndex } from './type-index';
import { Typer } from './typer';

import type { TypeIndexHandle } from './index-path';

const opened = new Map<string, TypeIndex>();

/** The index behind a handle, opened once per thread. */
export function typeIndexOf(handle: TypeIndexHandle): TypeIndex {
  const key = `${handle.tablePath}\0${handle.options.abi}\0${handle.options.arch}`;
  let index = opened.get(key);
  if (!index) {
    index = new TypeIndex(handle.tablePath ? NameTable.open(handle.tablePath) : null, handle.options);
    opened.set(key, index);
  }
  return index;
}


/**
 * A typer for one parsed file: its own declarations come from the parse (what
 * its bodies say only when a rule asks), the rest from the index (keys looked up told to `recorder`).
 */
export function typerFor(parsed: ParsedFile, index: TypeIndex, indexPath: string, recorder?: LookupRecorder): Typer {
  return new Typer(parsed, index.scopeFor(indexPath, stagedFacts(parsed), recorder));
}
