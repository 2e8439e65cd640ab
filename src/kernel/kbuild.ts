// Which config symbols a kernel source file is built under, and what they
// require: from its directory's Makefile (`obj-$(CONFIG_FOO) += foo.o`,
// composites `bar-y += foo.o` with `obj-$(CONFIG_BAR) += bar.o`, the parent's
// `obj-$(CONFIG_FOO) += dir/`) and the `config FOO` entries of the Kconfig
// files around it (`depends on`, unconditional `select`, enclosing `if`
// blocks), followed a couple of levels. Only the simple cases are decided;
// the rest is 'unknown'. Reads are cached for the run.

import * as fs from 'node:fs';
import * as path from 'node:path';

export type KbuildAnswer = 'yes' | 'no' | 'unknown';

export interface BuildRequirement {
  /** Is `file` built only when one of the symbols asked about is set? */
  answer: KbuildAnswer;
  /** How we know, one step each: `drivers/foo/Makefile:3 builds bar.o under CONFIG_BAR`, `CONFIG_BAR depends on CONFIG_X (drivers/foo/Kconfig:12)`. */
  steps: string[];
}

interface KconfigEntry {
  symbol: string;
  file: string;
  line: number;
  /** Symbols the entry cannot be enabled without: `depends on` conjuncts, enclosing `if` blocks and menus. */
  depends: string[];
  /** Symbols it turns on unconditionally. */
  selects: string[];
}

interface MakefileRule {
  /** The config symbol of the goal (`obj-$(CONFIG_FOO)`, `bar-$(CONFIG_FOO)`), or null for `-y`/`-objs`. */
  symbol: string | null;
  /** `obj` or a composite's name (`bar` of `bar-y`). */
  goal: string;
  line: number;
}

/** How far requirements are followed from the file's own symbols. */
const MAX_DEPTH = 2;
/** Parent directories searched for the Makefile line that enters a directory, and for Kconfig entries. */
const MAX_PARENTS = 3;

export class Kbuild {
  private readonly texts = new Map<string, string | null>();
  private readonly makefiles = new Map<string, Map<string, MakefileRule[]>>();
  private readonly kconfigs = new Map<string, Map<string, KconfigEntry>>();

  constructor(private readonly root: string, private readonly read: (absolute: string) => string | null = readOrNull) {}

  /** Does building `file` (tree-relative) require one of `symbols` (`CONFIG_FOO`)? */
  requires(file: string, symbols: readonly string[]): BuildRequirement {
    const wanted = new Set(symbols.map((s) => s.replace(/^CONFIG_/, '')));
    const steps: string[] = [];
    const symbolsOf = this.fileSymbols(file, steps);
    if (!symbolsOf) return { answer: 'unknown', steps };
    const { own, directory } = symbolsOf;
    let frontier = [...own, ...directory];
    const seen = new Set<string>();
    let complete = true;
    for (let depth = 0; depth <= MAX_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const symbol of frontier) {
        if (seen.has(symbol)) continue;
        seen.add(symbol);
        if (wanted.has(symbol)) return { answer: 'yes', steps };
        const entry = this.entry(symbol, path.posix.dirname(file));
        if (!entry) {
          // An entry not found near the file may require X from afar (an architecture's `select OF`): then nobody can say "no".
          if (complete) steps.push(`no Kconfig entry for CONFIG_${symbol} found near ${path.posix.dirname(file)}`);
          complete = false;
          continue;
        }
        const implied = [...entry.depends, ...entry.selects];
        const hit = implied.find((s) => wanted.has(s));
        if (hit) {
          steps.push(`CONFIG_${symbol} ${entry.depends.includes(hit) ? 'depends on' : 'selects'} CONFIG_${hit} (${entry.file}:${entry.line})`);
          return { answer: 'yes', steps };
        }
        next.push(...implied);
      }
      frontier = next;
    }
    if (frontier.some((symbol) => !seen.has(symbol))) {
      complete = false;
      steps.push(`what CONFIG_${frontier.find((symbol) => !seen.has(symbol))} requires is more than ${MAX_DEPTH + 1} Kconfig steps away`);
    }
    if (!complete) return { answer: 'unknown', steps };
    const read = [...own, ...directory].map((s) => `CONFIG_${s}`).join(', ');
    steps.push(`neither the Makefile lines nor the Kconfig entries${read ? ` of ${read}` : ''} require ${symbols.join(' or ')}`);
    return { answer: 'no', steps };
  }

  /**
   * The symbols `file` is built under (empty: always built with its directory),
   * or null when no Makefile line for it was found.
   */
  private fileSymbols(file: string, steps: string[]): { own: string[]; directory: string[] } | null {
    const dir = path.posix.dirname(file);
    const object = `${path.posix.basename(file).replace(/\.c$/, '')}.o`;
    const own = this.goalSymbols(dir, object, steps, 0);
    if (!own) return null;
    // The directory itself is entered from its parent's Makefile.
    const directory: string[] = [];
    let child = dir;
    for (let up = 0; up < MAX_PARENTS && child.includes('/'); up++) {
      const parent = path.posix.dirname(child);
      const entered = this.goalSymbols(parent, `${path.posix.basename(child)}/`, steps, 0);
      if (entered) {
        directory.push(...entered);
        break;
      }
      child = parent;
    }
    return { own, directory };
  }

  /** The symbols under which `dir`'s Makefile builds `object` (through composites), or null when it does not name it. */
  private goalSymbols(dir: string, object: string, steps: string[], depth: number): string[] | null {
    const rules = this.makefile(dir).get(object);
    if (!rules?.length || depth > 3) return null;
    // Several lines may build the object (per-arch, per-option): only one shared symbol is certain; take the first line's.
    const rule = rules[0];
    const symbols: string[] = [];
    const where = `${dir}/Makefile:${rule.line}`;
    if (rule.symbol) {
      symbols.push(rule.symbol);
      steps.push(`${where} builds ${object} under CONFIG_${rule.symbol}`);
    }
    if (rule.goal !== 'obj' && rule.goal !== 'lib') {
      const composite = this.goalSymbols(dir, `${rule.goal}.o`, steps, depth + 1);
      if (!composite) return null;
      symbols.push(...composite);
    } else if (!rule.symbol) {
      steps.push(`${where} always builds ${object} with its directory`);
    }
    return symbols;
  }

  private makefile(dir: string): Map<string, MakefileRule[]> {
    let rules = this.makefiles.get(dir);
    if (rules) return rules;
    rules = new Map();
    const text = this.text(`${dir}/Makefile`) ?? this.text(`${dir}/Kbuild`);
    if (text) {
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        let statement = lines[i];
        const first = i;
        while (statement.endsWith('\\') && i + 1 < lines.length) statement = statement.slice(0, -1) + ' ' + lines[++i];
        const m = /^\s*([\w.-]+?)-(\$\(CONFIG_(\w+)\)|y|objs)\s*[:+]?=\s*(.*)$/.exec(statement.replace(/#.*/, ''));
        if (!m) continue;
        const goal = m[1];
        const symbol = m[3] ?? null;
        for (const word of m[4].split(/\s+/)) {
          if (!word.endsWith('.o') && !word.endsWith('/')) continue;
          let list = rules.get(word);
          if (!list) rules.set(word, (list = []));
          list.push({ symbol, goal, line: first + 1 });
        }
      }
    }
    this.makefiles.set(dir, rules);
    return rules;
  }

  /** The `config SYMBOL` entry in the Kconfig of `dir` or of one of its parents. */
  private entry(symbol: string, dir: string): KconfigEntry | null {
    let at = dir;
    for (let up = 0; up <= MAX_PARENTS; up++) {
      const found = this.kconfig(at).get(symbol);
      if (found) return found;
      if (!at.includes('/')) break;
      at = path.posix.dirname(at);
    }
    return null;
  }

  private kconfig(dir: string): Map<string, KconfigEntry> {
    let entries = this.kconfigs.get(dir);
    if (entries) return entries;
    entries = new Map();
    const file = `${dir}/Kconfig`;
    const text = this.text(file);
    if (text) readKconfig(text, file, entries);
    this.kconfigs.set(dir, entries);
    return entries;
  }

  private text(relative: string): string | null {
    let text = this.texts.get(relative);
    if (text === undefined) {
      text = this.read(path.join(this.root, relative));
      this.texts.set(relative, text);
    }
    return text;
  }
}

/** Reads the entries of one Kconfig file (not the files it sources). */
function readKconfig(text: string, file: string, into: Map<string, KconfigEntry>): void {
  // Each open `if X` / `menu` block adds the symbols its `depends on` / condition requires.
  const blocks: string[][] = [];
  let pendingMenu: string[] | null = null;
  let current: KconfigEntry | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
    const code = line.replace(/#.*/, '').trim();
    const entry = /^(?:menu)?config\s+(\w+)/.exec(code);
    if (entry) {
      current = { symbol: entry[1], file, line: i + 1, depends: blocks.flat(), selects: [] };
      if (!into.has(entry[1])) into.set(entry[1], current);
      pendingMenu = null;
      continue;
    }
    const ifBlock = /^if\s+(.+)$/.exec(code);
    if (ifBlock) {
      blocks.push(conjuncts(ifBlock[1]));
      current = null;
      continue;
    }
    if (/^menu\b/.test(code)) {
      blocks.push((pendingMenu = []));
      current = null;
      continue;
    }
    if (/^(endif|endmenu)\b/.test(code)) {
      blocks.pop();
      current = null;
      continue;
    }
    if (/^(choice|endchoice|comment|source|mainmenu)\b/.test(code)) {
      current = null;
      pendingMenu = null;
      continue;
    }
    const depends = /^depends\s+on\s+(.+)$/.exec(code);
    if (depends) {
      if (current) current.depends.push(...conjuncts(depends[1]));
      else if (pendingMenu) pendingMenu.push(...conjuncts(depends[1]));
      continue;
    }
    const select = /^select\s+(\w+)\s*$/.exec(code);
    if (select && current) current.selects.push(select[1]);
  }
}

/** The symbols an expression requires: its `&&` conjuncts that are plain symbols (`FOO`, `FOO=y`); `||` requires none. */
function conjuncts(expression: string): string[] {
  const e = expression.trim();
  if (/\|\|/.test(stripGroups(e))) return [];
  return e
    .split('&&')
    .map((part) => part.trim().replace(/^\((.*)\)$/, '$1').trim())
    .map((part) => /^(\w+)(\s*!?=\s*[ym])?$/.exec(part))
    .filter((m): m is RegExpExecArray => !!m && !/!=/.test(m[2] ?? ''))
    .map((m) => m[1])
    .filter((s) => !/^[ymn]$/.test(s));
}

/** The expression with parenthesised groups blanked (so a `||` inside one does not count at the top). */
function stripGroups(expression: string): string {
  let out = '';
  let depth = 0;
  for (const c of expression) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function readOrNull(absolute: string): string | null {
  try {
    return fs.readFileSync(absolute, 'utf8');
  } catch {
    return null;
  }
}

/** Kbuild questions about one analysed file. */
export interface KbuildView {
  /** Is the file built only when one of `symbols` is set? */
  requires(symbols: readonly string[]): BuildRequirement;
}

/** A view of `file` (tree-relative) in the tree at `root`. */
export function kbuildViewOf(root: string, file: string): KbuildView {
  const kbuild = kbuildOf(root);
  return { requires: (symbols) => kbuild.requires(file, symbols) };
}

const perRoot = new Map<string, Kbuild>();

/** The run's Kbuild reader for a kernel tree (one per tree, reads cached). */
export function kbuildOf(root: string): Kbuild {
  let kbuild = perRoot.get(root);
  if (!kbuild) perRoot.set(root, (kbuild = new Kbuild(root)));
  return kbuild;
}
