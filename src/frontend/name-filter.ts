// A quick "certainly none of these names" for identifier tokens, read from a
// token's length and first character without making a string of it. The
// normaliser slices and looks up (hints, keywords, declarator macros) only
// the identifiers that pass, a small part of a file's identifiers.

/** Lengths from this one up share a bucket. */
const LONG = 31;

export class NameFilter {
  /** One flag per (length bucket, first character): some name of the set has them. */
  private readonly flags = new Uint8Array((LONG + 1) << 7);

  constructor(names: Iterable<string>) {
    for (const name of names) this.addPrefix(name.charCodeAt(0), name.length, name.length);
  }

  /** Names starting with `first` whose length is at least `minLength` (any pattern the filter cannot list). */
  addPrefix(first: number, minLength: number, maxLength = LONG): this {
    for (let length = Math.min(minLength, LONG); length <= Math.min(maxLength, LONG); length++) this.flags[(length << 7) | (first & 127)] = 1;
    return this;
  }

  /** False when text[start, end) is none of the names (an identifier: ASCII word characters). */
  mayHold(text: string, start: number, end: number): boolean {
    const length = end - start;
    return this.flags[((length > LONG ? LONG : length) << 7) | (text.charCodeAt(start) & 127)] === 1;
  }
}
