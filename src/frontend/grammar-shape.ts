// What the C grammar says about the shape of its trees, so that the copy into
// the flat table (tree-copy.ts) can leave out native calls whose answer is
// known: a token never has children; a child whose type can fill only one
// field of its parent's type is in that field; an anonymous token written as a
// string in the grammar is exactly that string long; a node ends where its last
// visible child does unless its rule ends with a hidden token. Each native call
// of the copy costs about 60 ns, and a scan made five per node.
//
// Everything here is read from the grammar package's own files (parser.c,
// node-types.json, grammar.json); what cannot be read is answered "ask", so a
// missing or unexpected file costs speed, never correctness.

import * as fs from 'node:fs';
import * as path from 'node:path';
import C = require('tree-sitter-c');

/**
 * Symbols below this id are the grammar's tokens (tree-sitter numbers tokens
 * first), which are leaves. Read from the generated parser's TOKEN_COUNT; 0
 * (no symbol known to be a leaf) when it cannot be read. The grammar aliases
 * no rule (its non-terminal alias map is empty), so a token id never names a
 * node with children.
 */
export const TOKEN_SYMBOLS = tokenCount();

interface NodeTypeInfo {
  type: string;
  named: boolean;
  subtypes?: { type: string; named: boolean }[];
  fields?: Record<string, { types: { type: string; named: boolean }[] }>;
  children?: { types: { type: string; named: boolean }[] };
}

const nodeTypeInfo: NodeTypeInfo[] = (C as unknown as { nodeTypeInfo?: NodeTypeInfo[] }).nodeTypeInfo ?? [];

/** A child that is never in a field of its parent. */
export const NO_FIELD = null;
/** Tree-sitter has to be asked. */
export const ASK = undefined;

/**
 * The field a child of type `child` fills in a parent of type `parent`, as far as
 * node-types.json tells: NO_FIELD when the child type is listed in no field of the
 * parent's type, the field's name when it is listed in exactly one field and not as
 * an unfielded child, ASK otherwise (two fields can hold it, as `left` and `right`,
 * or the parent is an ERROR, which has no production, or a type node-types.json does
 * not describe). node-types.json lists every production's children after hidden rules
 * are inlined and supertypes named, so a child elsewhere would be listed elsewhere.
 * An ERROR child is always asked about; extras (comments) are listed in no field.
 */
export function fieldOfChild(parent: string, parentNamed: boolean, child: string, childNamed: boolean): string | null | undefined {
  if (child === 'ERROR' && childNamed) return ASK;
  const slots = childSlots().get(typeKey(parent, parentNamed));
  if (!slots) return ASK;
  const fields = slots.get(typeKey(child, childNamed));
  if (!fields) return NO_FIELD;
  if (fields.size === 1) {
    const [only] = fields;
    if (only !== '') return only;
  }
  return [...fields].every((field) => field === '') ? NO_FIELD : ASK;
}

/** For each parent type, each child type it may hold and in which fields ('' for an unfielded child). */
let slotsByParent: Map<string, Map<string, Set<string>>> | null = null;

function childSlots(): Map<string, Map<string, Set<string>>> {
  if (slotsByParent) return slotsByParent;
  const subtypes = new Map(nodeTypeInfo.filter((info) => info.subtypes).map((info) => [typeKey(info.type, info.named), info.subtypes!]));
  const expand = (type: { type: string; named: boolean }, into: Set<string>): Set<string> => {
    const key = typeKey(type.type, type.named);
    const members = subtypes.get(key);
    if (members) for (const member of members) expand(member, into);
    else into.add(key);
    return into;
  };
  slotsByParent = new Map();
  for (const info of nodeTypeInfo) {
    if (!info.named) continue;
    const slots = new Map<string, Set<string>>();
    const add = (types: { type: string; named: boolean }[], field: string): void => {
      for (const type of types) {
        for (const key of expand(type, new Set())) {
          const fields = slots.get(key) ?? new Set<string>();
          fields.add(field);
          slots.set(key, fields);
        }
      }
    };
    for (const [field, spec] of Object.entries(info.fields ?? {})) add(spec.types, field);
    add(info.children?.types ?? [], '');
    slotsByParent.set(typeKey(info.type, true), slots);
  }
  return slotsByParent;
}

function typeKey(type: string, named: boolean): string {
  return `${named ? 'N' : 'A'}${type}`;
}

interface GrammarRule {
  type: string;
  value?: string;
  name?: string;
  named?: boolean;
  content?: GrammarRule;
  members?: GrammarRule[];
}

/** What the grammar says of the text of its tokens. */
export interface TokenTexts {
  /** Anonymous types whose text is always their name: string tokens without blanks, never produced by an alias of something else. */
  strings: ReadonlySet<string>;
  /** Named types lexed by the identifier rule (identifier and its aliases): the longest run of word characters. */
  identifiers: ReadonlySet<string>;
  /** Named token rules that are a choice of words (primitive_type), with their words. */
  keywords: ReadonlyMap<string, ReadonlySet<string>>;
  /** Types that alias a token, so their nodes are leaves whatever their symbol id. */
  aliasedTokens: ReadonlySet<string>;
}

interface GrammarShapes {
  texts: TokenTexts;
  endsPastLastChild: ReadonlySet<string> | null;
  /** For each node type, the child types it may hold and those that a visible sibling may follow. */
  children: Map<string, { held: Set<string>; followed: Set<string> }> | null;
}

/** tree-sitter-c's identifier rule; another pattern would have to be read again before its tokens' ends are inferred. */
const IDENTIFIER_PATTERN = '(\\p{XID_Start}|\\$|_|\\\\u[0-9A-Fa-f]{4}|\\\\U[0-9A-Fa-f]{8})(\\p{XID_Continue}|\\$|\\\\u[0-9A-Fa-f]{4}|\\\\U[0-9A-Fa-f]{8})*';

let grammarShapes: GrammarShapes | null = null;

/** The token text knowledge of the grammar (all empty when grammar.json cannot be read). */
export function tokenTexts(): TokenTexts {
  return (grammarShapes ??= readGrammarShapes()).texts;
}

/**
 * Named types that may end after their last visible child: rules holding a hidden
 * token (tree-sitter-c's directives end with a hidden newline). null when the grammar
 * could not be read or a hidden token sits in a hidden or aliased rule, whose users
 * would have to be followed: then every end is asked.
 */
export function typesEndingPastLastChild(): ReadonlySet<string> | null {
  return (grammarShapes ??= readGrammarShapes()).endsPastLastChild;
}

const TOKEN_RULES = new Set(['STRING', 'PATTERN', 'TOKEN', 'IMMEDIATE_TOKEN']);
const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readGrammarShapes(): GrammarShapes {
  let grammar: { rules: Record<string, GrammarRule> };
  try {
    grammar = JSON.parse(fs.readFileSync(path.join(grammarSourceDir(), 'grammar.json'), 'utf8'));
  } catch {
    return { texts: { strings: new Set(), identifiers: new Set(), keywords: new Map(), aliasedTokens: new Set() }, endsPastLastChild: null, children: null };
  }
  const rules = grammar.rules;
  const isTokenRule = (name: string): boolean => rules[name] !== undefined && TOKEN_RULES.has(unwrapPrecedence(rules[name]).type);
  const strings = new Set<string>();
  /** Names given by an alias, with what they alias: a token's text, or something else. */
  const aliasOfToken = new Set<string>();
  const aliasOfOther = new Set<string>();
  /** Alias names given to word tokens, with the words; and those given to other tokens too. */
  const aliasWords = new Map<string, Set<string>>();
  const aliasOfOtherToken = new Set<string>();
  const aliasOfIdentifier = new Set<string>();
  const aliasedAnonymous = new Set<string>();
  const withHiddenToken = new Set<string>();
  const visit = (rule: GrammarRule, owner: string, insideToken: boolean): void => {
    switch (rule.type) {
      case 'STRING':
        if (!insideToken) strings.add(rule.value!);
        return;
      case 'PATTERN':
        // An unaliased pattern outside a token rule is a hidden anonymous token.
        if (!insideToken) withHiddenToken.add(owner);
        return;
      case 'TOKEN':
      case 'IMMEDIATE_TOKEN': {
        const inner = unwrapPrecedence(rule.content!);
        if (inner.type === 'STRING') strings.add(inner.value!);
        else if (!insideToken) withHiddenToken.add(owner);
        return;
      }
      case 'ALIAS': {
        const inner = unwrapPrecedence(rule.content!);
        const choices = inner.type === 'CHOICE' ? inner.members!.map(unwrapPrecedence) : [inner];
        // alias(choice('int', 'char'), $.primitive_type) aliases each string token.
        const ofStrings = choices.every((choice) => choice.type === 'STRING');
        const ofToken = ofStrings || TOKEN_RULES.has(inner.type) || (inner.type === 'SYMBOL' && isTokenRule(inner.name!));
        (ofToken ? aliasOfToken : aliasOfOther).add(rule.value!);
        if (ofStrings && choices.every((choice) => WORD.test(choice.value!))) {
          const words = aliasWords.get(rule.value!) ?? new Set<string>();
          for (const choice of choices) words.add(choice.value!);
          aliasWords.set(rule.value!, words);
        } else if (ofToken) {
          aliasOfOtherToken.add(rule.value!);
        }
        if (inner.type === 'SYMBOL' && inner.name === 'identifier' && rule.named) aliasOfIdentifier.add(rule.value!);
        if (!rule.named && (inner.type !== 'STRING' || inner.value !== rule.value)) aliasedAnonymous.add(rule.value!);
        // An aliased token is a visible node, whatever it matches.
        if (ofToken) return;
        visit(rule.content!, rule.named ? rule.value! : owner, insideToken);
        return;
      }
      default:
        if (rule.content) visit(rule.content, owner, insideToken);
        for (const member of rule.members ?? []) visit(member, owner, insideToken);
    }
  };
  for (const [name, rule] of Object.entries(rules)) visit(rule, name, isTokenRule(name));

  // A name that is both a leaf somewhere and something else is left to the walk's questions.
  const ruleNames = new Set(Object.keys(rules));
  const onlyLeaf = (name: string): boolean => !aliasOfOther.has(name) && !(ruleNames.has(name) && !isTokenRule(name));
  const identifiers = new Set<string>();
  if (rules.identifier?.type === 'PATTERN' && rules.identifier.value === IDENTIFIER_PATTERN) {
    for (const name of ['identifier', ...aliasOfIdentifier]) if (onlyLeaf(name) && (name === 'identifier' || !ruleNames.has(name))) identifiers.add(name);
  }
  const keywords = new Map<string, ReadonlySet<string>>();
  for (const name of new Set([...Object.keys(rules), ...aliasWords.keys()])) {
    if (name.startsWith('_') || aliasOfOther.has(name) || aliasOfOtherToken.has(name)) continue;
    const ruleWords = rules[name] ? wordsOf(rules[name]) : new Set<string>();
    if (!ruleWords || (ruleWords.size === 0 && !aliasWords.has(name))) continue;
    keywords.set(name, new Set([...ruleWords, ...(aliasWords.get(name) ?? [])]));
  }
  const texts: TokenTexts = {
    // A string with a blank ('\n' in directives) can take in the blanks after it: tree-sitter-c's '\n' node may be "\n\n".
    strings: new Set([...strings].filter((name) => !aliasedAnonymous.has(name) && !aliasOfOther.has(name) && !/\s/.test(name))),
    identifiers,
    keywords,
    aliasedTokens: new Set([...aliasOfToken].filter(onlyLeaf)),
  };
  const hiddenOwners = [...withHiddenToken];
  const aliasedAway = namesAliasedAway(rules);
  const endsPastLastChild = hiddenOwners.some((name) => name.startsWith('_') || aliasedAway.has(name)) ? null : new Set(hiddenOwners);
  return { texts, endsPastLastChild, children: childOrder(grammar as { rules: Record<string, GrammarRule>; inline?: string[] }) };
}

/**
 * Whether a child of type `child` is always the last visible child of a `parent` node, in a
 * subtree without errors: the grammar never lets a visible node follow it inside the parent.
 * Extras (comments) never end a node, as tree-sitter moves trailing extras out of a node it
 * reduces, unless a hidden token comes after them: never for the rules that end with one.
 */
export function alwaysLastChild(parent: string, parentNamed: boolean, child: string, childNamed: boolean): boolean {
  const shapes = (grammarShapes ??= readGrammarShapes());
  if (!parentNamed || shapes.endsPastLastChild === null || shapes.endsPastLastChild.has(parent)) return false;
  const children = shapes.children?.get(typeKey(parent, parentNamed));
  const key = typeKey(child, childNamed);
  return children !== undefined && children.held.has(key) && !children.followed.has(key);
}

/** For each visible rule (under each name it is aliased to), which child types it holds and which may be followed. */
function childOrder(grammar: { rules: Record<string, GrammarRule>; inline?: string[] }): Map<string, { held: Set<string>; followed: Set<string> }> {
  const rules = grammar.rules;
  const inline = new Set(grammar.inline ?? []);
  const hidden = (name: string): boolean => name.startsWith('_') || inline.has(name);
  const tokenRule = (rule: GrammarRule): boolean => TOKEN_RULES.has(unwrapPrecedence(rule).type);
  /** Whether a rule may produce a visible node (true when unsure, so that fewer children count as last). */
  const visible = (rule: GrammarRule, seen: Set<string>): boolean => {
    switch (rule.type) {
      case 'STRING':
      case 'ALIAS':
        return true;
      case 'PATTERN':
      case 'BLANK':
        return false;
      case 'TOKEN':
      case 'IMMEDIATE_TOKEN':
        return unwrapPrecedence(rule.content!).type === 'STRING';
      case 'SYMBOL': {
        const target = rules[rule.name!];
        if (!target || !hidden(rule.name!)) return true;
        if (tokenRule(target)) return unwrapPrecedence(target).type === 'STRING';
        if (seen.has(rule.name!)) return true;
        // `seen` grows and shrinks with the recursion (a copy per step was most of the shapes' cost).
        seen.add(rule.name!);
        const result = visible(target, seen);
        seen.delete(rule.name!);
        return result;
      }
      default:
        return (rule.content !== undefined && visible(rule.content, seen)) || (rule.members ?? []).some((member) => visible(member, seen));
    }
  };
  const analyse = (rule: GrammarRule, followed: boolean, into: { held: Set<string>; followed: Set<string> }, seen: Set<string>): void => {
    const hold = (key: string): void => {
      into.held.add(key);
      if (followed) into.followed.add(key);
    };
    switch (rule.type) {
      case 'STRING':
        hold(typeKey(rule.value!, false));
        return;
      case 'TOKEN':
      case 'IMMEDIATE_TOKEN': {
        const inner = unwrapPrecedence(rule.content!);
        if (inner.type === 'STRING') hold(typeKey(inner.value!, false));
        return;
      }
      case 'ALIAS':
        hold(typeKey(rule.value!, rule.named!));
        return;
      case 'SYMBOL': {
        const name = rule.name!;
        const target = rules[name];
        if (!target || !hidden(name)) {
          hold(typeKey(name, true));
        } else if (tokenRule(target)) {
          if (unwrapPrecedence(target).type === 'STRING') hold(typeKey(unwrapPrecedence(target).value!, false));
        } else if (seen.has(name)) {
          // A hidden rule within itself: whatever it holds may be followed.
          analyse(target, true, into, seen);
        } else {
          seen.add(name);
          analyse(target, followed, into, seen);
          seen.delete(name);
        }
        return;
      }
      case 'SEQ': {
        const members = rule.members!;
        let after = followed;
        for (let i = members.length - 1; i >= 0; i--) {
          analyse(members[i], after, into, seen);
          after = after || visible(members[i], new Set());
        }
        return;
      }
      case 'REPEAT':
      case 'REPEAT1':
        analyse(rule.content!, followed || visible(rule.content!, new Set()), into, seen);
        return;
      default:
        if (rule.content) analyse(rule.content, followed, into, seen);
        for (const member of rule.members ?? []) analyse(member, followed, into, seen);
    }
  };
  const byType = new Map<string, { held: Set<string>; followed: Set<string> }>();
  const addRule = (typeName: string, named: boolean, ruleName: string): void => {
    const key = typeKey(typeName, named);
    const entry = byType.get(key) ?? { held: new Set<string>(), followed: new Set<string>() };
    analyse(rules[ruleName], false, entry, new Set([ruleName]));
    byType.set(key, entry);
  };
  for (const [name, rule] of Object.entries(rules)) {
    if (!hidden(name) && !tokenRule(rule)) addRule(name, true, name);
  }
  const aliasesOfRules = (rule: GrammarRule): void => {
    if (rule.type === 'ALIAS' && rule.content?.type === 'SYMBOL' && rules[rule.content.name!] && !tokenRule(rules[rule.content.name!])) {
      addRule(rule.value!, rule.named!, rule.content.name!);
    }
    if (rule.content) aliasesOfRules(rule.content);
    for (const member of rule.members ?? []) aliasesOfRules(member);
  };
  for (const rule of Object.values(rules)) aliasesOfRules(rule);
  return byType;
}

/** The words of a token rule that is a word or a choice of words; undefined for any other rule. */
function wordsOf(rule: GrammarRule): ReadonlySet<string> | undefined {
  if (rule.type !== 'TOKEN' && rule.type !== 'IMMEDIATE_TOKEN') return undefined;
  const inner = unwrapPrecedence(rule.content!);
  const members = inner.type === 'CHOICE' ? inner.members!.map(unwrapPrecedence) : [inner];
  if (!members.every((member) => member.type === 'STRING' && WORD.test(member.value!))) return undefined;
  return new Set(members.map((member) => member.value!));
}

function unwrapPrecedence(rule: GrammarRule): GrammarRule {
  let at = rule;
  while (at.type.startsWith('PREC') && at.content) at = at.content;
  return at;
}

/** The rule names that some rule aliases to another name (their nodes would carry that name), in one walk of the grammar. */
function namesAliasedAway(rules: Record<string, GrammarRule>): Set<string> {
  const aliased = new Set<string>();
  const visit = (rule: GrammarRule): void => {
    if (rule.type === 'ALIAS' && rule.content?.type === 'SYMBOL' && rule.value !== rule.content.name) aliased.add(rule.content.name!);
    if (rule.content !== undefined) visit(rule.content);
    for (const member of rule.members ?? []) visit(member);
  };
  for (const rule of Object.values(rules)) visit(rule);
  return aliased;
}

function grammarSourceDir(): string {
  return path.join(path.dirname(require.resolve('tree-sitter-c')), '../../src');
}

function tokenCount(): number {
  try {
    const parserSource = path.join(grammarSourceDir(), 'parser.c');
    const head = Buffer.alloc(4096);
    const fd = fs.openSync(parserSource, 'r');
    let read: number;
    try {
      read = fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    const text = head.subarray(0, read).toString('latin1');
    const tokens = /^#define TOKEN_COUNT (\d+)$/m.exec(text);
    const aliases = /^#define ALIAS_COUNT (\d+)$/m.exec(text);
    // Only a grammar whose aliases are of tokens: checked by the syntax-table test, which compares every node.
    return tokens && aliases ? Number(tokens[1]) : 0;
  } catch {
    return 0;
  }
}
