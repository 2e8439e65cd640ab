// How a name's declarations rank for one analysed file (Visibility.tierOf and best).

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MemoryDeclSource } from '../src/types/decl-source';
import type { FileFacts, Located, VariableDecl } from '../src/types/facts';
import { IncludeGraph, Visibility } from '../src/types/visibility';

const header = (...specs: string[]): FileFacts => ({ decls: [], includes: specs.map((spec) => ({ spec, system: true })) });
const variable = (file: string, isStatic: boolean): Located<VariableDecl> => ({
  kind: 'variable',
  name: 'count',
  line: 1,
  type: { k: 'int', name: 'int', signed: true, bits: 32 },
  static: isStatic,
  extern: false,
  file,
} as unknown as Located<VariableDecl>);

describe('visibility tiers', () => {
  const tree = new Map<string, FileFacts>([
    ['drivers/x/main.c', header('linux/shared.h')],
    ['include/linux/shared.h', header()],
    ['drivers/x/other.c', header()],
    ['drivers/y/far.c', header()],
    ['arch/arm64/kernel/arm.c', header()],
    ['tools/lib/user.c', header()],
  ]);
  const visibility = () => new Visibility('drivers/x/main.c', new IncludeGraph(new MemoryDeclSource(tree), 'x86'), tree.get('drivers/x/main.c')!.includes);

  it('ranks the file itself, its headers, its folder, the kernel, other architectures; hides statics of other files and userspace', () => {
    const v = visibility();
    const tiers = (file: string, isStatic: boolean) => v.tierOf(variable(file, isStatic));
    assert.equal(tiers('drivers/x/main.c', true), 0);
    assert.equal(tiers('include/linux/shared.h', false), 1);
    assert.equal(tiers('drivers/x/other.c', false), 2);
    assert.equal(tiers('drivers/y/far.c', false), 3);
    assert.equal(tiers('arch/arm64/kernel/arm.c', false), 4);
    assert.equal(tiers('tools/lib/user.c', false), -1);
  });

  it('tells two declarations of one file apart when only one is private to it, in either order', () => {
    for (const order of [[false, true], [true, false]]) {
      const v = visibility();
      const got = order.map((isStatic) => v.tierOf(variable('drivers/x/other.c', isStatic)));
      assert.deepEqual(got, order.map((isStatic) => (isStatic ? -1 : 2)), `static first: ${order[0]}`);
    }
  });

  it('keeps only the best tier among a name\'s declarations', () => {
    const decls = [variable('drivers/y/far.c', false), variable('drivers/x/other.c', true), variable('drivers/x/other.c', false), variable('include/linux/shared.h', false)];
    const best = visibility().best(decls);
    assert.equal(best?.tier, 1);
    assert.deepEqual(best?.decls.map((d) => d.file), ['include/linux/shared.h']);
  });
});
