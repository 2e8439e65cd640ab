// Whether the text report is coloured: --color=always|never|auto; auto colours a
// report written to a terminal, unless NO_COLOR is set, and FORCE_COLOR forces it.

import { UsageError } from './common';

export type ColorChoice = 'auto' | 'always' | 'never';

/** Commander's value of `--color [when]` / `--no-color`: true (bare --color), false, or the word. */
export function parseColorChoice(value: unknown): ColorChoice {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === true || value === 'always') return 'always';
  if (value === false || value === 'never') return 'never';
  throw new UsageError(`--color: expected auto, always or never, got '${String(value)}'`);
}

/**
 * An explicit choice wins; then FORCE_COLOR (any value but "0" or "false" turns colour on,
 * as chalk and Node read it); then NO_COLOR (set and not empty: off, per no-color.org);
 * then whether the report goes to a terminal.
 */
export function useColor(choice: ColorChoice, context: { env: NodeJS.ProcessEnv; toTerminal: boolean }): boolean {
  if (choice !== 'auto') return choice === 'always';
  const force = context.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (context.env.NO_COLOR !== undefined && context.env.NO_COLOR !== '') return false;
  return context.toTerminal;
}
