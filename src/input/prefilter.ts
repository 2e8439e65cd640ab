// Cheap test run before parsing: a file that never names any identifier a rule looks for
// cannot produce a finding from that rule, so it need not be parsed.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type IdentifierMatcher = (content: Buffer | string) => boolean;

/** True when `content` contains one of `identifiers` as a whole C identifier. An empty list matches everything. */
export function mentionsAnyIdentifier(content: Buffer | string, identifiers: readonly string[]): boolean {
  return createIdentifierMatcher(identifiers)(content);
}

/** The same test with the identifiers prepared once, for use on many files. */
export function createIdentifierMatcher(identifiers: readonly string[]): IdentifierMatcher {
  for (const identifier of identifiers) {
    if (!IDENTIFIER.test(identifier)) throw new TypeError(`not a C identifier: ${JSON.stringify(identifier)}`);
  }
  if (identifiers.length === 0) return () => true;
  const needles = identifiers.map((identifier) => Buffer.from(identifier, 'latin1'));
  return (content) =>
    typeof content === 'string'
      ? identifiers.some((identifier) => stringMentions(content, identifier))
      : needles.some((needle) => bufferMentions(content, needle));
}

function bufferMentions(haystack: Buffer, needle: Buffer): boolean {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = at === 0 ? -1 : haystack[at - 1];
    const after = at + needle.length < haystack.length ? haystack[at + needle.length] : -1;
    if (!isIdentifierCode(before) && !isIdentifierCode(after)) return true;
  }
  return false;
}

function stringMentions(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = at === 0 ? -1 : haystack.charCodeAt(at - 1);
    const after = at + needle.length < haystack.length ? haystack.charCodeAt(at + needle.length) : -1;
    if (!isIdentifierCode(before) && !isIdentifierCode(after)) return true;
  }
  return false;
}

/** [A-Za-z0-9_]; -1 (start or end of content) is not. */
function isIdentifierCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f // _
  );
}
