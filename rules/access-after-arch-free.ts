// access-after-arch-free: a page's contents are touched after a call that
// revoked access to them. On s390, arch_free_page() tells the hypervisor the
// page is unused, and free_pages_prepare() poisoned and zeroed the page after
// calling it: a crash. The ordering is generic ("after A(page), no B(page)"):
// which calls revoke, grant and touch is the knowledge table
// data/knowledge/access-ordering.txt, which users extend.
//
// The walk (./access-after-arch-free/revocation-walk.ts) is a domain on the shared flow engine (src/analysis/flow): which pages
// are revoked on some path reaching this point, and which expressions name the
// same page (values flow through plain assignments).

import { clip, defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { calleeName, functionDefinitions } from '../src/frontend/syntax';
import { namesOf } from '../src/knowledge';
import { accessOrderingTable, callsARevoker, OrderingTable } from './access-after-arch-free/access-ordering-table';
import { FunctionWalk } from './access-after-arch-free/revocation-walk';
import type { AccessFinding } from './access-after-arch-free/revocation-walk';
import { deliberateBugPathsTable, deliberateBugStep } from './access-after-arch-free/deliberate-bugs';
import type { Confidence } from '../src/model';

export default defineRule({
  meta: {
    id: 'access-after-arch-free',
    description: "A page's contents are read or written after a call that revoked access to them (arch_free_page(), an unmap, a free)",
    category: 'memory',
    severity: 'error',
    confidence: 'high',
    messages: {
      accessAfterRevoke: "{{access}}() touches the contents of '{{page}}' after {{revoke}}() revoked access to them (line {{line}})",
    },
  },
  // The revokers (built-in and the user's); a file that calls none of them is not parsed.
  requires: [namesOf(accessOrderingTable, (row) => row.role === 'revoke')],
  knowledge: [accessOrderingTable, deliberateBugPathsTable],
  check(context) {
    const ordering = new OrderingTable(context.knowledge(accessOrderingTable));
    const deliberate = deliberateBugStep(context.file.path, context.knowledge(deliberateBugPathsTable));
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      const body = fn.childForFieldName('body');
      if (!body || !callsARevoker(body, ordering)) continue;
      new FunctionWalk(ordering, (finding) => context.report(reportFor(finding, deliberate))).run(body);
    }
  },
});

// ---------------------------------------------------------------------------
// The finding

function reportFor(finding: AccessFinding, deliberate: string | null) {
  const { access, accessRow, pageNode, revocation, exact, aliasSteps } = finding;
  const accessName = calleeName(access)!;
  const revokeName = calleeName(revocation.call)!;
  const revokeLine = revocation.call.startPosition.row + 1;
  return {
    node: access,
    messageId: 'accessAfterRevoke' as const,
    data: { access: accessName, page: clip(pageNode.text), revoke: revokeName, line: String(revokeLine) },
    evidence: [
      {
        node: revocation.call,
        message: `${revokeName}(${clip(revocation.subjectNode.text)}) ${revocation.row.what} (${revocation.row.origin})`,
      },
      ...aliasSteps.map((step) => ({
        node: step.node,
        message: `here '${step.key}' takes the value '${clip(assignedValue(step.node).text)}', so '${clip(pageNode.text)}' refers to the page revoked as '${revocation.subject}'`,
      })),
      { node: access, message: `${accessName}() ${accessRow.what} (${accessRow.origin}), and nothing in between made them accessible again` },
      ...(deliberate ? [{ node: access, message: deliberate }] : []),
    ],
    confidence: deliberate ? ('low' as const) : exact ? revocation.row.confidence : lower(revocation.row.confidence),
    key: { id: `${revokeName}()`, reason: `touch a page's contents after ${revokeName}() revoked access to them`, calls: [revokeName] },
    fix: `Move ${revokeName}() after the last access to the page's contents (as commit 234fdce892f9 did in free_pages_prepare()), or do the access before revoking.`,
  };
}

/** The value side of an assignment or initialisation (the node itself otherwise). */
function assignedValue(node: SyntaxNode): SyntaxNode {
  return node.childForFieldName('right') ?? node.childForFieldName('value') ?? node;
}

function lower(confidence: Confidence): Confidence {
  return confidence === 'high' ? 'medium' : 'low';
}

