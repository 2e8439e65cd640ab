// Reads the patches out of an input text: a plain diff, a single mail, or an
// mbox of many (git format-patch, b4). Only finds and cuts; the diffs are
// parsed by patch-parse.ts. One pass over the lines, no regex that can
// backtrack over more than one short line, so a 50 MB mbox costs linear time.

import { TextDecoder } from 'node:util';
import type { PatchProblem, PatchSource } from './model';

export interface SeriesRead {
  patches: PatchSource[];
  problems: PatchProblem[];
}

/**
 * The patches of `text`, numbered among themselves (cover letters and
 * messages without a diff are not counted). `label` names the input.
 */
export function readSeries(text: string, label: string): SeriesRead {
  // A byte order mark would hide the first "From " separator; dropping it moves no line number.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const problems: PatchProblem[] = [];
  const spans = splitMessages(text);
  const mbox = spans.length > 0 && spans[0].separator !== undefined;
  const found: FoundPatch[] = [];
  let coverLetters = 0;
  spans.forEach((span, k) => {
    const message = readMessage(text, span);
    if (message.subject !== undefined && isCoverLetter(message.subject)) {
      coverLetters++;
      return;
    }
    if (!message.diff) {
      const patch = spans.length === 1 ? label : `${label} (message ${k + 1})`;
      const reason = mbox ? 'no diff in this message' : 'no diff in the input';
      problems.push({ kind: 'empty', patch, reason, applied: false });
      return;
    }
    found.push(message as FoundPatch);
  });

  const total = found.length;
  const patches = found.map((message, i): PatchSource => {
    const patchLabel = total === 1 ? label : `${label} (patch ${i + 1}/${total})`;
    return {
      index: i + 1,
      total,
      label: patchLabel,
      subject: message.subject || patchLabel,
      ...(message.commit === undefined ? {} : { commit: message.commit }),
      ...(message.author === undefined ? {} : { author: message.author }),
      diff: message.diff.text,
      diffLine: message.diff.line,
    };
  });
  if (patches.length === 0 && problems.length === 0) {
    const reason = text.trim() === '' ? 'the input is empty' : coverLetters > 0 ? 'only a cover letter, no patch' : 'no diff in the input';
    problems.push({ kind: 'empty', patch: label, reason, applied: false });
  }
  return { patches, problems };
}

interface MessageRead {
  subject?: string;
  author?: string;
  commit?: string;
  diff?: { text: string; line: number };
}

type FoundPatch = MessageRead & { diff: { text: string; line: number } };

// ---------------------------------------------------------------------------
// Lines

/** Offset of the end of the line starting at `pos` (the '\n', or `limit`). */
function lineEnd(text: string, pos: number, limit: number): number {
  const end = text.indexOf('\n', pos);
  return end < 0 || end > limit ? limit : end;
}

/** The line at [start, end) without a trailing '\r': CRLF mail is read like LF mail. */
function lineAt(text: string, start: number, end: number): string {
  return end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
}

// ---------------------------------------------------------------------------
// Messages

interface MessageSpan {
  /** Offset of the message's first line (after the "From " separator). */
  start: number;
  end: number;
  /** 1-based input line of `start`. */
  line: number;
  /** The "From ..." separator line of an mbox message. */
  separator?: string;
}

/**
 * An mbox when the first non-blank line is a "From " separator; otherwise the
 * whole text is one message (a plain diff, or one mail without separator).
 * ">From " lines (mbox quoting) are left as written: the message text is not
 * returned, and a diff is never unquoted.
 */
function splitMessages(text: string): MessageSpan[] {
  const limit = text.length;
  let pos = 0;
  let line = 1;
  while (pos < limit) {
    const end = lineEnd(text, pos, limit);
    if (lineAt(text, pos, end).trim() !== '') break;
    pos = end + 1;
    line++;
  }
  if (pos >= limit) return text.trim() === '' ? [] : [{ start: 0, end: limit, line: 1 }];
  if (!isSeparator(lineAt(text, pos, lineEnd(text, pos, limit)))) return [{ start: 0, end: limit, line: 1 }];

  const spans: MessageSpan[] = [];
  let current: MessageSpan | undefined;
  while (pos < limit) {
    const end = lineEnd(text, pos, limit);
    if (text.startsWith('From ', pos)) {
      const candidate = lineAt(text, pos, end);
      if (isSeparator(candidate)) {
        if (current) current.end = pos;
        current = { start: Math.min(end + 1, limit), end: limit, line: line + 1, separator: candidate };
        spans.push(current);
      }
    }
    pos = end + 1;
    line++;
  }
  return spans;
}

/**
 * A message separator, tested the way git mailsplit does: "From ", then a
 * time of day and a year at the end ("... Mon Sep 17 00:00:00 2001"). A
 * commit message line that merely starts with "From " is not one.
 */
function isSeparator(line: string): boolean {
  return line.startsWith('From ') && line.length <= 1000 && SEPARATOR_DATE.test(line);
}

const SEPARATOR_DATE = /\d\d?:\d\d(?::\d\d)?(?: [+-]\d{4}| [A-Z]{2,5})? +\d{4}(?: [+-]\d{4})? *$/;
const COMMIT_IN_SEPARATOR = /^From ([0-9a-f]{40}|[0-9a-f]{64}) /;

function readMessage(text: string, span: MessageSpan): MessageRead {
  const entity = readHeaders(text, span.start, span.end, span.line, span.separator !== undefined);
  const message: MessageRead = {};
  const commit = span.separator && COMMIT_IN_SEPARATOR.exec(span.separator);
  // format-patch --zero-commit and b4 write forty zeros: no commit to name.
  if (commit && !/^0+$/.test(commit[1])) message.commit = commit[1];
  const subject = entity.headers.get('subject');
  if (subject !== undefined) message.subject = decodeHeader(subject);
  const from = entity.headers.get('from');
  if (from !== undefined) message.author = decodeHeader(from);
  const diff = findDiff(text, entity, 0);
  if (diff) message.diff = diff;
  return message;
}

/** A mail entity: its headers, and where its body starts and ends in the input. */
interface Entity {
  headers: Map<string, string>;
  bodyStart: number;
  bodyLine: number;
  end: number;
}

const HEADER_FIELD = /^[!-9;-~]+:/;

/**
 * Header fields from `start` up to the first blank line, unfolded; fields
 * keep their first value, under lower-case names. Without `expectHeaders` (a
 * plain input) the text only has headers when its first line is a field;
 * otherwise it is all body. A line that is neither a field nor a
 * continuation also ends the headers (a body without the blank line).
 */
function readHeaders(text: string, start: number, limit: number, firstLine: number, expectHeaders: boolean): Entity {
  const headers = new Map<string, string>();
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined && !headers.has(name)) headers.set(name, value);
    name = undefined;
  };
  let pos = start;
  let line = firstLine;
  while (pos < limit) {
    const end = lineEnd(text, pos, limit);
    const current = lineAt(text, pos, end);
    if (current === '') {
      if (!expectHeaders && headers.size === 0 && name === undefined) break;
      flush();
      return { headers, bodyStart: Math.min(end + 1, limit), bodyLine: line + 1, end: limit };
    }
    if ((current[0] === ' ' || current[0] === '\t') && name !== undefined) {
      value += current; // unfolding: the line break goes, the whitespace stays
    } else if (HEADER_FIELD.test(current)) {
      flush();
      const colon = current.indexOf(':');
      name = current.slice(0, colon).toLowerCase();
      value = current.slice(colon + 1).trimStart();
    } else {
      break;
    }
    pos = end + 1;
    line++;
  }
  flush();
  if (!expectHeaders && headers.size === 0) return { headers, bodyStart: start, bodyLine: firstLine, end: limit };
  return { headers, bodyStart: Math.min(pos, limit), bodyLine: line, end: limit };
}

/**
 * The diff part of an entity: from its first diff line to its end, the
 * signature cut off. Multipart mail is searched part by part (patches sent
 * as attachments), nesting bounded. A quoted-printable or base64 body is
 * decoded first; its decoded lines do not correspond to input lines, so the
 * diff's line is then the body's first line.
 */
function findDiff(text: string, entity: Entity, depth: number): { text: string; line: number } | undefined {
  const type = parseContentType(entity.headers.get('content-type'));
  if (type.mime.startsWith('multipart/') && type.boundary && depth < 3) {
    for (const part of multipartParts(text, entity, type.boundary)) {
      const found = findDiff(text, part, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'quoted-printable' || encoding === 'base64') {
    const raw = text.slice(entity.bodyStart, entity.end);
    const bytes = encoding === 'base64' ? Buffer.from(raw, 'base64') : decodeQuotedPrintable(raw);
    const decoded = decodeBytes(bytes, type.charset);
    const start = diffStart(decoded, 0, decoded.length);
    if (start < 0) return undefined;
    return { text: decoded.slice(start, signatureStart(decoded, start, decoded.length)), line: entity.bodyLine };
  }
  let pos = entity.bodyStart;
  let line = entity.bodyLine;
  const start = diffStart(text, pos, entity.end);
  if (start < 0) return undefined;
  for (; pos < start; pos = lineEnd(text, pos, entity.end) + 1) line++;
  return { text: text.slice(start, signatureStart(text, start, entity.end)), line };
}

/** Offset of the first diff line in [pos, limit): "diff --git ", or "--- " directly followed by "+++ "; -1 when none. */
function diffStart(text: string, pos: number, limit: number): number {
  let previousDashes = -1;
  while (pos < limit) {
    const end = lineEnd(text, pos, limit);
    if (text.startsWith('diff --git ', pos)) return pos;
    if (previousDashes >= 0 && text.startsWith('+++ ', pos)) return previousDashes;
    previousDashes = text.startsWith('--- ', pos) ? pos : -1;
    pos = end + 1;
  }
  return -1;
}

/**
 * Where the trailing mail signature starts, or `limit` when there is none:
 * a "-- " line (or "--", its space lost to a mail client) followed by a
 * few lines that are not diff lines ("2.39.2", a name, a list footer),
 * then only blank lines to the end.
 */
function signatureStart(text: string, from: number, limit: number): number {
  let end = limit;
  let seen = 0;
  while (end > from) {
    const contentEnd = text.charCodeAt(end - 1) === 10 ? end - 1 : end;
    const start = Math.max(contentEnd > 0 ? text.lastIndexOf('\n', contentEnd - 1) + 1 : 0, from);
    const content = lineAt(text, start, contentEnd);
    if (content === '-- ' || content === '--') return seen > 0 ? start : limit;
    if (content.trim() !== '' && (++seen > 12 || NOT_SIGNATURE.test(content))) return limit;
    end = start;
  }
  return limit;
}

/** Lines that can be the end of a diff, so they are not taken for a signature. */
const NOT_SIGNATURE = /^(?:[-+@\\ ]|diff )/;

// ---------------------------------------------------------------------------
// MIME

interface ContentType {
  mime: string;
  boundary?: string;
  charset?: string;
}

function parseContentType(value: string | undefined): ContentType {
  if (value === undefined) return { mime: 'text/plain' };
  const type: ContentType = { mime: value.split(';', 1)[0].trim().toLowerCase() };
  for (const parameter of value.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0) continue;
    const key = parameter.slice(0, equals).trim().toLowerCase();
    let parameterValue = parameter.slice(equals + 1).trim();
    if (parameterValue.length >= 2 && parameterValue.startsWith('"') && parameterValue.endsWith('"')) parameterValue = parameterValue.slice(1, -1);
    if (key === 'boundary') type.boundary = parameterValue;
    else if (key === 'charset') type.charset = parameterValue;
  }
  return type;
}

/** The parts between "--boundary" lines, each with its own headers. */
function multipartParts(text: string, entity: Entity, boundary: string): Entity[] {
  const parts: Entity[] = [];
  const delimiter = `--${boundary}`;
  let partStart = -1;
  let partLine = 0;
  let pos = entity.bodyStart;
  let line = entity.bodyLine;
  while (pos < entity.end) {
    const end = lineEnd(text, pos, entity.end);
    if (text.startsWith(delimiter, pos)) {
      const rest = lineAt(text, pos + delimiter.length, end).trimEnd();
      if (rest === '' || rest === '--') {
        if (partStart >= 0) parts.push({ ...readHeaders(text, partStart, pos, partLine, true), end: pos });
        if (rest === '--') return parts;
        partStart = Math.min(end + 1, entity.end);
        partLine = line + 1;
      }
    }
    pos = end + 1;
    line++;
  }
  if (partStart >= 0) parts.push({ ...readHeaders(text, partStart, entity.end, partLine, true), end: entity.end });
  return parts;
}

/** Quoted-printable to bytes; characters outside the escapes are taken as UTF-8 (the input was decoded as such). */
function decodeQuotedPrintable(encoded: string): Buffer {
  const source = Buffer.from(encoded, 'utf8');
  const out = Buffer.allocUnsafe(source.length);
  let o = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const high = hexValue(source[i + 1]);
    const low = hexValue(source[i + 2]);
    if (high >= 0 && low >= 0) {
      out[o++] = high * 16 + low;
      i += 2;
      continue;
    }
    // A soft line break: '=' at the end of a line, maybe with whitespace a mailer added.
    let j = i + 1;
    while (j < source.length && (source[j] === 0x20 || source[j] === 0x09)) j++;
    if (source[j] === 0x0d) j++;
    if (j >= source.length || source[j] === 0x0a) {
      i = j;
      continue;
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Bytes in a named charset; UTF-8 when the charset is missing or unknown to TextDecoder. */
function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  return (charsetDecoder(charset) ?? new TextDecoder('utf-8')).decode(bytes);
}

function charsetDecoder(charset: string | undefined): TextDecoder | undefined {
  if (!charset) return undefined;
  try {
    return new TextDecoder(charset.split('*', 1)[0].trim());
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Header text

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;

/**
 * RFC 2047 encoded words decoded (Q and B, any charset TextDecoder knows;
 * unknown ones stay as written) and whitespace runs folded to one space.
 * Adjacent words of one charset are decoded together, so a character split
 * across two words survives.
 */
function decodeHeader(value: string): string {
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (!pending) return;
    const decoder = charsetDecoder(pending.charset);
    out += decoder ? decoder.decode(Buffer.concat(pending.bytes)) : '';
    pending = undefined;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const index = match.index ?? 0;
    const between = value.slice(last, index);
    const charset = match[1].toLowerCase();
    const decoder = charsetDecoder(charset);
    last = index + match[0].length;
    if (!decoder) {
      flush();
      out += between + match[0];
      continue;
    }
    const bytes = match[2] === 'B' || match[2] === 'b' ? Buffer.from(match[3], 'base64') : decodeQ(match[3]);
    // Whitespace between two encoded words is not part of the text.
    if (pending && between.trim() === '' && pending.charset === charset) {
      pending.bytes.push(bytes);
      continue;
    }
    const adjacent = pending !== undefined && between.trim() === '';
    flush();
    if (!adjacent) out += between;
    pending = { charset, bytes: [bytes] };
  }
  flush();
  out += value.slice(last);
  return out.replace(/\s+/g, ' ').trim();
}

/** The Q encoding: '_' is a space, =XX a byte. */
function decodeQ(encoded: string): Buffer {
  return decodeQuotedPrintable(encoded.replace(/_/g, ' '));
}

/** "[PATCH 0/3]", "[PATCH v2 00/10]", "[RFC PATCH net-next 0/5]": the 0th message of a series. */
function isCoverLetter(subject: string): boolean {
  const head = subject.slice(0, 1000);
  for (const group of head.matchAll(/\[([^\]]*)\]/g)) {
    if (/(?:^|\s)0+\/\d+$/.test(group[1].trim())) return true;
  }
  return false;
}
