// Text helpers shared by the reporters.

/**
 * Replaces control characters (other than tab) one for one, so that source text or
 * paths cannot move the cursor or inject terminal escapes, and columns stay aligned.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, '?');
}

/**
 * The first paragraph under a "Summary" heading of a rule's Markdown docs, or the first
 * paragraph of the docs when there is no such heading; joined into one line.
 */
export function firstDocsParagraph(markdown: string): string {
  const lines = markdown.split(/\r?\n/).map((line) => line.trim());
  const summaryHeading = lines.findIndex((line) => /^#{1,6}\s+summary\s*#*$/i.test(line));
  const paragraph: string[] = [];
  for (const line of lines.slice(summaryHeading + 1)) {
    const endsParagraph = line === '' || line.startsWith('#');
    if (endsParagraph && paragraph.length > 0) break;
    if (!endsParagraph) paragraph.push(line);
  }
  return paragraph.join(' ');
}
