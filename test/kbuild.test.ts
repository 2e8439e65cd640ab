// Which config symbols a file is built under, read from small Makefile and
// Kconfig trees of our own.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Kbuild } from '../src/kernel/kbuild';

const ROOT = '/tree';

function treeOf(files: Record<string, string>): { kbuild: Kbuild; reads: string[] } {
  const reads: string[] = [];
  const kbuild = new Kbuild(ROOT, (absolute) => {
    reads.push(absolute);
    return files[path.relative(ROOT, absolute)] ?? null;
  });
  return { kbuild, reads };
}

const WIDGETS = {
  'drivers/widget/Makefile': [
    '# widgets',
    'obj-$(CONFIG_WIDGET_CORE) += core.o',
    'obj-$(CONFIG_WIDGET_FAST) += fast.o',
    'obj-y += always.o',
    'obj-$(CONFIG_WIDGET_COMBO) += combo.o',
    'combo-y := combo-main.o \\',
    '\tcombo-extra.o',
    'obj-$(CONFIG_WIDGET_LOOSE) += loose.o',
  ].join('\n'),
  'drivers/widget/Kconfig': [
    'menu "Widgets"',
    '\tdepends on HAS_WIDGETS',
    '',
    'config WIDGET_CORE',
    '\ttristate "Widget core"',
    '\tdepends on PCI && CLOCKWORK',
    '',
    'config WIDGET_FAST',
    '\ttristate "Fast widgets"',
    '\tdepends on WIDGET_CORE',
    '\tselect GEARBOX',
    '',
    'config WIDGET_COMBO',
    '\tbool "Combined widgets"',
    '\tdepends on CLOCKWORK || COMPILE_TEST',
    '',
    'endmenu',
    '',
    'if SPRINGS',
    'config WIDGET_LOOSE',
    '\tbool "Loose widgets"',
    'endif',
  ].join('\n'),
  'drivers/Makefile': 'obj-$(CONFIG_HAS_WIDGETS) += widget/\n',
  'drivers/Kconfig': ['config HAS_WIDGETS', '\tbool', '', 'config PCI', '\tbool', '', 'config CLOCKWORK', '\tbool'].join('\n'),
};

describe('kbuild: is a file built only with a config symbol?', () => {
  it('follows the Makefile line to the Kconfig entry: depends on, one level further, and select', () => {
    const { kbuild } = treeOf(WIDGETS);
    const direct = kbuild.requires('drivers/widget/core.c', ['CONFIG_CLOCKWORK']);
    assert.equal(direct.answer, 'yes');
    assert.deepEqual(direct.steps, [
      'drivers/widget/Makefile:2 builds core.o under CONFIG_WIDGET_CORE',
      'drivers/Makefile:1 builds widget/ under CONFIG_HAS_WIDGETS',
      'CONFIG_WIDGET_CORE depends on CONFIG_CLOCKWORK (drivers/widget/Kconfig:4)',
    ]);
    assert.equal(kbuild.requires('drivers/widget/fast.c', ['CONFIG_PCI']).answer, 'yes', 'through WIDGET_CORE');
    assert.equal(kbuild.requires('drivers/widget/fast.c', ['CONFIG_GEARBOX']).answer, 'yes', 'select');
    assert.equal(kbuild.requires('drivers/widget/fast.c', ['CONFIG_HAS_WIDGETS']).answer, 'yes', 'the menu and the directory');
  });

  it('answers no when the symbols are read and none requires it', () => {
    const { kbuild } = treeOf(WIDGETS);
    const answer = kbuild.requires('drivers/widget/core.c', ['CONFIG_GEARBOX']);
    assert.equal(answer.answer, 'no');
    assert.match(answer.steps.at(-1)!, /require CONFIG_GEARBOX/);
  });

  it('answers unknown when a symbol it depends on has no entry near the file (an architecture may select the wanted one)', () => {
    const { 'drivers/Kconfig': _known, ...withoutShared } = WIDGETS;
    const { kbuild } = treeOf(withoutShared);
    const answer = kbuild.requires('drivers/widget/core.c', ['CONFIG_GEARBOX']);
    assert.equal(answer.answer, 'unknown');
    assert.ok(answer.steps.some((step) => /no Kconfig entry for CONFIG_(HAS_WIDGETS|PCI|CLOCKWORK)/.test(step)), answer.steps.join(' | '));
  });

  it('does not count an alternative (||) as a requirement', () => {
    const { kbuild } = treeOf(WIDGETS);
    assert.equal(kbuild.requires('drivers/widget/combo-extra.c', ['CONFIG_CLOCKWORK']).answer, 'no');
  });

  it('reads composites and enclosing if blocks', () => {
    const { kbuild } = treeOf(WIDGETS);
    const combo = kbuild.requires('drivers/widget/combo-extra.c', ['CONFIG_WIDGET_COMBO']);
    assert.equal(combo.answer, 'yes');
    assert.equal(combo.steps[0], 'drivers/widget/Makefile:5 builds combo.o under CONFIG_WIDGET_COMBO');
    assert.equal(kbuild.requires('drivers/widget/loose.c', ['CONFIG_SPRINGS']).answer, 'yes');
  });

  it('is unknown when the file has no Makefile line or its symbol no Kconfig entry', () => {
    const { kbuild } = treeOf({ ...WIDGETS, 'drivers/widget/Makefile': WIDGETS['drivers/widget/Makefile'] + '\nobj-$(CONFIG_ELSEWHERE) += odd.o\n' });
    assert.equal(kbuild.requires('drivers/widget/missing.c', ['CONFIG_PCI']).answer, 'unknown');
    assert.equal(kbuild.requires('drivers/widget/odd.c', ['CONFIG_PCI']).answer, 'unknown');
  });

  it('reads each Makefile and Kconfig once per run', () => {
    const { kbuild, reads } = treeOf(WIDGETS);
    kbuild.requires('drivers/widget/core.c', ['CONFIG_GEARBOX']);
    kbuild.requires('drivers/widget/fast.c', ['CONFIG_GEARBOX']);
    assert.equal(new Set(reads).size, reads.length);
  });
});
