// seqcount-truncation: a wide integer (a sequence count, a generation, a
// counter) passes through a narrower or differently-signed variable,
// parameter, member or return value, and is then widened again and
// compared or passed on: the round trip changes the value, so a check
// against the original fails forever (or a counter is corrupted).

import { clip, defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { callArguments, functionDefinitions } from '../src/frontend/syntax';
import {
  Conversion,
  conversionsIn,
  IntegerType,
  isConstantThatFits,
  isNarrowing,
  memberReads,
  unparenthesised,
  usesOf,
  Widening,
  wideningAt,
  withoutSign,
} from '../src/analysis/conversions';
import type { Typer } from '../src/types/typer';
import { typeToString } from '../src/types/ctype';
import type { Confidence } from '../src/model';

const WIDE_TYPE_WORDS = [
  'long', 'u64', 's64', '__u64', '__s64', 'uint64_t', 'int64_t', 'size_t', 'ssize_t', 'loff_t', 'sector_t', 'pgoff_t',
  'gfn_t', 'gpa_t', 'gva_t', 'hva_t', 'hpa_t', 'kvm_pfn_t', 'phys_addr_t', 'dma_addr_t', 'resource_size_t', 'uintptr_t',
  'time64_t', 'ktime_t', 'jiffies', 'atomic_long_t', 'atomic64_t',
];

/**
 * Words naming values that only grow and pass bit 31 in a long-lived system:
 * sequence counts, generations, cookies, epochs. Matched against the words of
 * the source value's own name (`mmu_invalidate_seq`), not against what it is
 * stored into or computed with: `config->seq_event = val` stores a register
 * setting, and `msecs_to_jiffies(100)` is a short duration.
 */
const SEQUENCE_WORDS = new Set(['seq', 'seqno', 'seqnum', 'sequence', 'gen', 'generation', 'epoch', 'serial']);
/** The jiffies counter itself (a timestamp), not a duration in jiffies. */
const JIFFIES_COUNTER = new Set(['jiffies', 'jiffies_64', 'get_jiffies_64']);
/** Counters, versions and cookies: less certain to grow past 32 bits (ethtool's `ring_cookie` is a queue index). */
const COUNTER_LIKE = /count|cnt|(^|_)nr($|_)|total|version|cookie/i;
/** Accessors whose value is that of the object they read: `atomic64_read(&kvm->seq)` is `seq`. */
const READERS = new Set(['READ_ONCE', 'atomic_read', 'atomic64_read', 'atomic_long_read', 'smp_load_acquire', 'local64_read', 'raw_read_seqcount', 'read_seqcount_begin']);

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
    fix: "Keep the value in its own type all the way: declare the variable, parameter, member or return type that receives it with the source's type (e.g. `unsigned long mmu_seq`).",
    references: [
      'https://lore.kernel.org/all/ZOaHMn9zj3RCTVbZ@google.com/ (KVM: x86/mmu: Fix an sign-extension bug with mmu_seq that hangs vCPUs)',
      'commit d5aaad6f8342 ("KVM: x86/mmu: Fix per-cpu counter corruption on 32-bit builds")',
      'commit ba6e3fe25543 ("KVM: x86/mmu: Grab mmu_invalidate_seq in kvm_faultin_pfn()")',
    ],
  },
  // A file that names no wide integer type rarely converts one; reading only those keeps whole-tree scans fast.
  requires: WIDE_TYPE_WORDS,
  needsTypes: true,
  check(context) {
    const typer = context.types;
    const longBits = typer.abi.longBits;
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      for (const conversion of conversionsIn(fn, typer)) {
        if (conversion.from.bits < longBits || !isNarrowing(conversion.from, conversion.to)) continue;
        if (isConstantThatFits(conversion, typer) || isExplicitCast(conversion.source)) continue;
        const back = widenedBack(conversion, typer, context.file.tree.rootNode);
        // A same-width sign change keeps every bit; it only matters when the value is widened again.
        if (!back && conversion.to.bits === conversion.from.bits) continue;
        const names = [conversion.source.text, conversion.receiver?.name ?? '', conversion.member?.name ?? '', back?.how ?? ''];
        const evidence = [
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
          const equalityWithSource = !!back.comparedWith && sameValue(back.comparedWith, conversion.source);
          const confidence: Confidence =
            isSequenceLike(conversion.source) || isNegativeConstant(conversion.source)
              ? 'high'
              : equalityWithSource || names.some((t) => COUNTER_LIKE.test(t))
                ? 'medium'
                : 'low';
          context.report({
            node: conversion.source,
            messageId: 'roundTrip',
            data: {
              from: conversion.from.name,
              source: quote(conversion.source),
              to: conversion.to.name,
              receiver: conversion.receiverText,
              back: back.to.name,
              bit: String(conversion.to.bits - (conversion.to.signed ? 1 : 0)),
            },
            evidence,
            confidence,
            fix: fixFor(conversion, typer),
          });
        } else {
          context.report({
            node: conversion.source,
            messageId: 'narrowing',
            data: {
              from: conversion.from.name,
              source: quote(conversion.source),
              to: conversion.to.name,
              receiver: conversion.receiverText,
              channel: conversion.channel,
            },
            evidence,
            confidence: 'low',
            fix: fixFor(conversion, typer),
          });
        }
      }
    }
  },
});

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
  return !!name && (JIFFIES_COUNTER.has(name) || name.toLowerCase().split('_').some((word) => SEQUENCE_WORDS.has(word)));
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

function isNegativeConstant(node: SyntaxNode): boolean {
  const n = unparenthesised(node);
  if (n.type === 'number_literal') return n.text.startsWith('-');
  const { operand, negated } = withoutSign(n);
  return negated && operand.type === 'number_literal';
}

function isExplicitCast(node: SyntaxNode): boolean {
  return unparenthesised(node).type === 'cast_expression';
}

function sameValue(a: SyntaxNode, b: SyntaxNode): boolean {
  const strip = (t: string) => t.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
  return strip(a.text) === strip(b.text);
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
