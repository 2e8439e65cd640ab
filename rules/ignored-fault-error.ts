// ignored-fault-error: the result of a call that reports failure is
// dropped (the call is a statement of its own), so the caller goes on as if
// it had succeeded. In the async page fault path this resumed the guest on a
// fault that had failed, and the guest retried it forever.

import { clip, defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { callArguments, functionDefinitions, functionName } from '../src/frontend/syntax';
import type { LineIndex } from '../src/frontend/lines';
import { Failure, FailureInference } from './ignored-fault-error/failure';
import { failureAtCall } from './ignored-fault-error/failure-at-call';
import { BusFile, BusTables, busCannotFail } from './ignored-fault-error/bus-failure';
import { alreadyFailing, runsAtProbeTime, voidTeardownCaller } from './ignored-fault-error/nothing-to-report';
import { harmlessFailure } from './ignored-fault-error/harmless-failure';
import { cannotFailWithTheseArguments, filledInPractice } from './ignored-fault-error/fails-only-when';
import { uninitialisedReadAfter } from './ignored-fault-error/uninitialised-fill';
import type { KbuildView } from '../src/kernel/kbuild';
import type { KnowledgeTable } from '../src/knowledge';
import type { CallTally } from '../src/types/type-index';
import type { Typer } from '../src/types/typer';
import type { Confidence, SiblingKey } from '../src/model';
import { busAccessorsTable, busInitsTable, errorReturningTable, failsOnlyWhenTable, FailsOnlyWhenRow, harmlessFailureTable, resultIgnoredTable } from './ignored-fault-error/tables';

/** Knowledge-table path classes where a dropped error leaves a fault unresolved or memory unfilled. */
const FAULT_PATH_CLASSES = new Set(['fault', 'gup', 'copy']);
/**
 * Callees on the paths that rank higher: page faults, gup, user copies,
 * allocations, populating memory. `fault` and `gup` are whole words of the
 * name: `default` and `hangup` are not fault paths. `populate` counts only
 * beside a word for memory (`mm_populate`, `populate_vma_page_range`,
 * `vmemmap_populate`): `si_populate_voltage_value()` fills a struct from a
 * table, `devm_of_platform_populate()` makes devices, `css_populate_dir()` files.
 */
const FAULT_PATH_CALLEE =
  /(^|_)(fault|faultin|nofault|gup)(_|$)|get_user_pages|pin_user_pages|copy_(from|to)_user|(^|_)alloc|(^|_)(mm|vma|page|pages|pte|pmd|pud|p4d|pgd|memmap|vmemmap|vmalloc|shadow)_(.*_)?populate|populate_(.*_)?(mm|vma|page|pages|pte|pmd|pud|p4d|pgd|memmap|vmemmap|vmalloc|shadow)(_|$)/;
/** Callers that are themselves on a fault path (not `*_alloc` constructors, which fail loudly elsewhere). */
const FAULT_PATH_CALLER = /(^|_)(fault|faultin|gup)(_|$)|get_user_pages|pin_user_pages|async_pf/;
/** A comment saying the drop is deliberate. */
const DELIBERATE = /\bignor(e|es|ed|ing)\b(?!-)|best[- ]effort|don'?t care|do not care|may fail|do(n'?t| not) check|no need to check|dummy (read|write|access)|on purpose|intentional/i;
/** Phrases that speak for the statements below them, not only the next one: read further up (STRONG_REACH lines, to a blank line). */
const DELIBERATE_FOR_A_GROUP = /do(n'?t| not) check|ignore (any|all|the)? ?errors?|errors? (are|is) ignored/i;
const STRONG_REACH = 8;
/** The longest comment block right above a call that is read whole. */
const COMMENT_BLOCK = 15;
/** At least this many call sites before their habits count as evidence. */
const MIN_SITES = 4;
/** Share of call sites that use the result for it to be the convention. */
const CONVENTION = 0.75;
/** Deviance alone (no error return visible) needs a strong convention over many sites. */
const STRONG_CONVENTION = 0.95;
const STRONG_SITES = 20;
/** Share of call sites that check the result for the convention alone to keep a medium rank. */
const STRONG_HABIT = 0.9;

export default defineRule({
  meta: {
    id: 'ignored-fault-error',
    description: 'The result of a call that reports failure is discarded: the caller carries on as if it had succeeded',
    category: 'error-handling',
    severity: 'warning',
    confidence: 'high',
    messages: {
      dropped: '{{callee}}() can fail ({{failure}}) but its result is discarded: {{next}}',
      deviant: '{{callee}}() returns a value that {{share}} of its callers check, but it is discarded here: {{next}}',
    },
  },
  // Any function body can drop a result; a file without one never does.
  requires: ['return', 'if', 'void'],
  // The skips at the top of check(), answered from the index before parsing:
  // a file whose dropped calls can give no finding at any tier is not parsed.
  requiresInIndex: {
    droppedCall: {
      exceptWithoutLowercase: true,
      exceptKnowledge: [resultIgnoredTable],
      exceptVoid: true,
      failing: { knowledge: errorReturningTable },
      // A callee with no visible failure is reported only with STRONG_SITES sites, STRONG_CONVENTION of them using it.
      orUsedAtLeast: Math.floor(STRONG_SITES * STRONG_CONVENTION),
      // Above low, failure without a path class needs the convention (rankFailure): MIN_SITES sites, CONVENTION of them using the result.
      aboveLow: { usedAtLeast: Math.ceil(MIN_SITES * CONVENTION) },
    },
  },
  needsTypes: true,
  knowledge: [errorReturningTable, resultIgnoredTable, busAccessorsTable, busInitsTable, harmlessFailureTable, failsOnlyWhenTable],
  check(context) {
    const typer = context.types;
    const inference = new FailureInference(typer.scope, context.knowledge(errorReturningTable));
    const ignoredByConvention = context.knowledge(resultIgnoredTable);
    const ranking: RankingContext = {
      tables: { accessors: context.knowledge(busAccessorsTable), inits: context.knowledge(busInitsTable) },
      where: { file: typer.scope.file, text: context.file.text, root: context.file.tree.rootNode, scope: typer.scope },
      harmless: context.knowledge(harmlessFailureTable),
      failsOnlyWhen: context.knowledge(failsOnlyWhenTable),
    };
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      const caller = functionName(fn) ?? '';
      for (const call of discardedCalls(fn)) {
        const callee = call.childForFieldName('function')!.text;
        if (!/[a-z]/.test(callee) || ignoredByConvention.lookup(callee)) continue;
        const failure = inference.failureOf(callee);
        const returns = returnKind(callee, inference, typer);
        if (returns === 'none') continue;
        if (failure && !failure.pathClass && returns !== 'integer') continue;
        const tally = inference.callUses(callee);
        const sites = tally.used + tally.discarded + tally.voided;
        const share = sites ? tally.used / sites : 0;
        const deviant = !failure && returns === 'integer' && sites >= STRONG_SITES && share >= STRONG_CONVENTION;
        // Nothing to report: skip the evidence below, whose typing is most of this rule's cost.
        if (!failure && !deviant) continue;
        const base = failure ? rankFailure(failure, callee, caller, sites, share) : null;
        // A deviant call ranks low, and so does one whose callee does (rankCall only demotes a low base).
        if (!context.lowTierWanted && (!base || base.confidence === 'low')) {
          context.skipLow(call);
          continue;
        }
        const statement = call.parent!;
        const next = nextStep(statement);
        const outValue = failureVisibleThrough(call, statement, typer);
        const deliberate = saysDeliberate(call, fn, context.file.lines);
        const evidence = [
          ...(failure ? failure.steps.map((step) => ({ node: call, message: step })) : []),
          ...(sites >= MIN_SITES ? [{ node: call, message: tallyText(tally) }] : []),
          { node: call, message: `here the result of ${callee}() is dropped: the call is a statement of its own, with no (void) cast` },
          { node: next.node ?? statement, message: next.text },
          ...(outValue ? [{ node: outValue.test, message: `but failure also shows in '${outValue.name}', which the call fills in and which is tested here` }] : []),
          ...(deliberate ? [{ node: call, message: `a comment at line ${deliberate} says the result is ignored on purpose` }] : []),
        ];
        if (failure && base) {
          const ranked = rankCall({ fn, caller, call, callee, failure, base: base.confidence, baseWhy: base.why, tally, next, fileText: context.file.text }, context.kbuild, inference, ranking);
          evidence.push(...ranked.steps);
          const confidence = ranked.unwrittenRead || !(outValue || deliberate) ? ranked.confidence : 'low';
          if (confidence !== ranked.confidence) {
            const why = outValue ? `the caller sees the failure through '${outValue.name}'` : `a comment at line ${deliberate} says the drop is deliberate`;
            evidence.push({ node: call, message: `so ranked low after all: ${why}` });
          }
          context.report({
            node: call,
            messageId: 'dropped',
            data: { callee, failure: failure.looksLike, next: next.short },
            evidence,
            confidence,
            fix: fixFor(callee, failure, caller),
            key: droppedResultOf(callee),
          });
        } else if (deviant) {
          context.report({
            node: call,
            messageId: 'deviant',
            data: { callee, share: `${tally.used} of ${sites}`, next: next.short },
            evidence: [...evidence, { node: call, message: `ranked low: no error return of ${callee}() is visible; only the callers' habit says its result matters` }],
            confidence: 'low',
            key: droppedResultOf(callee),
          });
        }
      }
    }
  },
});

/**
 * The call's rank and the steps that decided it, from the callee's rank
 * (`base`): an error that cannot happen here, or may not, ranks low; so does
 * a caller with nothing to report to (unless the callee is on a fault or
 * allocation path: the caller then carries on with what was not done); so
 * does the tree's convention alone in a void caller. A local the call was to
 * fill, read afterwards while it may be unwritten, ranks high.
 */
interface CallFacts {
  fn: SyntaxNode;
  caller: string;
  call: SyntaxNode;
  callee: string;
  failure: Failure;
  /** The callee's rank before looking at this call. */
  base: Confidence;
  /** Why the callee ranks `base`, as an evidence step's words. */
  baseWhy: string;
  tally: CallTally;
  next: NextStep;
  /** The file's text as written (for `__init` markers the parse does not keep). */
  fileText: string;
}

/** What the bus and harmless-failure checks need: the knowledge tables, and the file with its view of the index. */
interface RankingContext {
  tables: BusTables;
  where: BusFile;
  harmless: KnowledgeTable;
  failsOnlyWhen: KnowledgeTable<FailsOnlyWhenRow>;
}

function rankCall(facts: CallFacts, kbuild: KbuildView | null, inference: FailureInference, ranking: RankingContext): { confidence: Confidence; steps: Step[]; unwrittenRead: boolean } {
  const { fn, caller, call, callee, failure, base, fileText } = facts;
  let atCall = failureAtCall(callee, failure, call, inference, kbuild, fileText);
  if (atCall.verdict === 'counts') {
    const busSteps = busCannotFail(callee, call, ranking.tables, ranking.where, inference);
    if (busSteps) atCall = { verdict: 'cannot', steps: [...atCall.steps, ...busSteps] };
  }
  if (atCall.verdict === 'counts') {
    const notWithThese = cannotFailWithTheseArguments(callee, call, fn, ranking.failsOnlyWhen);
    if (notWithThese) atCall = { verdict: 'cannot', steps: [...atCall.steps, notWithThese] };
  }
  const steps: Step[] = atCall.steps.map((message) => ({ node: call, message }));
  if (atCall.verdict !== 'counts') {
    const why = atCall.verdict === 'cannot' ? 'the error it reports cannot happen at this call' : 'whether the error it reports can happen at this call is not decided';
    steps.push({ node: call, message: `ranked low: ${why}` });
    return { confidence: 'low', steps, unwrittenRead: false };
  }
  // Garbage read after a failed fill is a bug whoever could have been told: it outranks the demotions below.
  const writesFirst = new Set(failure.writesFirst ?? []);
  const inPractice = filledInPractice(callee, ranking.failsOnlyWhen);
  if (inPractice) writesFirst.add(inPractice.param);
  const garbage = uninitialisedReadAfter(fn, call, writesFirst);
  const filledAnyway = !garbage && writesFirst.size ? uninitialisedReadAfter(fn, call) : null;
  if (filledAnyway) {
    const line = filledAnyway.read.startPosition.row + 1;
    const bodyWrites = failure.writesFirst?.length && failure.definition ? `${callee}() writes it on every path before it can fail (${failure.definition.file}:${failure.definition.line})` : null;
    const why = bodyWrites ?? (inPractice ? `${callee}() writes it whenever it can fail in practice: ${inPractice.why} (${inPractice.origin})` : null);
    if (why) steps.push({ node: filledAnyway.read, message: `'${filledAnyway.name}' is read at line ${line}, but ${why}: a failed call does not leave it unwritten` });
  }
  const unwrittenRead = !!garbage && base !== 'low';
  let confidence = base;
  const reasons = nothingToReport(fn, caller, call, failure);
  // Checked before the reasons below, which a callee on an allocation path by name would override.
  const harmless = unwrittenRead || base === 'low' ? null : harmlessFailure(callee, failure, { name: caller, fn, text: fileText }, call, ranking.harmless, inference);
  if (harmless) {
    steps.push({ node: call, message: harmless });
    confidence = 'low';
  } else if (reasons.length && (base === 'high' || unwrittenRead)) {
    const why = unwrittenRead ? 'a local it was to fill is read afterwards' : 'the callee is on a fault or allocation path and the caller carries on with what was not done';
    steps.push(...reasons.map((r) => ({ node: r.node, message: r.message.replace(/^ranked low: /, `not demoted, as ${why}: `) })));
  } else if (reasons.length) {
    steps.push(...reasons);
    confidence = 'low';
  } else if (base === 'medium' && !failure.pathClass && !unwrittenRead) {
    const convention = conventionAlone(facts);
    steps.push(convention.step);
    confidence = convention.confidence;
  }
  if (garbage) {
    steps.push(
      { node: garbage.declaration, message: `'${garbage.name}' is declared without an initialiser at line ${garbage.declaration.startPosition.row + 1} and not written on every path to the call` },
      {
        node: garbage.read,
        message: unwrittenRead
          ? `ranked high: '${garbage.name}', which ${callee}() was to fill, is read at line ${garbage.read.startPosition.row + 1} while a failed call may have left it unwritten`
          : `'${garbage.name}', which ${callee}() was to fill, is read at line ${garbage.read.startPosition.row + 1} while a failed call may have left it unwritten; not ranked up, as the tree's callers do not show that ${callee}() fails in practice`,
      },
    );
    if (unwrittenRead) confidence = 'high';
  }
  // The rank no step above decided comes from the callee itself: say why.
  if (!steps.some((step) => /^(ranked|kept at)/.test(step.message))) steps.push({ node: call, message: facts.baseWhy });
  return { confidence, steps, unwrittenRead };
}

type Step = { node: SyntaxNode; message: string };

/**
 * A callee that most callers check, with nothing else known: medium only when
 * the habit is strong (9 in 10 of at least 20 sites) and the caller reports
 * success right after; else low. A strict reading of a sample of such
 * findings (issue 13) found most of the rest false: void callers that cannot
 * report, setup sequences that check elsewhere, callees that cannot fail with
 * these arguments.
 */
function conventionAlone(facts: CallFacts): { confidence: Confidence; step: Step } {
  const { fn, caller, tally, next } = facts;
  const sites = tally.used + tally.discarded + tally.voided;
  const habit = `${tally.used} of ${sites} callers check ${facts.callee}()`;
  const where = fn.childForFieldName('declarator') ?? fn;
  if (returnsVoid(fn)) {
    return {
      confidence: 'low',
      step: { node: where, message: `ranked low: ${caller || 'the caller'}() returns void, so it has nothing to report the failure to, and the tree's convention alone (${habit}; no fault path, no unwritten local read) does not show a consequence` },
    };
  }
  const returned = next.node?.type === 'return_statement' ? next.node.namedChildren.find((c) => c.type !== 'comment') : undefined;
  const reportsSuccess = returned?.text === '0';
  const strong = sites >= STRONG_SITES && tally.used / sites >= STRONG_HABIT && reportsSuccess;
  if (strong && runsAtProbeTime({ name: caller, fn, text: facts.fileText })) {
    return {
      confidence: 'low',
      step: {
        node: where,
        message: `ranked low: the tree's convention alone (${habit}), in ${caller}(), which runs at probe or init time: registration and setup calls there fail on configuration errors or small allocations that do not happen in practice (issue 13's triage read 14 such findings at probe or init time: 13 false)`,
      },
    };
  }
  if (strong) {
    return {
      confidence: 'medium',
      step: { node: next.node!, message: `kept at medium: ${habit}, and ${caller || 'the caller'}() reports success right after, at line ${next.node!.startPosition.row + 1}` },
    };
  }
  return {
    confidence: 'low',
    step: {
      node: where,
      message: `ranked low: the tree's convention alone (${habit}; no fault path, no unwritten local read) shows no consequence here; medium needs 9 in 10 of at least ${STRONG_SITES} callers and a caller that reports success right after`,
    },
  };
}

function returnsVoid(fn: SyntaxNode): boolean {
  return fn.childForFieldName('type')?.text === 'void' && fn.childForFieldName('declarator')?.type === 'function_declarator';
}

/** Why the caller has nothing to report the failure to, each as an evidence step: a void teardown caller, an error path, a callee that logs. */
function nothingToReport(fn: SyntaxNode, caller: string, call: SyntaxNode, failure: Failure): { node: SyntaxNode; message: string }[] {
  const reasons: { node: SyntaxNode; message: string }[] = [];
  const teardown = voidTeardownCaller(fn, caller);
  if (teardown) reasons.push({ node: fn.childForFieldName('declarator') ?? fn, message: teardown });
  const failing = alreadyFailing(call);
  if (failing) reasons.push({ node: failing.node, message: failing.step });
  if (failure.logs) reasons.push({ node: call, message: `ranked low: ${failure.logs.name}() logs its own failure on every error path (${failure.logs.file}:${failure.logs.line})` });
  return reasons;
}

/** Calls that are a statement of their own: `foo(x);` (not `(void)foo(x);`, not `ops->foo(x);`). */
function discardedCalls(fn: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  const stack: SyntaxNode[] = [body];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'expression_statement') {
      const expression = node.namedChild(0);
      if (expression?.type === 'call_expression' && expression.childForFieldName('function')?.type === 'identifier') out.push(expression);
    }
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i)!);
  }
  return out;
}

/** What the callee returns, from its visible definition or prototype: an integer, something else, nothing (void), or unknown. */
function returnKind(callee: string, inference: FailureInference, typer: Typer): 'integer' | 'other' | 'none' | 'unknown' {
  const definitions = inference.definitions(callee);
  const declared = definitions.length ? definitions[0] : typer.functionNamed(callee);
  if (!declared || !('ret' in declared || 'decl' in declared)) return 'unknown';
  const ret = 'decl' in declared ? declared.decl.ret : declared.ret;
  const resolved = typer.resolve(ret).type;
  if (resolved.k === 'void') return 'none';
  const integer = typer.integerInfo(ret);
  if (integer) return integer.name === '_Bool' ? 'other' : 'integer';
  return resolved.k === 'unknown' ? 'unknown' : 'other';
}

/** The callee's rank before looking at this call, and why, in words. */
function rankFailure(failure: Failure, callee: string, caller: string, sites: number, share: number): { confidence: Confidence; why: string } {
  const convention = sites >= MIN_SITES && share >= CONVENTION;
  const mostlyIgnored = sites >= MIN_SITES && share < 0.5;
  const habit = `${Math.round(share * 100)}% of ${sites} call sites use the result`;
  const onFaultPath = FAULT_PATH_CALLEE.test(callee) ? `${callee}() is on a fault, gup, copy or allocation path by its name` : FAULT_PATH_CALLER.test(caller) ? `the caller ${caller}() is on a fault path by its name` : '';
  if (failure.pathClass && FAULT_PATH_CLASSES.has(failure.pathClass)) {
    return mostlyIgnored
      ? { confidence: 'medium', why: `ranked medium: ${callee}() is a ${failure.pathClass}-path function of the knowledge table, but only ${habit}` }
      : { confidence: 'high', why: `ranked high: ${callee}() is a ${failure.pathClass}-path function of the knowledge table, where a dropped failure leaves a fault unresolved or memory unfilled` };
  }
  if (convention && onFaultPath) return { confidence: 'high', why: `ranked high: ${habit}, and ${onFaultPath}` };
  if (convention) return { confidence: 'medium', why: `ranked medium: ${habit}` };
  if (failure.pathClass) {
    return mostlyIgnored
      ? { confidence: 'low', why: `ranked low: ${callee}() is a ${failure.pathClass}-path function, but only ${habit}` }
      : { confidence: 'medium', why: `ranked medium: ${callee}() is a ${failure.pathClass}-path function of the knowledge table` };
  }
  return { confidence: 'low', why: `ranked low: neither a path class nor the callers' habit (${sites ? habit : 'no other call sites'}) shows a consequence` };
}

/**
 * A pointer the call fills in (`&page`, or a `struct foo **` argument) that one
 * of the next statements tests or returns: the caller sees failure through it
 * (get_user_pages_remote(..., &page, ...); return page;).
 */
function failureVisibleThrough(call: SyntaxNode, statement: SyntaxNode, typer: Typer): { name: string; test: SyntaxNode } | null {
  const filled = new Set<string>();
  for (const arg of callArguments(call)) {
    const target = arg.type === 'pointer_expression' && arg.child(0)?.type === '&' ? arg.childForFieldName('argument') : arg;
    if (!target || (target.type !== 'identifier' && target.type !== 'field_expression')) continue;
    const type = typer.resolve(typer.typeOf(target).type).type;
    const pointee = type.k === 'ptr' ? typer.resolve(type.to).type : null;
    const fillsPointer = target === arg ? pointee?.k === 'ptr' : type.k === 'ptr';
    if (fillsPointer) filled.add(target.text);
  }
  if (filled.size === 0) return null;
  let next = statement.nextNamedSibling;
  for (let i = 0; next && i < 3; i++, next = next.nextNamedSibling) {
    const tested = next.type === 'if_statement' ? next.childForFieldName('condition') : next.type === 'return_statement' ? next : null;
    if (!tested) continue;
    for (const name of filled) if (mentions(tested, name)) return { name, test: tested };
  }
  return null;
}

function mentions(node: SyntaxNode, name: string): boolean {
  if ((node.type === 'identifier' || node.type === 'field_expression') && node.text === name) return true;
  return node.namedChildren.some((child) => mentions(child, name));
}

/** The line of a comment, in the function's header comment or just above the call, that says the drop is deliberate. */
function saysDeliberate(call: SyntaxNode, fn: SyntaxNode, lines: LineIndex): number | null {
  const callLine = call.startPosition.row + 1;
  const bodyLine = fn.startPosition.row + 1;
  for (let line = callLine; line >= Math.max(1, callLine - 3); line--) if (isDeliberateComment(lines.lineText(line))) return line;
  // The comment block right above the call, however long (a paragraph explaining why).
  for (let line = callLine - 1; line > Math.max(bodyLine, callLine - COMMENT_BLOCK); line--) {
    const text = lines.lineText(line).trim();
    if (!/^(\/\*|\*|\/\/)/.test(text) && !text.endsWith('*/')) break;
    if (isDeliberateComment(lines.lineText(line))) return line;
  }
  // "do not check for errors" over a group of statements, up to a blank line.
  for (let line = callLine - 1; line > Math.max(bodyLine, callLine - STRONG_REACH); line--) {
    const text = lines.lineText(line);
    if (text.trim() === '') break;
    if (isDeliberateComment(text, DELIBERATE_FOR_A_GROUP)) return line;
  }
  for (let line = fn.startPosition.row; line >= Math.max(1, fn.startPosition.row - 12); line--) {
    const text = lines.lineText(line).trim();
    if (!/^(\/\*|\*|\/\/)/.test(text)) break;
    if (isDeliberateComment(text)) return line;
  }
  return null;
}

function isDeliberateComment(text: string, says: RegExp = DELIBERATE): boolean {
  const comment = /\/\*.*|\/\/.*|^\s*\*.*/.exec(text)?.[0];
  return !!comment && says.test(comment);
}

function tallyText(tally: CallTally): string {
  const sites = tally.used + tally.discarded + tally.voided;
  const files = tally.files === 1 ? '1 file' : `${tally.files} files`;
  const voided = tally.voided ? `, ${tally.voided} cast to void` : '';
  return `across the tree its result is used at ${tally.used} of ${sites} call sites in ${files}; ${tally.discarded} drop it, this one included${voided}`;
}

interface NextStep {
  node: SyntaxNode | null;
  text: string;
  short: string;
}

/** What the caller does right after the dropped call. */
function nextStep(statement: SyntaxNode): NextStep {
  for (let at: SyntaxNode | null = statement; at && at.type !== 'function_definition'; at = at.parent) {
    let next = at.nextNamedSibling;
    while (next && next.type === 'comment') next = next.nextNamedSibling;
    if (!next || at.parent?.type !== 'compound_statement') continue;
    const line = next.startPosition.row + 1;
    if (next.type === 'return_statement') {
      const value = next.namedChildren.find((c) => c.type !== 'comment');
      const returned = value ? `returns '${clip(value.text)}'` : 'returns';
      return {
        node: next,
        text: `then the caller ${returned} at line ${line}: the failure never reaches its own caller`,
        short: `the caller then ${returned} as if it had succeeded`,
      };
    }
    return {
      node: next,
      text: `then the caller goes on at line ${line} ('${clip(next.text)}') as if the call had succeeded`,
      short: `the caller goes on at line ${line} as if it had succeeded`,
    };
  }
  return { node: null, text: 'then the function ends: nobody learns that the call failed', short: 'the function then ends and nobody learns of the failure' };
}

/** Siblings drop the result of the same callee. */
function droppedResultOf(callee: string): SiblingKey {
  return { id: `${callee}()`, reason: `drop the result of ${callee}()`, calls: [callee], dropsResult: true };
}

function fixFor(callee: string, failure: Failure, caller: string): string {
  return `Keep the result of ${callee}() and handle ${failure.looksLike}: return it from ${caller || 'the caller'}() (or turn it into the caller's own error), so that the failure is not mistaken for success. An explicit (void) cast with a comment documents a deliberate drop.`;
}
