// access-after-arch-free: a page's contents are touched after a call that
// revoked access to them. On s390, arch_free_page() tells the hypervisor the
// page is unused, and free_pages_prepare() poisoned and zeroed the page after
// calling it: a crash. The ordering is generic ("after A(page), no B(page)"):
// which calls revoke, grant and touch is the knowledge table
// data/knowledge/access-ordering.txt, which users extend.
//
// The walk (src/analysis/access-ordering-flow.ts) is a domain on the shared flow engine (src/analysis/flow): which pages
// are revoked on some path reaching this point, and which expressions name the
// same page (values flow through plain assignments).

import { clip, defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { calleeName, functionDefinitions } from '../src/frontend/syntax';
import { callsARevoker, OrderingTable } from '../src/analysis/access-ordering-table';
import { FunctionWalk } from '../src/analysis/access-ordering-flow';
import type { AccessFinding } from '../src/analysis/access-ordering-flow';
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
    fix:
      "Move the revoking call after the last access to the page's contents (as commit 234fdce892f9 did with arch_free_page() in free_pages_prepare()), or do the access before revoking.",
    references: [
      'commit 234fdce892f9 (moves arch_free_page() after kernel_poison_pages() and kernel_init_free_pages() in free_pages_prepare())',
      'Re: [PATCH] mm/page_alloc: fix a crash in free_pages_prepare() (David Hildenbrand, LKML, 2019-09-28): what arch_free_page() does on s390',
    ],
  },
  // The built-in revokers; a file that calls none of them is not parsed.
  requires: [
    'arch_free_page',
    'kernel_map_pages',
    '__kernel_map_pages',
    'debug_pagealloc_unmap_pages',
    'set_direct_map_invalid_noflush',
    '__free_pages',
    '__free_page',
    'free_pages',
    'free_page',
    'free_the_page',
  ],
  knowledge: ['access-ordering'],
  check(context) {
    const ordering = new OrderingTable(context.knowledge('access-ordering'));
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      const body = fn.childForFieldName('body');
      if (!body || !callsARevoker(body, ordering)) continue;
      new FunctionWalk(ordering, (finding) => context.report(reportFor(finding))).run(body);
    }
  },
});

// ---------------------------------------------------------------------------
// The finding

function reportFor(finding: AccessFinding) {
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
    ],
    confidence: exact ? revocation.row.confidence : lower(revocation.row.confidence),
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

