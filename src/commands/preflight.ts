// Checks of the places a run will write to or read a tree from, made before any
// analysis starts: each failure is one line naming the path and the reason (exit 2).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, prepareCacheDir } from '../types/cache-dir';
import { UsageError } from './common';

/** The report file's folder must exist and take new files; the file itself, if there, must be a writable file. */
export function checkOutputFile(file: string | undefined): void {
  if (file === undefined) return;
  const absolute = path.resolve(file);
  const folder = path.dirname(absolute);
  const fail = (reason: string) => new UsageError(`-o ${file}: ${reason}`);
  const folderStat = statOrReason(folder);
  if (typeof folderStat === 'string') throw fail(`cannot use the folder ${folder}: ${folderStat}`);
  if (!folderStat.isDirectory()) throw fail(`${folder} is not a directory`);
  const fileStat = statOrReason(absolute);
  if (typeof fileStat !== 'string' && fileStat.isDirectory()) throw fail('is a directory');
  const target = typeof fileStat === 'string' ? folder : absolute;
  try {
    fs.accessSync(target, fs.constants.W_OK);
  } catch (error) {
    throw fail(`cannot write ${target === folder ? `in ${folder}` : 'it'}: ${describeError(error)}`);
  }
}

/** --tree must name an existing directory. */
export function checkTreeDir(tree: string | undefined): void {
  if (tree === undefined) return;
  const stat = statOrReason(tree);
  if (typeof stat === 'string') throw new UsageError(`--tree ${tree}: ${stat}`);
  if (!stat.isDirectory()) throw new UsageError(`--tree ${tree}: not a directory`);
}

/**
 * A --cache-dir given on the command line is made and probed with one small file now,
 * not when the index is first written. prepareCacheDir makes each missing folder
 * with one mkdir (never a recursive one, which loops forever under /proc), so the
 * attempt is bounded; it throws a CacheError naming the path and the reason.
 */
export function checkCacheDir(cacheDir: string | undefined): void {
  if (cacheDir !== undefined) prepareCacheDir(cacheDir);
}

function statOrReason(at: string): fs.Stats | string {
  try {
    return fs.statSync(at);
  } catch (error) {
    return describeError(error);
  }
}
