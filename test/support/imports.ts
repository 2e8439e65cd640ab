// The project's module graph, read from the TypeScript sources: which module
// imports which (static, type-only, dynamic and require), relative specifiers only.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Module -> the modules it imports; both as paths relative to `root`, without extension. */
export type ModuleGraph = Map<string, string[]>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative modules a source file's text names. */
export function importedSpecifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]);
}

export function moduleGraph(root: string, folders: readonly string[]): ModuleGraph {
  const graph: ModuleGraph = new Map();
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) visit(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const from = rel.slice(0, -'.ts'.length);
        const text = fs.readFileSync(path.join(root, rel), 'utf8');
        graph.set(from, importedSpecifiers(text).map((spec) => path.posix.join(path.posix.dirname(from), spec)));
      }
    }
  };
  for (const folder of folders) visit(folder);
  return graph;
}

/** One import chain from a module under `fromFolder` to a module under `toFolder`, or null if there is none. */
export function importChain(graph: ModuleGraph, fromFolder: string, toFolder: string): string[] | null {
  const inFolder = (module: string, folder: string) => module.startsWith(`${folder}/`);
  const cameFrom = new Map<string, string | null>();
  const queue: string[] = [];
  for (const module of graph.keys()) {
    if (inFolder(module, fromFolder)) {
      cameFrom.set(module, null);
      queue.push(module);
    }
  }
  while (queue.length) {
    const module = queue.shift()!;
    if (inFolder(module, toFolder)) {
      const chain = [module];
      for (let at = cameFrom.get(module); at; at = cameFrom.get(at)) chain.unshift(at);
      return chain;
    }
    for (const next of graph.get(module) ?? []) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, module);
      queue.push(next);
    }
  }
  return null;
}
