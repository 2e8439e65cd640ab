// Path globs of the configuration file: `*` and `?` stay within a path
// segment, `**` spans segments, and a pattern that matches a folder matches
// everything below it. Paths are relative, with '/' separators.

export type PathMatcher = (relativePath: string) => boolean;

export function globMatcher(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 0) return () => false;
  const expressions = patterns.map(globToRegExp);
  return (relativePath) => expressions.some((expression) => expression.test(relativePath));
}

export function globToRegExp(pattern: string): RegExp {
  const trimmed = pattern.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (c === '*' && trimmed[i + 1] === '*') {
      const slashAfter = trimmed[i + 2] === '/';
      source += slashAfter ? '(?:[^/]*/)*' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}(?:/.*)?$`);
}
