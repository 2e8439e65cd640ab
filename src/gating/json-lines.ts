// JSON parsed with the line of every member, so that a message about a value
// can name the line of its key. JSON.parse does not say where things are, and
// its syntax errors give no line.

export class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LocatedJson {
  value: unknown;
  /** The line of the member (its key) or array element a JSON pointer names; the nearest enclosing one when absent. */
  lineOf(pointer: string): number;
}

export function parseJsonWithLines(text: string): LocatedJson {
  const lines = new Map<string, number>();
  const parser = new Parser(text, lines);
  const value = parser.document();
  return {
    value,
    lineOf(pointer: string) {
      let current = pointer;
      for (;;) {
        const line = lines.get(current);
        if (line !== undefined) return line;
        if (current === '') return 1;
        current = current.slice(0, current.lastIndexOf('/'));
      }
    },
  };
}

/** A JSON pointer segment (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  private offset = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly lines: Map<string, number>,
  ) {}

  document(): unknown {
    this.skipSpace();
    this.lines.set('', this.line);
    const value = this.value('');
    this.skipSpace();
    if (this.offset < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private value(pointer: string): unknown {
    this.skipSpace();
    const c = this.text[this.offset];
    if (c === '{') return this.object(pointer);
    if (c === '[') return this.array(pointer);
    if (c === '"') return this.string();
    const literal = this.match(LITERAL);
    if (!literal) this.fail(c === undefined ? 'unexpected end of the file' : `unexpected ${JSON.stringify(c)}`);
    this.offset += literal[0].length;
    return JSON.parse(literal[0]);
  }

  private object(pointer: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') this.fail('expected a key in double quotes');
      const keyLine = this.line;
      const key = this.string();
      const member = `${pointer}/${pointerSegment(key)}`;
      this.lines.set(member, keyLine);
      this.skipSpace();
      this.expect(':');
      Object.defineProperty(out, key, { value: this.value(member), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      if (this.text[this.offset] === ',') {
        this.offset++;
        continue;
      }
      this.expect('}');
      return out;
    }
  }

  private array(pointer: string): unknown[] {
    const out: unknown[] = [];
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const element = `${pointer}/${out.length}`;
      this.lines.set(element, this.line);
      out.push(this.value(element));
      this.skipSpace();
      if (this.text[this.offset] === ',') {
        this.offset++;
        continue;
      }
      this.expect(']');
      return out;
    }
  }

  private string(): string {
    const match = this.match(STRING);
    if (!match) this.fail('unterminated or invalid string');
    this.offset += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  /** A sticky pattern matched at the current offset. */
  private match(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.offset;
    return pattern.exec(this.text);
  }

  private expect(c: string): void {
    if (this.text[this.offset] !== c) {
      const found = this.text[this.offset];
      this.fail(`expected '${c}'${found === undefined ? ' before the end of the file' : `, found ${JSON.stringify(found)}`}`);
    }
    this.offset++;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text[this.offset];
      if (c === '\n') this.line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      this.offset++;
    }
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(this.line, message);
  }
}
