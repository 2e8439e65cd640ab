// SARIF 2.1.0 for code-scanning services and IDE viewers.

import { resolve } from 'node:path';
import type * as Sarif from 'sarif';
import type { Finding, InputProblem, RuleInfo, ScanResult, Severity, SourceLocation } from '../model';
import { firstDocsParagraph } from './common';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const SARIF_SOURCE_ROOT = '%SRCROOT%';
export const SARIF_FINGERPRINT_KEY = 'patchAudit/v1';

export interface SarifReportOptions {
  toolVersion: string;
  /** Directory the finding paths are relative to. */
  cwd: string;
  informationUri?: string;
}

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

export function buildSarifLog(result: ScanResult, options: SarifReportOptions): Sarif.Log {
  const ruleIndexes = ruleIndexMap(result.rules);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: sarifTool(result.rules, options),
        invocations: [invocation(result.problems)],
        originalUriBaseIds: { [SARIF_SOURCE_ROOT]: { uri: directoryUri(options.cwd) } },
        // The model counts columns in UTF-8 bytes; regions are converted where the line text is known.
        columnKind: 'utf16CodeUnits',
        results: result.findings.map((finding) => sarifResult(finding, ruleIndexes.get(finding.ruleId))),
      },
    ],
  };
}

export function renderSarif(result: ScanResult, options: SarifReportOptions): string {
  return JSON.stringify(buildSarifLog(result, options), null, 2) + '\n';
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
      rules: rules.map(ruleDescriptor),
    },
  };
}

/** "use-after-free" -> "UseAfterFree". */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
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

export function ruleDescriptor(rule: RuleInfo): Sarif.ReportingDescriptor {
  const docs = rule.docs.trim() === '' ? rule.description : rule.docs;
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.description },
    fullDescription: { text: firstDocsParagraph(rule.docs) || rule.description },
    help: { text: docs, markdown: docs },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { category: rule.category, confidence: rule.confidence, tags: [rule.category] },
  };
}

export function sarifResult(finding: Finding, ruleIndex: number | undefined): Sarif.Result {
  const at = (location: SourceLocation) => sarifLocation(location, lineTextFor(location, finding));
  const result: Sarif.Result = {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: LEVEL[finding.severity],
    message: { text: oneLine(finding.message) },
    locations: [at(finding.location)],
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: finding.fingerprint },
    ...gatingFields(finding),
  };
  if (finding.evidence.length > 0) {
    result.relatedLocations = finding.evidence.map((step, index) => ({
      id: index + 1,
      ...at(step.location),
      message: { text: oneLine(step.message) },
    }));
    const steps = finding.evidence.map((step) => ({ ...at(step.location), message: { text: oneLine(step.message) } }));
    const sink = { ...at(finding.location), message: { text: oneLine(finding.message) } };
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

/** The finding carries the text of its own line only; other lines keep their byte columns. */
function lineTextFor(location: SourceLocation, finding: Finding): string | undefined {
  const own = finding.location;
  return location.file === own.file && location.line === own.line ? finding.sourceLine : undefined;
}

function sarifLocation(location: SourceLocation, lineText: string | undefined): Sarif.Location {
  return { physicalLocation: physicalLocation(location, lineText) };
}

function physicalLocation(location: SourceLocation, lineText: string | undefined): Sarif.PhysicalLocation {
  const startLine = Math.max(1, location.line);
  const endLine = Math.max(startLine, location.endLine);
  const singleLine = endLine === startLine;
  const column = (byteColumn: number) => (lineText === undefined ? Math.max(1, byteColumn) : utf16Column(lineText, byteColumn));
  const startColumn = column(location.column);
  const endColumn = singleLine ? Math.max(startColumn, column(location.endColumn)) : Math.max(1, location.endColumn);
  const region: Sarif.Region = { startLine, startColumn, endLine, endColumn };
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
function utf16Column(lineText: string, byteColumn: number): number {
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

function invocation(problems: InputProblem[]): Sarif.Invocation {
  return {
    executionSuccessful: problems.every((problem) => problem.analysed),
    toolExecutionNotifications: problems.map(notification),
  };
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
