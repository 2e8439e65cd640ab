// Where an analysis lives says who uses it: src/analysis holds what two or
// more users share (rules, or parts of the program such as the engine and a
// command); what one rule alone uses lives in rules/<id>/. A module of
// rules/<id>/ is that rule's alone.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { REPO } from './support/fixtures';
import { moduleGraph } from './support/imports';

/**
 * Analyses of ignored-fault-error left in src/analysis while issue 13 changes
 * them on another branch; they move to rules/ignored-fault-error/ after that
 * branch is merged.
 */
const WAITING_TO_MOVE: string[] = [];

/** Who a module stands for as a user: its rule (rules/<id>.ts, rules/<id>/...), or itself outside the analyses (a command, the engine). */
function userOf(module: string): string | null {
  const rule = /^rules\/([^/]+?)(?:\/|$)/.exec(module);
  if (rule) return `rule ${rule[1]}`;
  return module.startsWith('src/analysis/') ? null : module;
}

describe('analysis layout', () => {
  const graph = moduleGraph(REPO, ['src', 'rules']);
  const importers = new Map<string, string[]>();
  for (const [module, imports] of graph) for (const imported of imports) importers.set(imported, [...(importers.get(imported) ?? []), module]);

  /** The rules and parts of the program that use a module, directly or through other analyses. */
  const usersOf = (module: string, seen = new Set<string>()): Set<string> => {
    const users = new Set<string>();
    if (seen.has(module)) return users;
    seen.add(module);
    for (const importer of importers.get(module) ?? []) {
      const user = userOf(importer);
      if (user) users.add(user);
      else for (const indirect of usersOf(importer, seen)) users.add(indirect);
    }
    return users;
  };

  it('every module of src/analysis serves two or more users', () => {
    const single = [...graph.keys()]
      .filter((module) => module.startsWith('src/analysis/') && !WAITING_TO_MOVE.includes(module))
      .map((module) => ({ module, users: [...usersOf(module)] }))
      .filter(({ users }) => users.length < 2)
      .map(({ module, users }) => `${module}: ${users.join(', ') || 'no user'}`);
    assert.deepEqual(single, []);
  });

  it('the modules waiting to move still serve a single rule (drop them from the list once moved)', () => {
    for (const module of WAITING_TO_MOVE) if (graph.has(module)) assert.deepEqual([...usersOf(module)], ['rule ignored-fault-error'], module);
  });

  it("a rule's own modules are imported by that rule alone", () => {
    for (const [module] of graph) {
      const owner = /^rules\/([^/]+)\//.exec(module)?.[1];
      if (!owner) continue;
      const outside = (importers.get(module) ?? []).filter((importer) => !importer.startsWith(`rules/${owner}`) && !importer.startsWith('test/'));
      assert.deepEqual(outside, [], `${module} is used outside rules/${owner}`);
    }
  });
});
