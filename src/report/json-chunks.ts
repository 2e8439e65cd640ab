// JSON.stringify(value, null, 2) + '\n', given out in pieces, so a report of
// a hundred thousand findings is written finding by finding instead of being
// held whole as one string (and its findings as records) beside the findings.
//
// The top `depth` levels of objects and arrays are written here, member by
// member; anything deeper is one JSON.stringify, indented to its place. An
// array may be given as a MappedArray, whose elements are made into records
// only as they are written. The text is the same as JSON.stringify's, byte for
// byte (test/report-stream.test.ts).

export class MappedArray<T> {
  constructor(
    readonly items: readonly T[],
    readonly record: (item: T) => unknown,
  ) {}
}

const INDENT = '  ';

export function* prettyJsonChunks(value: unknown, depth: number): Generator<string> {
  yield* written(value, '', depth);
  yield '\n';
}

function* written(value: unknown, indent: string, depth: number): Generator<string> {
  if (value instanceof MappedArray) {
    yield* arrayWritten(value.items.length, (i) => value.record(value.items[i]), indent, depth);
  } else if (depth <= 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    yield indented(JSON.stringify(value, null, INDENT.length), indent);
  } else if (Array.isArray(value)) {
    yield* arrayWritten(value.length, (i) => value[i] as unknown, indent, depth);
  } else {
    yield* objectWritten(value as Record<string, unknown>, indent, depth);
  }
}

function* arrayWritten(length: number, element: (i: number) => unknown, indent: string, depth: number): Generator<string> {
  if (length === 0) {
    yield '[]';
    return;
  }
  const inner = indent + INDENT;
  yield '[\n';
  for (let i = 0; i < length; i++) {
    yield inner;
    const value = element(i);
    // As JSON.stringify: what has no JSON form is null inside an array.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') yield 'null';
    else yield* written(value, inner, depth - 1);
    yield i < length - 1 ? ',\n' : '\n';
  }
  yield `${indent}]`;
}

function* objectWritten(value: Record<string, unknown>, indent: string, depth: number): Generator<string> {
  // As JSON.stringify: members with no JSON form are left out.
  const keys = Object.keys(value).filter((key) => {
    const member = value[key];
    return member !== undefined && typeof member !== 'function' && typeof member !== 'symbol';
  });
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  const inner = indent + INDENT;
  yield '{\n';
  for (let i = 0; i < keys.length; i++) {
    yield `${inner}${JSON.stringify(keys[i])}: `;
    yield* written(value[keys[i]], inner, depth - 1);
    yield i < keys.length - 1 ? ',\n' : '\n';
  }
  yield `${indent}}`;
}

/** A value stringified at the top level, moved to `indent`: JSON text has newlines only between tokens. */
function indented(json: string, indent: string): string {
  return indent === '' ? json : json.replace(/\n/g, `\n${indent}`);
}
