// The C files under some folders of the repository (fixtures, examples), for
// tests that check a property on every one of them.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every file under `dirs` whose name ends in one of `extensions`, sorted. */
export function sourceFilesUnder(dirs: readonly string[], extensions: readonly string[] = ['.c', '.h']): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (extensions.some((extension) => entry.name.endsWith(extension))) found.push(full);
    }
  };
  for (const dir of dirs) visit(dir);
  return found.sort();
}
