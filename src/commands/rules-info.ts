// `list-rules` and `explain <rule-id>`.

import { loadAllRules, loadRule, ruleIdsOnDisk } from '../engine/registry';
import { UsageError } from './common';

export function listRules(): string {
  const rules = loadAllRules();
  const width = Math.max(...rules.map((r) => r.meta.id.length), 4);
  return (
    rules
      .map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.confidence.padEnd(6)}  ${r.meta.description}`)
      .join('\n') + '\n'
  );
}

export function explainRule(id: string): string {
  if (!ruleIdsOnDisk().includes(id)) throw new UsageError(`unknown rule '${id}'; known: ${ruleIdsOnDisk().join(', ')}`);
  return loadRule(id).docs.markdown;
}
