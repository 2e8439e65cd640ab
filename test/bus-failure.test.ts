// Register-map accessors on a bus that cannot fail: the map constructors of
// the caller's file, or of its directory when the file makes no map.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadHints } from '../src/frontend/hints';
import { parseFile, SyntaxNode } from '../src/frontend/parse';
import { BusFile, busCannotFail } from '../rules/ignored-fault-error/bus-failure';
import type { FailureInference } from '../rules/ignored-fault-error/failure';
import { knowledgeFor } from '../src/knowledge';
import { busAccessorsTable, busInitsTable } from '../rules/ignored-fault-error/tables';
import type { FileScope } from '../src/types/type-index';

const hints = loadHints();
const knowledge = knowledgeFor([]);
const tables = { accessors: knowledge.table(busAccessorsTable), inits: knowledge.table(busInitsTable) };
const nothingFails = { failureOf: () => null, definitions: () => [{}] } as unknown as FailureInference;

function fileWith(source: string, callers: Record<string, string[]> = {}): { file: BusFile; call: SyntaxNode } {
  const parsed = parseFile('drivers/lamp/lamp-read.c', source, { hints });
  const calls: SyntaxNode[] = [];
  const stack = [parsed.tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'call_expression' && /^regmap_/.test(node.childForFieldName('function')!.text)) calls.push(node);
    stack.push(...node.namedChildren);
  }
  const scope = { filesCalling: (name: string) => (callers[name] ?? []).map((file) => ({ file, line: 7 })) } as unknown as FileScope;
  return { file: { file: 'drivers/lamp/lamp-read.c', text: source, root: parsed.tree.rootNode, scope }, call: calls[0] };
}

const READ = 'int lamp_level(struct lamp *l) { unsigned int v; regmap_read(l->map, LAMP_LEVEL, &v); return v; }';

describe('register maps whose bus cannot fail', () => {
  it("settles a read by the directory's constructors when the file makes no map", () => {
    const { file, call } = fileWith(READ, { devm_regmap_init_mmio: ['drivers/lamp/lamp-core.c'] });
    const steps = busCannotFail('regmap_read', call, tables, file, nothingFails);
    assert.ok(steps);
    assert.match(steps[1], /^this file makes no register map; its directory makes maps with devm_regmap_init_mmio\(\) \(first at drivers\/lamp\/lamp-core.c:7\)/);
    assert.match(steps.at(-1)!, /'LAMP_LEVEL' is a constant.*\(cannot happen here\)$/);
  });

  it('leaves the error counting when the directory also makes a map on a bus that can fail, or only elsewhere', () => {
    const mixed = fileWith(READ, { devm_regmap_init_mmio: ['drivers/lamp/lamp-core.c'], devm_regmap_init_i2c: ['drivers/lamp/lamp-i2c.c'] });
    assert.equal(busCannotFail('regmap_read', mixed.call, tables, mixed.file, nothingFails), null);
    const below = fileWith(READ, { devm_regmap_init_mmio: ['drivers/lamp/soc/lamp-soc.c', 'drivers/other/x.c'] });
    assert.equal(busCannotFail('regmap_read', below.call, tables, below.file, nothingFails), null);
  });

  it("prefers the file's own constructors, and wants the checked arguments constant", () => {
    const own = fileWith(`struct regmap *lamp_map(struct i2c_client *c) { return devm_regmap_init_i2c(c, &cfg); }\n${READ}`, { devm_regmap_init_mmio: ['drivers/lamp/lamp-core.c'] });
    assert.equal(busCannotFail('regmap_read', own.call, tables, own.file, nothingFails), null);
    const variable = fileWith('int lamp_peek(struct lamp *l, unsigned int reg) { unsigned int v; regmap_read(l->map, reg, &v); return v; }', { devm_regmap_init_mmio: ['drivers/lamp/lamp-core.c'] });
    assert.equal(busCannotFail('regmap_read', variable.call, tables, variable.file, nothingFails), null);
  });
});
