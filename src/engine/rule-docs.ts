// A rule's documentation, rules/<id>.md, is the one place its fix advice and
// references are written: the first paragraph of "How to fix" is the default
// advice of its findings, the items of "References" are its references (in
// list-rules, explain and SARIF).

import type { RuleDocs } from '../rule';

export const DOC_SECTIONS = ['Summary', 'Why this is a bug', 'Examples', 'How to fix', 'Known limitations', 'References'] as const;

export class RuleDocsError extends Error {}

/** Reads the parts of the documentation the rule needs; a RuleDocsError names the file and what is missing. */
export function parseRuleDocs(markdown: string, file: string): RuleDocs {
  const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim());
  if (headings.join('\n') !== DOC_SECTIONS.join('\n')) {
    throw new RuleDocsError(`${file}: the sections must be ${DOC_SECTIONS.map((s) => `'## ${s}'`).join(', ')} in this order (found ${headings.map((h) => `'${h}'`).join(', ') || 'none'})`);
  }
  const fix = firstParagraph(section(markdown, 'How to fix'));
  if (!fix || fix.startsWith('- ')) throw new RuleDocsError(`${file}: '## How to fix' must begin with a paragraph: the default advice of the rule's findings`);
  const references = listItems(section(markdown, 'References'));
  if (references.length === 0) throw new RuleDocsError(`${file}: '## References' must list at least one reference ('- ...')`);
  return { markdown, fix, references };
}

/** The text between `## <name>` and the next heading. */
function section(markdown: string, name: string): string {
  const start = markdown.indexOf(`\n## ${name}\n`);
  const body = markdown.slice(start + name.length + 5);
  const end = body.search(/^## /m);
  return end < 0 ? body : body.slice(0, end);
}

/** The first block of non-blank lines, joined into one line. */
function firstParagraph(text: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) return '';
  const after = lines.findIndex((line, i) => i > first && line.trim() === '');
  return lines
    .slice(first, after < 0 ? undefined : after)
    .map((line) => line.trim())
    .join(' ');
}

/** `- item` lines (an item may continue on indented lines). */
function listItems(text: string): string[] {
  const items: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('- ')) items.push(line.slice(2).trim());
    else if (/^\s+\S/.test(line) && items.length) items[items.length - 1] += ` ${line.trim()}`;
  }
  return items;
}
