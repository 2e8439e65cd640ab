// Every SARIF log the tests write is checked against the official SARIF 2.1.0 schema
// (vendored in vendor/sarif/), plus the few cross-references a JSON schema cannot express.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type * as Sarif from 'sarif';
import { REPO } from './fixtures';

export const SARIF_SCHEMA_PATH = path.join(REPO, 'vendor/sarif/sarif-schema-2.1.0.json');

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  // The schema is draft-07, Ajv's default; strict mode is for schemas we write, not for this one.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  validator = ajv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA_PATH, 'utf8')) as object);
  return validator;
}

/** Schema errors of a log, one line each ("/runs/0/results/3/level: must be equal to one of the allowed values"). */
export function sarifSchemaErrors(log: unknown): string[] {
  const validate = schemaValidator();
  if (validate(log)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}

/** Parses a SARIF document and asserts it is valid; returns the log. */
export function parseValidSarif(text: string): Sarif.Log {
  const log = JSON.parse(text) as Sarif.Log;
  assertValidSarif(log);
  return log;
}

export function assertValidSarif(log: Sarif.Log): void {
  assert.deepEqual(sarifSchemaErrors(log), [], 'the log is valid against the SARIF 2.1.0 schema');
  for (const run of log.runs) assertRunReferences(run);
}

/** What the schema cannot see: indexes and base ids that must point at something in the same run. */
function assertRunReferences(run: Sarif.Run): void {
  assert.equal(run.columnKind, 'utf16CodeUnits', 'GitHub reads columns as UTF-16 code units');
  const rules = run.tool.driver.rules ?? [];
  const baseIds = new Set(Object.keys(run.originalUriBaseIds ?? {}));
  const checkLocation = (location: Sarif.Location) => {
    const physical = location.physicalLocation;
    const baseId = physical?.artifactLocation?.uriBaseId;
    if (baseId !== undefined) assert.ok(baseIds.has(baseId), `uriBaseId ${baseId} is declared`);
    for (const region of [physical?.region, physical?.contextRegion]) {
      if (region?.endLine === region?.startLine && region?.endColumn !== undefined) {
        assert.ok(region.endColumn >= (region.startColumn ?? 1), 'a region does not end before it starts');
      }
    }
  };
  for (const result of run.results ?? []) {
    if (result.ruleIndex !== undefined) assert.equal(rules[result.ruleIndex]?.id, result.ruleId, 'ruleIndex points at the rule');
    for (const location of [...(result.locations ?? []), ...(result.relatedLocations ?? [])]) checkLocation(location);
    for (const flow of result.codeFlows ?? []) {
      for (const thread of flow.threadFlows) for (const step of thread.locations) if (step.location) checkLocation(step.location);
    }
  }
  for (const invocation of run.invocations ?? []) {
    for (const notification of invocation.toolExecutionNotifications ?? []) for (const location of notification.locations ?? []) checkLocation(location);
  }
}
