// A structural check of SARIF logs, shared by the scan and diff report tests.

import assert from 'node:assert/strict';
import type * as Sarif from 'sarif';
import { SARIF_SCHEMA_URI } from '../../src/report/sarif';

/** Checks a SARIF log against the parts of the 2.1.0 schema we emit; `diff` logs may carry baselineState and run properties. */
export function assertValidSarif(log: Sarif.Log, { diff = false }: { diff?: boolean } = {}): void {
  assertKeys(log, ['$schema', 'version', 'runs'], ['version', 'runs']);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.$schema, SARIF_SCHEMA_URI);
  assert.equal(log.runs.length, 1);
  const run = log.runs[0]!;
  assertKeys(run, ['tool', 'invocations', 'originalUriBaseIds', 'columnKind', 'results', ...(diff ? ['properties'] : [])], ['tool']);
  assert.ok(run.columnKind === 'utf16CodeUnits' || run.columnKind === 'unicodeCodePoints');
  if (diff) assert.equal(typeof run.properties!['partial'], 'boolean');

  assertKeys(run.tool, ['driver'], ['driver']);
  const driver = run.tool.driver;
  assertKeys(driver, ['name', 'version', 'informationUri', 'rules'], ['name']);
  assert.match(driver.informationUri!, /^https?:\/\/\S+$/);
  const ruleIds = new Set<string>();
  for (const rule of driver.rules!) {
    assertKeys(rule, ['id', 'name', 'shortDescription', 'fullDescription', 'help', 'defaultConfiguration', 'properties'], ['id']);
    assert.ok(!ruleIds.has(rule.id), `duplicate rule ${rule.id}`);
    ruleIds.add(rule.id);
    for (const text of [rule.shortDescription!, rule.fullDescription!, rule.help!]) assertMessage(text);
    assert.ok(['none', 'note', 'warning', 'error'].includes(rule.defaultConfiguration!.level!));
    assertStringArray(rule.properties!.tags);
  }

  for (const [baseId, base] of Object.entries(run.originalUriBaseIds!)) {
    assert.match(baseId, /^%[A-Z]+%$/);
    assert.match(base.uri!, /^file:\/\/\/.*\/$/);
    assertUriReference(base.uri!);
  }

  for (const result of run.results!) {
    assertKeys(
      result,
      ['ruleId', 'ruleIndex', 'level', 'message', 'locations', 'partialFingerprints', 'relatedLocations', 'codeFlows', 'suppressions', 'baselineState', 'properties'],
      ['message'],
    );
    // A scan against a baseline carries baselineState too; a diff always does.
    if (diff || result.baselineState !== undefined) assert.ok(['new', 'unchanged', 'updated', 'absent'].includes(result.baselineState!));
    for (const suppression of result.suppressions ?? []) {
      assertKeys(suppression, ['kind', 'justification'], ['kind']);
      assert.ok(['inSource', 'external'].includes(suppression.kind));
    }
    assert.ok(Number.isInteger(result.ruleIndex) && result.ruleIndex! >= 0);
    assert.equal(driver.rules![result.ruleIndex!]!.id, result.ruleId);
    assert.ok(['none', 'note', 'warning', 'error'].includes(result.level!));
    assertMessage(result.message);
    assert.doesNotMatch(result.message.text!, /\n/);
    assert.equal(result.locations!.length, 1);
    for (const location of result.locations!) assertLocation(location, run);
    for (const value of Object.values(result.partialFingerprints!)) assert.equal(typeof value, 'string');
    const ids = (result.relatedLocations ?? []).map((location) => location.id!);
    assert.equal(new Set(ids).size, ids.length, 'related location ids are unique');
    for (const location of result.relatedLocations ?? []) {
      assert.ok(Number.isInteger(location.id) && location.id! >= 0);
      assertLocation(location, run);
    }
    for (const flow of result.codeFlows ?? []) {
      assertKeys(flow, ['threadFlows'], ['threadFlows']);
      for (const thread of flow.threadFlows) {
        assertKeys(thread, ['locations'], ['locations']);
        assert.ok(thread.locations.length > 0);
        for (const step of thread.locations) {
          assertKeys(step, ['location'], ['location']);
          assertLocation(step.location!, run);
        }
      }
    }
  }

  const invocation = run.invocations![0]!;
  assertKeys(invocation, ['executionSuccessful', 'toolExecutionNotifications'], ['executionSuccessful']);
  assert.equal(typeof invocation.executionSuccessful, 'boolean');
  for (const notification of invocation.toolExecutionNotifications!) {
    assertKeys(notification, ['level', 'message', 'locations', 'properties'], ['message']);
    assert.ok(['none', 'note', 'warning', 'error'].includes(notification.level!));
    assertMessage(notification.message);
    for (const location of notification.locations ?? []) assertLocation(location, run);
  }
}

function assertLocation(location: Sarif.Location, run: Sarif.Run): void {
  assertKeys(location, ['id', 'physicalLocation', 'message'], ['physicalLocation']);
  if (location.message) assertMessage(location.message);
  const physical = location.physicalLocation!;
  assertKeys(physical, ['artifactLocation', 'region', 'contextRegion'], ['artifactLocation']);
  const artifact = physical.artifactLocation!;
  assertKeys(artifact, ['uri', 'uriBaseId'], ['uri', 'uriBaseId']);
  assert.doesNotMatch(artifact.uri!, /^[A-Za-z][A-Za-z0-9+.-]*:|^\//, 'uri is relative');
  assertUriReference(artifact.uri!);
  assert.ok(artifact.uriBaseId! in run.originalUriBaseIds!, 'uriBaseId is declared');
  for (const region of [physical.region, physical.contextRegion]) {
    if (region === undefined) continue;
    assertKeys(region, ['startLine', 'startColumn', 'endLine', 'endColumn', 'snippet'], ['startLine']);
    for (const value of [region.startLine, region.startColumn, region.endLine, region.endColumn]) {
      if (value !== undefined) assert.ok(Number.isInteger(value) && value >= 1, `region value ${value}`);
    }
    assert.ok(region.endLine === undefined || region.endLine >= region.startLine!);
    if (region.endLine === region.startLine && region.endColumn !== undefined) {
      assert.ok(region.endColumn >= region.startColumn!);
    }
    if (region.snippet) assertKeys(region.snippet, ['text'], ['text']);
  }
}

function assertMessage(message: Sarif.Message | Sarif.MultiformatMessageString): void {
  assertKeys(message, ['text', 'markdown'], ['text']);
  assert.equal(typeof message.text, 'string');
  assert.notEqual(message.text, '');
}

function assertUriReference(uri: string): void {
  assert.match(uri, /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$/, `not an RFC 3986 URI: ${uri}`);
}

function assertStringArray(value: unknown): void {
  assert.ok(Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

function assertKeys(object: object, allowed: string[], required: string[]): void {
  const keys = Object.keys(object);
  for (const key of keys) assert.ok(allowed.includes(key), `unexpected property ${key}`);
  for (const key of required) assert.ok(keys.includes(key), `missing property ${key}`);
}
