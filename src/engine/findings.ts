// Turns what a rule reports into Findings: locations, the enclosing
// function, the source line, and a fingerprint that survives line shifts.

import { createHash } from 'node:crypto';
import type { EvidenceStep, Finding, SourceLocation } from '../model';
import type { ParsedFile, SyntaxNode } from '../frontend/parse';
import type { MessageTemplates, ReportInput, Rule } from '../rule';
import { enclosingFunction, functionName as nameOf } from '../frontend/syntax';

export function locate(file: ParsedFile, node: SyntaxNode): SourceLocation {
  const start = file.lines.position(node.startIndex);
  const end = file.lines.position(node.endIndex);
  return { file: file.path, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** The message with its `{{name}}` placeholders filled; a placeholder without data, or data without a placeholder, is the rule's bug. */
export function fillTemplate(template: string, data: Readonly<Record<string, string>> = {}): string {
  const used = new Set<string>();
  const message = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    used.add(key);
    if (typeof data[key] !== 'string') throw new Error(`message '${template}' has no data for {{${key}}}`);
    return data[key];
  });
  const unused = Object.keys(data).filter((key) => !used.has(key));
  if (unused.length) throw new Error(`message '${template}' has no placeholder for ${unused.map((k) => `'${k}'`).join(', ')}`);
  return message;
}

/** Code with whitespace and comments squeezed out: the part of a fingerprint that does not move with lines. */
function normalisedCode(file: ParsedFile, node: SyntaxNode): string {
  return file.text
    .slice(node.startIndex, node.endIndex)
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export class FindingCollector {
  readonly findings: Finding[] = [];
  private readonly seen = new Map<string, number>();

  constructor(private readonly file: ParsedFile) {}

  add<M extends MessageTemplates>(rule: Rule<M>, input: ReportInput<M>): void {
    const { file } = this;
    const location = locate(file, input.node);
    const { functionName, base, occurrence } = this.place(rule.meta.id, input.node);
    const evidence: EvidenceStep[] = (input.evidence ?? []).map((e) => {
      const at = locate(file, e.node);
      return { location: at, message: e.message, sourceLine: file.lines.lineText(at.line) };
    });
    this.findings.push({
      ruleId: rule.meta.id,
      severity: rule.meta.severity,
      confidence: input.confidence ?? rule.meta.confidence,
      message: fillTemplate(rule.meta.messages[input.messageId], input.data as Record<string, string> | undefined),
      location,
      sourceLine: file.lines.lineText(location.line),
      ...(functionName ? { functionName } : {}),
      evidence,
      fix: input.fix ?? rule.docs.fix,
      fingerprint: occurrence === 0 ? base : `${base}:${occurrence}`,
      ...(input.key ? { siblingKey: input.key } : {}),
    });
  }

  /**
   * A finding the rule skips, as it would rank low and the run wants no low
   * ones (RuleContext.skipLow): it keeps its place in the numbering, so the
   * findings after it have the fingerprints they have when it is reported.
   */
  skip(ruleId: string, node: SyntaxNode): void {
    this.place(ruleId, node);
  }

  private place(ruleId: string, node: SyntaxNode): { functionName: string | undefined; base: string; occurrence: number } {
    const definition = enclosingFunction(node);
    const functionName = definition ? nameOf(definition) : undefined;
    const base = createHash('sha1')
      .update(`${ruleId}\0${functionName ?? ''}\0${normalisedCode(this.file, node)}`)
      .digest('hex')
      .slice(0, 16);
    // The same code twice in one function: number the occurrences in file order.
    const occurrence = this.seen.get(base) ?? 0;
    this.seen.set(base, occurrence + 1);
    return { functionName, base, occurrence };
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  const pa = a.location.file;
  const pb = b.location.file;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.location.line - b.location.line || a.location.column - b.location.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}
