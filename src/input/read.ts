// Reads one source file and decides whether and how it can be analysed.
// Synchronous because it runs inside worker threads, one file at a time.

import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { InputProblem } from '../model';
import { SourceFile, describeFsError } from './walk';

export type ReadResult =
  | { ok: true; text: string; bytes: number; problem?: InputProblem }
  | { ok: false; problem: InputProblem };

export type ReadBytesResult = { ok: true; bytes: Buffer } | { ok: false; problem: InputProblem };

export interface ReadOptions {
  maxBytes: number;
}

export function readSourceFile(file: SourceFile, options: ReadOptions): ReadResult {
  const read = readSourceBytes(file, options);
  if (!read.ok) return read;
  return { ok: true, bytes: read.bytes.length, ...decodeSourceBytes(file, read.bytes) };
}

/**
 * Reads the raw bytes and rejects files that are too large, unreadable or binary.
 * Split from decoding so a prefilter can look at the bytes before paying for a decode.
 */
export function readSourceBytes(file: SourceFile, options: ReadOptions): ReadBytesResult {
  let read: RawRead;
  try {
    read = readAtMost(file.absolutePath, options.maxBytes);
  } catch (error) {
    const { kind, reason } = describeFsError(error);
    return { ok: false, problem: problemFor(file, kind, `cannot read: ${reason}`, false) };
  }
  if ('notRegular' in read) {
    return { ok: false, problem: problemFor(file, 'unreadable', `cannot read: not a regular file (${read.notRegular})`, false) };
  }
  if ('tooLarge' in read) {
    const reason =
      `${read.tooLarge} bytes, over the limit of ${options.maxBytes} bytes; ` +
      'raise the limit with --max-file-size to analyse it';
    return { ok: false, problem: problemFor(file, 'too-large', reason, false) };
  }
  const bytes = read.bytes;
  const nulOffset = bytes.indexOf(0);
  if (nulOffset !== -1) {
    const reason = `contains a NUL byte at ${describeOffset(bytes, nulOffset)} (binary file)`;
    return { ok: false, problem: problemFor(file, 'binary', reason, false) };
  }
  return { ok: true, bytes };
}

/** UTF-8 when valid; otherwise Latin-1, which decodes any byte, so the file is still analysed. */
export function decodeSourceBytes(file: SourceFile, bytes: Buffer): { text: string; problem?: InputProblem } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8') };
  const offset = firstInvalidUtf8Offset(bytes);
  const reason =
    `not valid UTF-8: first invalid byte 0x${bytes[offset].toString(16).padStart(2, '0')} at ` +
    `${describeOffset(bytes, offset)}; decoded as Latin-1`;
  return { text: bytes.toString('latin1'), problem: problemFor(file, 'not-utf8', reason, true) };
}

/** A file's text: UTF-8, or Latin-1 with a not-utf8 problem, and which, so columns count the file's bytes. */
export function decodeSource(file: SourceFile, bytes: Buffer): { text: string; encoding: 'utf8' | 'latin1'; problem?: InputProblem } {
  const decoded = decodeSourceBytes(file, bytes);
  return { ...decoded, encoding: decoded.problem?.kind === 'not-utf8' ? 'latin1' : 'utf8' };
}

type RawRead = { bytes: Buffer } | { tooLarge: number } | { notRegular: string };

// O_NONBLOCK so that a FIFO in place of the file cannot block the worker in open(); it is rejected after fstat.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Reads the whole file unless it is over `limit` bytes; trusts read() over fstat, which may be stale or 0. */
function readAtMost(absolutePath: string, limit: number): RawRead {
  const fd = fs.openSync(absolutePath, OPEN_FLAGS);
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return { notRegular: stats.isDirectory() ? 'directory' : 'device, FIFO or socket' };
    if (stats.size > limit) return { tooLarge: stats.size };
    let buffer = Buffer.allocUnsafe(Math.min(stats.size, limit) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // The file grew past its fstat size (or fstat said 0, as in procfs): at least this large.
        if (length > limit) return { tooLarge: Math.max(length, fs.fstatSync(fd).size) };
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const count = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (count === 0) break;
      length += count;
    }
    return { bytes: buffer.subarray(0, length) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (same rules as isUtf8). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let continuationCount: number;
    // Bounds for the second byte exclude overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    let secondMin = 0x80;
    let secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) continuationCount = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      continuationCount = 2;
      if (lead === 0xe0) secondMin = 0xa0;
      if (lead === 0xed) secondMax = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuationCount = 3;
      if (lead === 0xf0) secondMin = 0x90;
      if (lead === 0xf4) secondMax = 0x8f;
    } else return i;
    for (let k = 1; k <= continuationCount; k++) {
      const byte = bytes[i + k];
      const min = k === 1 ? secondMin : 0x80;
      const max = k === 1 ? secondMax : 0xbf;
      if (byte === undefined || byte < min || byte > max) return i;
    }
    i += continuationCount + 1;
  }
  return -1;
}

/** "line 3, column 5 (byte offset 42)", with a 1-based column counted in bytes, as in SourceLocation. */
function describeOffset(bytes: Buffer, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1} (byte offset ${offset})`;
}

function problemFor(file: SourceFile, kind: InputProblem['kind'], reason: string, analysed: boolean): InputProblem {
  return { path: file.displayPath, kind, reason, analysed };
}
