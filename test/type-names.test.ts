// Type names say whose they are: no two exported types of src/ and rules/
// share a name, nor do two types of the analyses (src/analysis, rules/<id>/),
// so a reader who meets `Failure` or `FlowState` knows which one it is.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './support/fixtures';

interface Declaration {
  name: string;
  file: string;
  exported: boolean;
}

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    return entry.isDirectory() ? sources(rel) : entry.name.endsWith('.ts') ? [rel] : [];
  });
}

function typeDeclarations(file: string): Declaration[] {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  return [...text.matchAll(/^(export )?(?:declare )?(?:abstract )?(?:class|interface|type|enum) ([A-Za-z_]\w*)/gm)].map((m) => ({ name: m[2], file, exported: !!m[1] }));
}

function duplicates(declarations: Declaration[]): string[] {
  const byName = new Map<string, string[]>();
  for (const d of declarations) byName.set(d.name, [...(byName.get(d.name) ?? []), d.file]);
  return [...byName].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.join(', ')}`);
}

describe('type names', () => {
  const all = [...sources('src'), ...sources('rules')].flatMap(typeDeclarations);

  it('finds the declarations it is about', () => {
    assert.ok(all.some((d) => d.name === 'RefcountFacts' && d.file === 'rules/zero-page-refcount/refcount-guards.ts'));
    assert.ok(all.some((d) => d.name === 'FileFacts' && d.file === 'src/types/facts.ts'));
  });

  it('no two exported types share a name', () => {
    assert.deepEqual(duplicates(all.filter((d) => d.exported)), []);
  });

  it('no two types of the analyses share a name, exported or not', () => {
    const analyses = all.filter((d) => d.file.startsWith('src/analysis/') || /^rules\/[^/]+\//.test(d.file));
    assert.deepEqual(duplicates(analyses), []);
  });
});
