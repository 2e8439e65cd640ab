// What a compiler's -Wconversion would see: every implicit integer
// conversion in a file, and how many of them narrow. The baseline the
// integer rules are measured against (BENCHMARKS.md), unfiltered apart from
// what GCC itself never warns about (a constant whose value fits).

import type { ParsedFile } from '../frontend/parse';
import { functionDefinitions } from '../frontend/syntax';
import type { Typer } from '../types/typer';
import { conversionsIn, isConstantThatFits, isNarrowing } from './conversions';

export interface ConversionCounts {
  /** Implicit integer conversions between two known integer types. */
  conversions: number;
  /** Of those, the ones to a narrower or differently-signed type (non-constant): the -Wconversion warnings. */
  narrowing: number;
  /** Of the narrowing ones, those whose source is at least as wide as `long`. */
  narrowingFromWide: number;
}

export function emptyConversionCounts(): ConversionCounts {
  return { conversions: 0, narrowing: 0, narrowingFromWide: 0 };
}

export function countConversions(file: ParsedFile, typer: Typer, into: ConversionCounts): void {
  for (const fn of functionDefinitions(file.tree.rootNode)) {
    for (const conversion of conversionsIn(fn, typer)) {
      into.conversions++;
      if (!isNarrowing(conversion.from, conversion.to) || isConstantThatFits(conversion, typer)) continue;
      into.narrowing++;
      if (conversion.from.bits >= typer.abi.longBits) into.narrowingFromWide++;
    }
  }
}
