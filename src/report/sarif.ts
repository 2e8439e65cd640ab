// SARIF 2.1.0 for code-scanning services and IDE viewers.

import { resolve } from 'node:path';
import type * as Sarif from 'sarif';
import type { Finding, InputProblem, RuleInfo, ScanResult, SourceLocation } from '../model';
import { capByImportance, cappedMessage } from './sarif-limits';
import { ruleDescriptor, SARIF_LEVEL } from './sarif-rules';
import { MappedArray, prettyJsonChunks } from './json-chunks';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const SARIF_SOURCE_ROOT = '%SRCROOT%';
export const SARIF_FINGERPRINT_KEY = 'patchAudit/v1';

export interface SarifReportOptions {
  toolVersion: string;
  /** Directory the finding paths are relative to. */
  cwd: string;
  informationUri?: string;
  /** Folder (URI ending in '/') of the rule docs: each rule's helpUri is <base><id>.md. */
  helpUriBase?: string;
  /** runs[].automationDetails: code scanning keeps the runs of different categories apart. */
  category?: string;
  /** At most this many results; the most severe and most certain are kept. */
  maxResults?: number;
}

export function buildSarifLog(result: ScanResult, options: SarifReportOptions): Sarif.Log {
  return sarifLogWith(result, options, (kept, resultOf) => kept.map(resultOf));
}

/** renderSarif()'s text in pieces, each result made as it is written (json-chunks.ts). */
export function sarifLogChunks(result: ScanResult, options: SarifReportOptions): Iterable<string> {
  const log = sarifLogWith(result, options, (kept, resultOf) => new MappedArray(kept, resultOf));
  // Depth 4: the log, its runs, the run's members, and the elements of its arrays (results), one by one.
  return prettyJsonChunks(log, 4);
}

/** The log, with the run's results as `results` makes them from the findings kept. */
function sarifLogWith<R>(result: ScanResult, options: SarifReportOptions, results: (kept: Finding[], resultOf: (finding: Finding) => Sarif.Result) => R): Omit<Sarif.Log, 'runs'> & { runs: (Omit<Sarif.Run, 'results'> & { results: R })[] } {
  const ruleIndexes = ruleIndexMap(result.rules);
  const { kept, omitted } = capByImportance(result.findings, options.maxResults, (finding) => finding);
  const notifications = result.problems.map(notification);
  if (omitted > 0) notifications.push(cappedNotification(kept.length, omitted));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: sarifTool(result.rules, options),
        ...automationDetails(options),
        invocations: [{ executionSuccessful: result.problems.every((problem) => problem.analysed), toolExecutionNotifications: notifications }],
        originalUriBaseIds: { [SARIF_SOURCE_ROOT]: { uri: directoryUri(options.cwd) } },
        // The model counts columns in UTF-8 bytes; every region is converted with its line's text.
        columnKind: 'utf16CodeUnits',
        results: results(kept, (finding) => sarifResult(finding, ruleIndexes.get(finding.ruleId))),
        ...(result.shard ? { properties: { shard: { index: result.shard.index, count: result.shard.count } } } : {}),
      },
    ],
  };
}

export function renderSarif(result: ScanResult, options: SarifReportOptions): string {
  return JSON.stringify(buildSarifLog(result, options), null, 2) + '\n';
}

/** "kernel/scan" -> { id: "kernel/scan/" }: code scanning reads the category as the id up to its last '/'. */
export function automationDetails(options: { category?: string }): Pick<Sarif.Run, 'automationDetails'> {
  if (options.category === undefined || options.category === '') return {};
  const id = options.category.endsWith('/') ? options.category : `${options.category}/`;
  return { automationDetails: { id } };
}

export function cappedNotification(kept: number, omitted: number): Sarif.Notification {
  return { level: 'warning', message: { text: cappedMessage(kept, omitted) }, properties: { kind: 'results-capped', omitted } };
}

/** Index of each rule id in `rules` (its first occurrence), for results' ruleIndex. */
export function ruleIndexMap(rules: RuleInfo[]): Map<string, number> {
  const ruleIndexes = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!ruleIndexes.has(rule.id)) ruleIndexes.set(rule.id, index);
  });
  return ruleIndexes;
}

/** The run's tool: patch-audit with its version and the rules that were run. */
export function sarifTool(rules: RuleInfo[], options: SarifReportOptions): Sarif.Tool {
  return {
    driver: {
      name: 'patch-audit',
      version: options.toolVersion,
      ...(options.informationUri === undefined ? {} : { informationUri: options.informationUri }),
      rules: rules.map((rule) => ruleDescriptor(rule, options.helpUriBase)),
    },
  };
}

/** RFC 3986 URI reference for a relative path: each segment percent-encoded. */
export function relativePathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** file:// URI of a directory, always ending in '/' so relative URIs resolve inside it. */
export function directoryUri(directory: string): string {
  const uri = fileUri(resolve(directory));
  return uri.endsWith('/') ? uri : uri + '/';
}

function fileUri(absolutePath: string): string {
  return 'file://' + relativePathUri(absolutePath);
}

export function sarifResult(finding: Finding, ruleIndex: number | undefined): Sarif.Result {
  const at = (location: SourceLocation, lineText: string | undefined) => sarifLocation(location, lineText);
  const result: Sarif.Result = {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: SARIF_LEVEL[finding.severity],
    message: { text: oneLine(finding.message) },
    locations: [at(finding.location, finding.sourceLine)],
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: finding.fingerprint },
    ...gatingFields(finding),
  };
  if (finding.evidence.length > 0) {
    result.relatedLocations = finding.evidence.map((step, index) => ({
      id: index + 1,
      ...at(step.location, step.sourceLine),
      message: { text: oneLine(step.message) },
    }));
    const steps = finding.evidence.map((step) => ({ ...at(step.location, step.sourceLine), message: { text: oneLine(step.message) } }));
    const sink = { ...at(finding.location, finding.sourceLine), message: { text: oneLine(finding.message) } };
    result.codeFlows = [{ threadFlows: [{ locations: [...steps, sink].map((location) => ({ location })) }] }];
  }
  result.properties = {
    fix: finding.fix,
    confidence: finding.confidence,
    ...(finding.functionName === undefined ? {} : { function: finding.functionName }),
  };
  return result;
}

/** An inline suppression comment, and the state against a baseline (src/gating/). */
export function gatingFields(finding: Finding): Pick<Sarif.Result, 'suppressions' | 'baselineState'> {
  return {
    ...(finding.suppression ? { suppressions: [{ kind: 'inSource', justification: finding.suppression.reason }] } : {}),
    ...(finding.baselineState ? { baselineState: finding.baselineState } : {}),
  };
}

function sarifLocation(location: SourceLocation, lineText: string | undefined): Sarif.Location {
  return { physicalLocation: physicalLocation(location, lineText) };
}

/**
 * Columns are UTF-16 code units, converted from the model's byte columns with the text of
 * their line. A column whose line text is not known is left out rather than given in bytes:
 * the start column then defaults to the line's start and the end column to the end line's end.
 */
function physicalLocation(location: SourceLocation, lineText: string | undefined): Sarif.PhysicalLocation {
  const startLine = Math.max(1, location.line);
  const endLine = Math.max(startLine, location.endLine);
  const singleLine = endLine === startLine;
  const region: Sarif.Region = { startLine };
  if (lineText !== undefined) {
    region.startColumn = utf16Column(lineText, location.column);
  }
  region.endLine = endLine;
  if (lineText !== undefined && singleLine) {
    region.endColumn = Math.max(region.startColumn!, utf16Column(lineText, location.endColumn));
  }
  const physical: Sarif.PhysicalLocation = { artifactLocation: artifactLocation(location.file), region };
  if (lineText !== undefined) {
    const snippet = singleLine ? byteSlice(lineText, location.column, location.endColumn) : '';
    if (snippet !== '') region.snippet = { text: snippet };
    physical.contextRegion = { startLine, endLine: startLine, snippet: { text: lineText } };
  }
  return physical;
}

export function artifactLocation(path: string): Sarif.ArtifactLocation {
  if (path.startsWith('/')) return { uri: fileUri(path) };
  return { uri: relativePathUri(path), uriBaseId: SARIF_SOURCE_ROOT };
}

/** 1-based UTF-16 column of a 1-based UTF-8 byte column; past the end of the line, bytes count as one unit each. */
export function utf16Column(lineText: string, byteColumn: number): number {
  const bytes = Buffer.from(lineText, 'utf8');
  const byteOffset = Math.max(0, byteColumn - 1);
  const prefix = bytes.subarray(0, byteOffset).toString('utf8');
  return prefix.length + 1 + Math.max(0, byteOffset - bytes.length);
}

function byteSlice(lineText: string, startByteColumn: number, endByteColumn: number): string {
  return Buffer.from(lineText, 'utf8')
    .subarray(Math.max(0, startByteColumn - 1), Math.max(0, endByteColumn - 1))
    .toString('utf8');
}

function notification(problem: InputProblem): Sarif.Notification {
  return {
    level: problem.analysed ? 'note' : 'error',
    message: { text: oneLine(`${problem.path}: ${problem.reason}`) },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(problem.path) } }],
    properties: { kind: problem.kind, analysed: problem.analysed },
  };
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
