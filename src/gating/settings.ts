// The configuration file merged with the command line: an option given on
// the command line wins; list options (knowledge, macros) add to the file's.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Confidence, Severity } from '../model';
import { findConfigFile, GatingConfig, loadConfig } from './config';
import { GatingError } from './errors';

/** How the command line asks for the configuration. */
export interface ConfigRequest {
  /** --config FILE; false for --no-config; undefined to look for .patch-audit.json. */
  config?: string | false;
  /** Options set on the command line (rules, failOn, minConfidence), which the file does not override. */
  explicit?: ReadonlySet<string>;
}

export interface RuleRunSettings {
  rules?: string[];
  failOn: Severity;
  minConfidence: Confidence;
  knowledge: string[];
  macros: string[];
}

/** The configuration for a run whose tree (or input) is at `start`: looked up from there upwards. */
export function configFor(request: ConfigRequest, start: string, knownRules: ReadonlySet<string>): GatingConfig | null {
  if (request.config === false) return null;
  if (typeof request.config === 'string') {
    if (!fs.statSync(request.config, { throwIfNoEntry: false })?.isFile()) throw new GatingError(`--config ${request.config}: no such file`);
    return loadConfig(request.config, knownRules);
  }
  const found = findConfigFile(start);
  return found ? loadConfig(found, knownRules) : null;
}

/** Where to start looking for the configuration: the tree, else the first input's folder, else the current one. */
export function configStart(tree: string | null | undefined, firstInput: string | undefined): string {
  if (tree) return tree;
  if (!firstInput || firstInput === '-') return process.cwd();
  const absolute = path.resolve(firstInput);
  return fs.statSync(absolute, { throwIfNoEntry: false })?.isDirectory() ? absolute : path.dirname(absolute);
}

export function withConfig<T extends RuleRunSettings>(settings: T, config: GatingConfig | null, explicit: ReadonlySet<string>, knownRules: readonly string[]): T {
  if (!config) return settings;
  const merged: T = {
    ...settings,
    knowledge: [...config.knowledge, ...settings.knowledge],
    macros: [...config.macros, ...settings.macros],
  };
  if (!explicit.has('failOn') && config.failOn) merged.failOn = config.failOn;
  if (!explicit.has('minConfidence') && config.minConfidence) merged.minConfidence = config.minConfidence;
  if (!explicit.has('rules') && config.rulesOff.length > 0) {
    const on = knownRules.filter((id) => !config.rulesOff.includes(id));
    if (on.length === 0) throw new GatingError(`${config.file}: every rule is turned off`);
    merged.rules = on;
  }
  return merged;
}
