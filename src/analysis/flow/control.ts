// Where jumps go: the states that leave by `break` and `continue` for each
// enclosing loop or switch, and the states that `goto` carries to a label.

import type { SyntaxNode } from '../../frontend/syntax-table';

/** An enclosing loop or switch: the states that jump out of it or to its next iteration. */
export interface JumpFrame<S> {
  kind: 'loop' | 'switch';
  breaks: S[];
  /** Loops only: `continue` goes to the update (for) or the condition (while, do). */
  continues: S[];
  /** Switches only: the state after the controlling expression, which every case label receives. */
  switchEntry: S | null;
  /** Switches only: a `default:` label was met, so no value skips the body. */
  hasDefault: boolean;
}

export class JumpTargets<S> {
  private readonly frames: JumpFrame<S>[] = [];

  enter(kind: 'loop' | 'switch', switchEntry: S | null = null): JumpFrame<S> {
    const frame: JumpFrame<S> = { kind, breaks: [], continues: [], switchEntry, hasDefault: false };
    this.frames.push(frame);
    return frame;
  }

  leave(): void {
    this.frames.pop();
  }

  /** `break` leaves the innermost loop or switch (none inside broken code: the state is dropped). */
  breakWith(state: S): void {
    this.frames.at(-1)?.breaks.push(state);
  }

  /** The switch a case label belongs to (the innermost one). */
  innermostSwitch(): JumpFrame<S> | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i].kind === 'switch') return this.frames[i];
    return undefined;
  }

  /** `continue` skips switches: it belongs to the innermost loop. */
  continueWith(state: S): void {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i].kind === 'loop') {
        this.frames[i].continues.push(state);
        return;
      }
    }
  }
}

/**
 * The states gotos carry, per label, one per goto statement: a goto walked
 * again (a later loop pass, a later pass over the function) replaces what it
 * carried before. A goto is backward when its label comes first in the text:
 * its state reaches the label only on the next pass over the function.
 */
export class GotoStates<S> {
  private readonly byLabel = new Map<string, Map<number, S>>();
  private readonly labelStart = new Map<string, number>();
  /** A backward goto carried a state it had not carried before during this pass. */
  backwardChanged = false;

  constructor(body: SyntaxNode) {
    for (const labeled of body.descendantsOfType('labeled_statement')) {
      const name = labelName(labeled);
      if (!this.labelStart.has(name)) this.labelStart.set(name, labeled.startIndex);
    }
  }

  get hasLabels(): boolean {
    return this.labelStart.size > 0;
  }

  record(goto: SyntaxNode, state: S, same: (a: S, b: S) => boolean): void {
    const label = labelName(goto);
    let carried = this.byLabel.get(label);
    if (!carried) this.byLabel.set(label, (carried = new Map()));
    const before = carried.get(goto.id);
    const start = this.labelStart.get(label);
    if (start !== undefined && start < goto.startIndex && (before === undefined || !same(before, state))) this.backwardChanged = true;
    carried.set(goto.id, state);
  }

  /** What arrives at a label by goto, in the gotos' text order. */
  arriving(labeled: SyntaxNode): S[] {
    const carried = this.byLabel.get(labelName(labeled));
    return carried ? [...carried.values()] : [];
  }
}

export function labelName(node: SyntaxNode): string {
  return node.childForFieldName('label')?.text ?? '';
}
