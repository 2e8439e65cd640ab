// The configuration file, .patch-audit.json: found from the tree root
// upwards (or named with --config), checked against schemas/config.schema.json,
// its paths made absolute from its own directory.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Confidence, Severity } from '../model';
import { GatingError } from './errors';
import { globMatcher, PathMatcher } from './globs';
import { JsonSyntaxError, LocatedJson, parseJsonWithLines, pointerSegment } from './json-lines';
import { schemaErrors } from './schema-check';

export const CONFIG_FILE_NAME = '.patch-audit.json';

export interface GatingConfig {
  /** The file, as found or given. */
  file: string;
  /** Rule ids turned off. */
  rulesOff: string[];
  /** Rule ids turned on explicitly. */
  rulesOn: string[];
  /** Absolute path -> excluded from analysis. */
  excluded: (absolutePath: string) => boolean;
  /** Absolute path -> the rule's findings there are not reported. */
  ignoredFor: (ruleId: string, absolutePath: string) => boolean;
  minConfidence?: Confidence;
  failOn?: Severity;
  /** Absolute paths. */
  knowledge: string[];
  macros: string[];
}

interface ConfigDocument {
  rules?: Record<string, 'on' | 'off'>;
  exclude?: string[];
  ignorePaths?: Record<string, string[]>;
  minConfidence?: Confidence;
  failOn?: Severity;
  knowledge?: string[];
  macros?: string[];
}

/** The first .patch-audit.json in `start` or a folder above it. */
export function findConfigFile(start: string): string | null {
  let directory = path.resolve(start);
  for (;;) {
    const candidate = path.join(directory, CONFIG_FILE_NAME);
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

/** Reads and checks a configuration file; every error names the file, the line and the key. */
export function loadConfig(file: string, knownRules: ReadonlySet<string>): GatingConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new GatingError(`${file}: cannot read the configuration file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let document: LocatedJson;
  try {
    document = parseJsonWithLines(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new GatingError(`${file}:${error.line}: not valid JSON: ${error.message}`);
    throw error;
  }
  const errors = [...schemaErrors('config', document, file), ...ruleIdErrors(document, file, knownRules)];
  if (errors.length > 0) throw new GatingError(errors.join('\n'));
  const config = document.value as ConfigDocument;
  const directory = path.dirname(path.resolve(file));
  const relative = (absolutePath: string) => relativeTo(directory, absolutePath);
  const excludeMatcher = globMatcher(config.exclude ?? []);
  const ignoreMatchers = new Map<string, PathMatcher>(Object.entries(config.ignorePaths ?? {}).map(([rule, globs]) => [rule, globMatcher(globs)]));
  const rules = Object.entries(config.rules ?? {});
  return {
    file,
    rulesOff: rules.filter(([, state]) => state === 'off').map(([id]) => id),
    rulesOn: rules.filter(([, state]) => state === 'on').map(([id]) => id),
    excluded: (absolutePath) => {
      const rel = relative(absolutePath);
      return rel !== null && excludeMatcher(rel);
    },
    ignoredFor: (ruleId, absolutePath) => {
      const matcher = ignoreMatchers.get(ruleId);
      const rel = matcher ? relative(absolutePath) : null;
      return rel !== null && matcher!(rel);
    },
    ...(config.minConfidence ? { minConfidence: config.minConfidence } : {}),
    ...(config.failOn ? { failOn: config.failOn } : {}),
    knowledge: existingFiles(config.knowledge ?? [], 'knowledge', directory, document, file),
    macros: existingFiles(config.macros ?? [], 'macros', directory, document, file),
  };
}

/** Rule ids in "rules" and "ignorePaths" must be ones the tool has. */
function ruleIdErrors(document: LocatedJson, file: string, knownRules: ReadonlySet<string>): string[] {
  const value = document.value as ConfigDocument;
  const errors: string[] = [];
  for (const key of ['rules', 'ignorePaths'] as const) {
    const members = value?.[key];
    if (typeof members !== 'object' || members === null || Array.isArray(members)) continue;
    for (const id of Object.keys(members)) {
      if (knownRules.has(id)) continue;
      const line = document.lineOf(`/${key}/${pointerSegment(id)}`);
      errors.push(`${file}:${line}: ${key}.${id}: unknown rule (known: ${[...knownRules].sort().join(', ')})`);
    }
  }
  return errors;
}

function existingFiles(entries: string[], key: string, directory: string, document: LocatedJson, file: string): string[] {
  return entries.map((entry, index) => {
    const absolute = path.resolve(directory, entry);
    if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isFile()) {
      throw new GatingError(`${file}:${document.lineOf(`/${key}/${index}`)}: ${key}[${index}]: no such file: ${absolute}`);
    }
    return absolute;
  });
}

/** '/'-separated path below `directory`, or null outside it. */
function relativeTo(directory: string, absolutePath: string): string | null {
  const rel = path.relative(directory, absolutePath);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}
