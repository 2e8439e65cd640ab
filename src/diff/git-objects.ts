// Objects of a git repository through one long-lived `git cat-file --batch`:
// a request is a line naming an object (`REV:path`), the reply a header line
// and the object's bytes. Requests are answered in the order they were
// written, so a queue of pending requests is all the bookkeeping needed, and
// many requests can be in flight at once.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { GitRunner } from './git-runner';

/** What a name resolves to: a file's bytes, nothing, or an object that is not a file (a directory is a `tree`). */
export type ObjectLookup = { kind: 'blob'; bytes: Buffer } | { kind: 'missing' } | { kind: 'other'; type: string };

interface Pending {
  resolve(lookup: ObjectLookup): void;
  reject(error: Error): void;
}

interface Body {
  type: string;
  bytes: Buffer;
  filled: number;
}

export class GitObjectReader {
  private process: ChildProcessWithoutNullStreams | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly pending: Pending[] = [];
  /** Parts of a header line not yet ended by its newline. */
  private headerParts: Buffer[] = [];
  /** The object being received: its bytes and the newline after them. */
  private body: Body | null = null;
  private failure: Error | null = null;
  private stderr = '';

  constructor(
    private readonly runner: GitRunner,
    private readonly repository: string,
  ) {}

  /** The object `name` names; the process starts with the first request. */
  read(name: string): Promise<ObjectLookup> {
    if (name.includes('\n')) return Promise.reject(new Error(`a name with a line break cannot be asked of git cat-file: ${JSON.stringify(name)}`));
    if (this.failure) return Promise.reject(this.failure);
    const process = this.process ?? this.startProcess();
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      process.stdin.write(`${name}\n`);
    });
  }

  /** Ends the process (it exits at the end of its input) and waits for it. */
  async close(): Promise<void> {
    if (!this.process) return;
    this.process.stdin.end();
    await this.exited;
    this.process = null;
  }

  private startProcess(): ChildProcessWithoutNullStreams {
    const process = this.runner.start(this.repository, ['cat-file', '--batch']);
    this.process = process;
    this.exited = new Promise((resolve) => {
      process.on('error', (error) => {
        this.fail(new Error(`git cat-file could not run: ${error.message}`));
        resolve();
      });
      process.on('close', (code, signal) => {
        if (this.pending.length > 0 || this.body) {
          const why = this.stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`);
          this.fail(new Error(`git cat-file stopped before answering: ${why}`));
        }
        resolve();
      });
    });
    process.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    process.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += chunk.toString('utf8');
    });
    // A process that died leaves its stdin broken: the failure is reported through the pending requests.
    process.stdin.on('error', () => undefined);
    return process;
  }

  private receive(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.failure) {
      if (this.body) {
        const body = this.body;
        const take = Math.min(body.bytes.length - body.filled, chunk.length - offset);
        chunk.copy(body.bytes, body.filled, offset, offset + take);
        body.filled += take;
        offset += take;
        if (body.filled === body.bytes.length) {
          this.body = null;
          const content = body.bytes.subarray(0, body.bytes.length - 1);
          this.answer(body.type === 'blob' ? { kind: 'blob', bytes: content } : { kind: 'other', type: body.type });
        }
        continue;
      }
      const newline = chunk.indexOf(10, offset);
      if (newline < 0) {
        this.headerParts.push(chunk.subarray(offset));
        return;
      }
      const line = Buffer.concat([...this.headerParts, chunk.subarray(offset, newline)]).toString('utf8');
      this.headerParts = [];
      offset = newline + 1;
      this.header(line);
    }
  }

  /** `<oid> <type> <size>` before the object's bytes; `<name> missing` or `<name> ambiguous` alone. */
  private header(line: string): void {
    if (line.endsWith(' missing')) return this.answer({ kind: 'missing' });
    if (line.endsWith(' ambiguous')) return this.answer({ kind: 'other', type: 'ambiguous name' });
    const [oid, type, size] = line.split(' ');
    if (!oid || !type || !size || !/^\d+$/.test(size)) return this.fail(new Error(`git cat-file said something unexpected: ${JSON.stringify(line.slice(0, 200))}`));
    this.body = { type, bytes: Buffer.allocUnsafe(Number(size) + 1), filled: 0 };
  }

  private answer(lookup: ObjectLookup): void {
    const request = this.pending.shift();
    if (!request) return this.fail(new Error('git cat-file answered a question nobody asked'));
    request.resolve(lookup);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.pending.splice(0)) request.reject(this.failure);
    this.process?.stdin.end();
  }
}
