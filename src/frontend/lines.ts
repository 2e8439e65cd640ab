// Offsets (JavaScript string indexes) to 1-based lines and gcc-style columns
// (1-based, counting the bytes of the file: UTF-8, or one byte per character
// for a file that was read as Latin-1).

export class LineIndex {
  private readonly starts: number[];

  constructor(
    private readonly text: string,
    private readonly encoding: 'utf8' | 'latin1' = 'utf8',
  ) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i >= 0) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    const lineStart = this.starts[line - 1];
    return { line, column: Buffer.byteLength(this.text.slice(lineStart, offset), this.encoding) + 1 };
  }

  /** The offset of a 1-based line and byte column, or null when the line has no such column. */
  offsetAt(line: number, column: number): number | null {
    const start = this.starts[line - 1];
    if (start === undefined || column < 1) return null;
    const text = this.lineText(line);
    let bytes = 0;
    for (let i = 0; i <= text.length; i++) {
      if (bytes === column - 1) return start + i;
      if (bytes > column - 1 || i === text.length) return null;
      bytes += Buffer.byteLength(text[i], this.encoding);
    }
    return null;
  }

  /** Text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}
