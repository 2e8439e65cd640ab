// seqcount-truncation: a wide integer (a sequence count, a generation, a
// counter) passes through a narrower or differently-signed variable,
// parameter, member or return value, and is then widened again and
// compared or passed on: the round trip changes the value, so a check
// against the original fails forever (or a counter is corrupted).

import { clip, defineRule, EvidenceInput } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { callArguments, functionDefinitions } from '../src/frontend/syntax';
import {
  Conversion,
  conversionsIn,
  IntegerType,
  isConstantThatFits,
  isEvidentlyConstantThatFits,
  isNarrowing,
  memberReads,
  unparenthesised,
  usesOf,
  Widening,
  wideningAt,
  withoutSign,
} from '../src/analysis/conversions';
import type { Typer } from '../src/types/typer';
import { ValueFacts } from './seqcount-truncation/values/facts';
import { wideOnlyByPromotion } from './seqcount-truncation/values/promotion';
import { findRoundTrip, RoundTripSearch } from './seqcount-truncation/values/round-trip';
import { isSequenceName, quantitiesOf, READERS } from './seqcount-truncation/values/quantities';
import { typeToString } from '../src/types/ctype';
import type { Confidence, SiblingKey } from '../src/model';
import { mayRankAboveLow } from './seqcount-truncation/above-low';

const WIDE_TYPE_WORDS = [
  'long', 'u64', 's64', '__u64', '__s64', 'uint64_t', 'int64_t', 'size_t', 'ssize_t', 'loff_t', 'sector_t', 'pgoff_t',
  'gfn_t', 'gpa_t', 'gva_t', 'hva_t', 'hpa_t', 'kvm_pfn_t', 'phys_addr_t', 'dma_addr_t', 'resource_size_t', 'uintptr_t',
  'time64_t', 'ktime_t', 'jiffies', 'atomic_long_t', 'atomic64_t',
];


export default defineRule({
  meta: {
    id: 'seqcount-truncation',
    description: 'A wide counter or sequence value is narrowed (or changes sign) and then widened back: the round trip changes its value',
    category: 'integer',
    severity: 'warning',
    confidence: 'high',
    messages: {
      roundTrip:
        '{{from}} value {{source}} is narrowed to {{to}} ({{receiver}}) and widened back to {{back}}: values with bit {{bit}} set no longer compare equal',
      narrowing: '{{from}} value {{source}} is narrowed to {{to}} ({{receiver}}, {{channel}})',
    },
  },
  // A file that names no wide integer type rarely converts one; reading only those keeps whole-tree scans fast.
  requires: WIDE_TYPE_WORDS,
  // Above low it needs a sequence-named value or a wide negative constant (rank()).
  mayRankAboveLow,
  needsTypes: true,
  check(context) {
    const typer = context.types;
    const longBits = typer.abi.longBits;
    const root = context.file.tree.rootNode;
    let values: ValueFacts | null = null;
    const shownTrips = new Map<number, SyntaxNode>();
    const wideNarrowing = (from: IntegerType, to: IntegerType) => from.bits >= longBits && isNarrowing(from, to);
    // The sources the first test below drops, known without typing them.
    const dropped = (source: SyntaxNode, to: IntegerType) => isExplicitCast(source) || isEvidentlyConstantThatFits(source, to, typer);
    for (const fn of functionDefinitions(root)) {
      // Each finding's value is named in its function: one without such a name ranks low.
      if (!context.lowTierWanted && !mayRankAboveLow(fn.text, typer.abi)) continue;
      for (const conversion of conversionsIn(fn, typer, wideNarrowing, dropped)) {
        if (isConstantThatFits(conversion, typer) || isExplicitCast(conversion.source)) continue;
        const back = widenedBack(conversion, typer, root);
        // A same-width sign change keeps every bit; it only matters when the value is widened again.
        if (!back && conversion.to.bits === conversion.from.bits) continue;
        const evidence: EvidenceInput[] = [
          { node: conversion.source, message: `${quote(conversion.source)} is ${describe(conversion.from)}${originOf(conversion.source, typer)}` },
          {
            node: conversion.source,
            message: `it is converted to ${describe(conversion.to)} here (${conversion.channel} to ${conversion.receiverText}${
              conversion.receiverDeclaredAt ? `, declared at ${conversion.receiverDeclaredAt.file}:${conversion.receiverDeclaredAt.line}` : ''
            })${lossOf(conversion.from, conversion.to)}`,
          },
        ];
        if (back) {
          evidence.push({ node: back.at, message: `and ${back.how} here: ${extensionOf(conversion.to)} to ${back.to.bits} bits, so the value differs from the original` });
        }
        values ??= new ValueFacts(typer, root);
        const ranking = rank(conversion, back, typer, root, values);
        evidence.push(...ranking.steps);
        // Several narrowings closing one round trip are one problem: the first is shown, the others point to it.
        const first = ranking.tripAt && ranking.confidence !== 'low' ? shownTrips.get(ranking.tripAt.id) : undefined;
        if (first) {
          ranking.confidence = 'low';
          evidence.pop(); // the rank it would have had
          evidence.push({ node: conversion.source, message: `ranked low: the same round trip (line ${line(ranking.tripAt!)}) as the finding at line ${line(first)}, which is shown` });
        } else if (ranking.tripAt && ranking.confidence !== 'low') {
          shownTrips.set(ranking.tripAt.id, conversion.source);
        }
        const backTo = back?.to ?? ranking.backTo;
        const message = backTo
          ? {
              messageId: 'roundTrip' as const,
              data: {
                from: conversion.from.name,
                source: quote(conversion.source),
                to: conversion.to.name,
                receiver: conversion.receiverText,
                back: backTo.name,
                bit: String(conversion.to.bits - (conversion.to.signed ? 1 : 0)),
              },
            }
          : {
              messageId: 'narrowing' as const,
              data: {
                from: conversion.from.name,
                source: quote(conversion.source),
                to: conversion.to.name,
                receiver: conversion.receiverText,
                channel: conversion.channel,
              },
            };
        const key = siblingKeyOf(conversion, typer);
        context.report({ node: conversion.source, ...message, evidence, confidence: ranking.confidence, fix: fixFor(conversion, typer), ...(key ? { key } : {}) });
      }
    }
  },
});

interface Ranking {
  confidence: Confidence;
  /** The facts that decided, as evidence steps. */
  steps: EvidenceInput[];
  /** Where the round trip closes, when there is one. */
  tripAt?: SyntaxNode;
  /** The wide type the value comes back as there. */
  backTo?: IntegerType;
}

/**
 * Medium or above only when nothing proves the value fits and the narrowed
 * value meets the same wide quantity again; high when that quantity is a
 * sequence count by name, or a negative constant is certain to change.
 */
function rank(conversion: Conversion, back: Widening | null, typer: Typer, root: SyntaxNode, values: ValueFacts): Ranking {
  const low = (node: SyntaxNode, message: string): Ranking => ({ confidence: 'low', steps: [{ node, message: `ranked low: ${message}` }] });
  const fits = values.fits(conversion.source, conversion.to);
  if (fits) return low(fits.at, `fits: ${fits.why} at line ${line(fits.at)}, within ${conversion.to.name}`);
  if (back && isNegativeConstant(conversion.source)) {
    return { confidence: 'high', steps: [{ node: conversion.source, message: `ranked high: the negative constant ${conversion.source.text} cannot survive the round trip` }] };
  }
  const promotion = wideOnlyByPromotion(conversion.source, typer, conversion.to.bits);
  if (promotion) return low(promotion.culprit, `wide only by promotion: ${promotion.why} at line ${line(promotion.culprit)}; no operand is a wide quantity of its own`);
  const search = findRoundTrip(conversion, typer, root);
  if (!search.trip) return low(conversion.source, `no round trip: ${withoutRoundTrip(conversion, search)}`);
  const trip = search.trip;
  const steps: EvidenceInput[] = [
    { node: trip.at, message: `round trip: the narrowed value is ${trip.how} here, and ${trip.same}` },
  ];
  if (trip.kind === 'stored back' && trip.throughMember) {
    steps.push({
      node: conversion.source,
      message: `ranked low: the narrow copy is kept in a field of another structure (an interface, on-disk or saved format) and only copied back, never compared with the live value: the width is that format's`,
    });
    return { confidence: 'low', steps, tripAt: trip.at, backTo: trip.to };
  }
  if (isSequenceLike(conversion.source)) {
    steps.push({ node: conversion.source, message: `ranked high: ${quote(conversion.source)} is a sequence count by its name, which passes bit ${conversion.to.bits - (conversion.to.signed ? 1 : 0)} in a long-lived system` });
    return { confidence: 'high', steps, tripAt: trip.at, backTo: trip.to };
  }
  const names = [identityOf(conversion.source) ?? '', ...search.quantities.map((q) => q.name)];
  const growing = names.find(isGrowingName);
  if (!growing) {
    steps.push({
      node: conversion.source,
      message: `ranked low: ${quote(conversion.source)} is named as neither a count, position, index or identifier (which can grow past ${conversion.to.name} with use) nor a sequence count: a flag, register, rate or setting keeps the width it was designed with`,
    });
    return { confidence: 'low', steps, tripAt: trip.at, backTo: trip.to };
  }
  // Triage of the whole 6.1 tree: of 26 such round trips, 5 were plausible bugs; positions, counts and ids were bounded by a file's llseek, an on-disk format or a caller's check.
  steps.push({
    node: conversion.source,
    message: `ranked low: '${growing}' names a count, position, index or identifier, not a sequence count; how far it grows is bounded elsewhere (a file's llseek, an on-disk format, a caller's check), which the analysis does not follow`,
  });
  return { confidence: 'low', steps, tripAt: trip.at, backTo: trip.to };
}

/**
 * Words naming quantities that grow with use: counts, positions, indexes,
 * identifiers, block and page numbers. Sizes and lengths are not among them:
 * they are bounded by the object they measure.
 */
const GROWING_WORDS = new Set([
  'count', 'cnt', 'nr', 'num', 'total', 'pos', 'ppos', 'offset', 'index', 'idx', 'ino', 'inode', 'id', 'blocks', 'blocknr',
  'block', 'sector', 'sectors', 'pages', 'version',
]);

function isGrowingName(name: string): boolean {
  return name.split(/_|(?<=[a-z])(?=[A-Z])/).some((word) => GROWING_WORDS.has(word.toLowerCase()));
}

function withoutRoundTrip(conversion: Conversion, search: RoundTripSearch): string {
  if (!search.quantities.length) return `${quote(conversion.source)} is a computed value, not a stored quantity it could be compared with again`;
  const uses = [...new Set(search.otherUses.map((u) => `${u.how} at line ${line(u.at)}`))];
  if (!uses.length) return 'the narrowed value is never compared with or stored back into the quantity it came from in this file';
  const shown = uses.slice(0, 3).join('; ') + (uses.length > 3 ? `; and ${uses.length - 3} more` : '');
  return `the narrowed value is never compared with or stored back into ${search.quantities[0].label}; it is only ${shown}`;
}

function line(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}

/**
 * The first place the narrowed value is widened again: through the receiving
 * variable or parameter, or through the struct member it was stored in (read
 * anywhere in the file).
 */
function widenedBack(conversion: Conversion, typer: Typer, root: SyntaxNode): Widening | null {
  if (conversion.member) {
    for (const read of memberReads(root, conversion.member.name, typer)) {
      const widening = wideningAt(read, conversion.to, typer);
      if (widening) return { ...widening, how: `read back as '${read.text}' and ${widening.how}` };
    }
  }
  if (conversion.receiver) {
    const after = conversion.channel === 'argument' ? conversion.receiver.declaration.endIndex : conversion.source.endIndex;
    for (const use of usesOf(conversion.receiver, after, typer)) {
      const widening = wideningAt(use, conversion.to, typer);
      if (widening) return widening;
    }
  }
  return null;
}

/** Is the value a snapshot of a sequence count, a generation, a cookie or the jiffies counter, by its own name? */
function isSequenceLike(source: SyntaxNode): boolean {
  const name = identityOf(source);
  return !!name && isSequenceName(name);
}

/**
 * The name a value goes by: a variable's or a member's name, a getter's name,
 * or what a reader reads. Computed values (`val & MASK`, `x * 5`) have none.
 */
function identityOf(node: SyntaxNode): string | null {
  const n = unparenthesised(node);
  switch (n.type) {
    case 'identifier':
      return n.text;
    case 'field_expression':
      return n.childForFieldName('field')?.text ?? null;
    case 'pointer_expression':
      return identityOf(n.childForFieldName('argument')!);
    case 'call_expression': {
      const callee = n.childForFieldName('function');
      if (callee?.type !== 'identifier') return null;
      const read = READERS.has(callee.text) ? callArguments(n)[0] : undefined;
      return read ? identityOf(read) : callee.text;
    }
    default:
      return null;
  }
}

/**
 * Siblings narrow the same wide quantity: a struct member or a global (where
 * it is declared finds their files), or a getter's return value (its callers).
 * A local stands for what was assigned to it; a computed value, or a local or
 * parameter of no such origin, has no identity beyond its function.
 */
function siblingKeyOf(conversion: Conversion, typer: Typer): SiblingKey | null {
  const quantity = quantitiesOf(conversion.source, typer).find((q) => q.shared && !q.key.startsWith('deref:'));
  if (!quantity) return null;
  const [kind, what] = [quantity.key.slice(0, quantity.key.indexOf(':')), quantity.key.slice(quantity.key.indexOf(':') + 1)];
  switch (kind) {
    case 'member': {
      // "struct kvm::mmu_invalidate_seq": the record is looked up from this file, as the typer found it.
      const record = /^(struct|union) (\w+)::/.exec(what);
      const declared = record ? typer.scope.lookup('tag', record[2])?.decls.find((d) => d.kind === record[1]) : undefined;
      return declared ? { id: what, reason: `read ${what} and narrow it`, declared: { name: quantity.name, in: declared.file } } : null;
    }
    case 'global': {
      const declared = typer.scope.lookup('ordinary', quantity.name)?.decls[0];
      return declared ? { id: `global ${quantity.name}`, reason: `read the global ${quantity.name} and narrow it`, declared: { name: quantity.name, in: declared.file } } : null;
    }
    case 'call':
      return { id: `${quantity.name}()`, reason: `take the value ${quantity.name}() returns and narrow it`, calls: [quantity.name] };
    default:
      return null;
  }
}

function isNegativeConstant(node: SyntaxNode): boolean {
  const n = unparenthesised(node);
  if (n.type === 'number_literal') return n.text.startsWith('-');
  const { operand, negated } = withoutSign(n);
  return negated && operand.type === 'number_literal';
}

function isExplicitCast(node: SyntaxNode): boolean {
  return unparenthesised(node).type === 'cast_expression';
}

function describe(type: IntegerType): string {
  return `${type.name} (${type.bits}-bit ${type.signed ? 'signed' : 'unsigned'})`;
}

function quote(node: SyntaxNode): string {
  return `'${clip(node.text, 60)}'`;
}

function originOf(node: SyntaxNode, typer: Typer): string {
  const origin = typer.typeOf(node).origin;
  if (!origin || origin.kind === 'literal' || origin.kind === 'builtin-macro') return '';
  return `, declared at ${origin.file}:${origin.line}`;
}

function lossOf(from: IntegerType, to: IntegerType): string {
  if (to.bits < from.bits) return `: bits ${to.bits}..${from.bits - 1} are dropped${to.signed ? ` and bit ${to.bits - 1} becomes the sign` : ''}`;
  return to.signed ? `: values with bit ${to.bits - 1} set become negative` : ': negative values become large positive ones';
}

function extensionOf(narrow: IntegerType): string {
  return narrow.signed ? `the ${narrow.name} is sign-extended` : `the ${narrow.name} is zero-extended`;
}

function fixFor(conversion: Conversion, typer: Typer): string {
  const where = conversion.receiverDeclaredAt ? ` (declared at ${conversion.receiverDeclaredAt.file}:${conversion.receiverDeclaredAt.line})` : '';
  const declared = typeToString(typer.typeOf(conversion.source).type);
  const own = declared === conversion.from.name ? declared : `${declared} (${conversion.from.name})`;
  return `Keep the value in its own type: declare ${conversion.receiverText}${where} as ${own} instead of ${conversion.to.name}, or convert explicitly where a narrower value is really meant.`;
}
