// Types in words, for `patch-audit type`, tests and findings.

import { typeToString } from './ctype';
import type { Origin, Typed, TypedefStep, Typer } from './typer';
import { TIER_NAMES } from './visibility';

export interface TypeDescription {
  /** As declared: `gfn_t`. */
  declared: string;
  /** Outer typedefs looked through: `unsigned long long`. */
  resolved: string;
  /** The typedefs looked through, outermost first. */
  via: TypedefStep[];
  /** For integers: width and signedness under the run's ABI. */
  integer?: { bits: number; signed: boolean };
  /** Why the type is unknown, when it is. */
  unknownBecause?: string;
  origin?: Origin;
}

export function describeTyped(typer: Typer, typed: Typed): TypeDescription {
  const resolved = typer.resolve(typed.type);
  const integer = typer.integerInfo(typed.type);
  return {
    declared: typeToString(typed.type),
    resolved: typeToString(resolved.type),
    via: resolved.via,
    ...(integer ? { integer: { bits: integer.bits, signed: integer.signed } } : {}),
    ...(resolved.type.k === 'unknown' ? { unknownBecause: resolved.type.why } : {}),
    ...(typed.origin ? { origin: typed.origin } : {}),
  };
}

/** `gfn_t (aka u64, unsigned long long; 64-bit unsigned)`. */
export function typeInWords(d: TypeDescription): string {
  const aka = d.via.length ? ` (aka ${[...d.via.slice(1).map((v) => v.name), d.resolved].join(', ')}` : '';
  const width = d.integer ? `${d.integer.bits}-bit ${d.integer.signed ? 'signed' : 'unsigned'}` : '';
  if (d.unknownBecause) return `unknown: ${d.unknownBecause}`;
  if (aka) return `${d.declared}${aka}${width ? `; ${width}` : ''})`;
  return width ? `${d.declared} (${width})` : d.declared;
}

export function originInWords(origin: Origin): string {
  const what: Record<Origin['kind'], string> = {
    local: 'local variable',
    parameter: 'parameter',
    global: 'global variable',
    function: 'function',
    enumerator: 'enumerator',
    macro: 'macro',
    member: 'member',
    return: 'return type of',
    cast: 'cast',
    literal: 'literal',
    conversion: 'conversion',
    'builtin-macro': 'built-in typing of kernel macro',
  };
  const via = origin.via && origin.via !== TIER_NAMES[0] ? ` (from ${origin.via})` : '';
  return `${what[origin.kind]} ${origin.name}, ${origin.file}:${origin.line}${via}`;
}
