// A run that wants no low findings (RuleContext.lowTierWanted false) lets
// rules skip work that can only rank low; what it shows must be exactly what
// a full run shows above low, fingerprints and evidence included.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIDENCE_RANK, type Finding } from '../src/model';
import { defineRule, type Rule } from '../src/rule';
import { runRules } from '../src/engine/analyse-file';
import { loadRule } from '../src/engine/registry';
import { knowledgeFor } from '../src/knowledge';
import { ABIS } from '../src/types/ctype';
import { TypeIndex } from '../src/types/type-index';
import { typerFor } from '../src/types/index-handle';
import type { ParsedFile } from '../src/frontend/parse';
import { mayRankAboveLow } from '../rules/seqcount-truncation/above-low';
import { FIXTURES, fixtureAbi, parseFixture, ruleIdsWithSources } from './support/fixtures';

function run(rule: Rule, file: ParsedFile, lowTierWanted: boolean): Finding[] {
  const abi = fixtureAbi(file);
  // As analyseFile: a file the rule's text test rejects is not analysed for it.
  if (!lowTierWanted && rule.mayRankAboveLow && !rule.mayRankAboveLow(file.text, ABIS[abi])) return [];
  const index = new TypeIndex(null, { abi, arch: 'x86' });
  const { findings, problems } = runRules(file, [rule], { makeTyper: () => typerFor(file, index, file.path), knowledge: knowledgeFor([]), lowTierWanted });
  if (problems.length) throw new Error(problems.map((p) => p.reason).join('\n'));
  return findings;
}

const aboveLow = (findings: Finding[]) => findings.filter((f) => CONFIDENCE_RANK[f.confidence] > CONFIDENCE_RANK.low);

describe('shown tiers only', () => {
  for (const ruleId of ruleIdsWithSources()) {
    it(`${ruleId}: every fixture gives the same findings above low with and without the low tier`, () => {
      const rule = loadRule(ruleId);
      const dir = path.join(FIXTURES, ruleId);
      let shown = 0;
      for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.c')).sort()) {
        const file = parseFixture(`fixtures/${ruleId}/${name}`, fs.readFileSync(path.join(dir, name), 'utf8'));
        const full = aboveLow(run(rule, file, true));
        assert.deepEqual(aboveLow(run(rule, file, false)), full, name);
        shown += full.length;
      }
      assert.ok(shown > 0, 'some fixture has a finding above low');
    });
  }

  it('seqcount-truncation skips what cannot rank above low, and keeps what can', () => {
    const rule = loadRule('seqcount-truncation');
    const skipped = parseFixture('narrow.c', 'struct s { unsigned long size; };\nint f(struct s *p)\n{\n\tint n = p->size;\n\treturn n;\n}\n');
    assert.equal(run(rule, skipped, true).length, 1, 'a full run gives the low finding');
    assert.deepEqual(run(rule, skipped, false), [], 'a run without the low tier does not look');
  });

  it("seqcount-truncation's text test: a sequence-named token, the jiffies counter, or a negative constant as wide as long", () => {
    const lp64 = ABIS.lp64;
    const ilp32 = ABIS.ilp32;
    for (const text of ['x = kvm->mmu_invalidate_seq;', 'u32 SEQNO;', 'return c->gen;', 'v = serial_epoch;', 't = jiffies;', 'get_jiffies_64()', 'f(-1L);', 'f(- 1UL);', 'f(-/* why */1ull);', 'f(-4294967296);', 'f(-0x100000000);']) {
      assert.equal(mayRankAboveLow(text, lp64), true, text);
    }
    for (const text of ['x = seqcount;', 'msecs_to_jiffies(10)', 'f(-1);', 'x - 1;', 'f(-0x7f);', 'u64 generic;', 'unsigned long size;']) {
      assert.equal(mayRankAboveLow(text, lp64), false, text);
    }
    assert.equal(mayRankAboveLow('f(-1);', ilp32), true, 'with a 32-bit long, an int constant is as wide');
  });
});

describe('skipLow', () => {
  const probe = (skipFirst: boolean): Rule =>
    ({
      ...defineRule({
        meta: { id: 'probe', description: 'd', category: 'test', severity: 'warning', confidence: 'high', messages: { m: 'here' } },
        requires: ['probe'],
        check(context) {
          const calls = context.file.tree.rootNode.descendantsOfType('call_expression');
          if (skipFirst) context.skipLow(calls[0]);
          else context.report({ node: calls[0], messageId: 'm', confidence: 'low' });
          context.report({ node: calls[1], messageId: 'm' });
        },
      }),
      docs: { markdown: '', fix: '', references: [] },
    }) as unknown as Rule;
  const file = parseFixture('twice.c', 'void f(void)\n{\n\tprobe();\n\tprobe();\n}\n');
  const services = { makeTyper: () => assert.fail('no types'), knowledge: knowledgeFor([]) };

  it('keeps the place of a skipped finding: the next one of the same code has the fingerprint it has in a full run', () => {
    const full = runRules(file, [probe(false)], services).findings;
    const skipped = runRules(file, [probe(true)], { ...services, lowTierWanted: false }).findings;
    assert.equal(full.length, 2);
    assert.match(full[1].fingerprint, /:1$/);
    assert.deepEqual(skipped, [full[1]]);
  });
});
