// Writes a file in one sequential pass under a temporary name and renames it
// into place, so readers see the old file or the whole new one, never a part.

import * as fs from 'node:fs';
import * as crypto from 'node:crypto';

export class AtomicFileWriter {
  private readonly temporary: string;
  private readonly fd: number;
  /** Buffered so that many small pieces (millions of name-table records) are not as many system calls. */
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Bytes written so far: the offset the next write lands at. */
  position = 0;

  constructor(readonly path: string) {
    this.temporary = `${path}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    this.fd = fs.openSync(this.temporary, 'w');
  }

  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length >= this.buffer.length) writeAll(this.fd, bytes);
    else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.position += bytes.length;
  }

  /** Finishes the file and puts it in place. */
  commit(): void {
    this.flush();
    fs.closeSync(this.fd);
    fs.renameSync(this.temporary, this.path);
  }

  /** Deletes the partial file after a failure; the previous file, if any, stays. */
  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed by commit()
    }
    fs.rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** Writes a whole file atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const writer = new AtomicFileWriter(path);
  try {
    writer.write(data);
    writer.commit();
  } catch (error) {
    writer.abandon();
    throw error;
  }
}

/** Writes all of `bytes` at the file's position (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}
