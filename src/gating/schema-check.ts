// Checks a JSON document against one of the schemas in schemas/, with ajv,
// and words each error with the file, the line and the key it is about.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { LocatedJson } from './json-lines';

/** schemas/ in the repository (this file is dist/src/gating/schema-check.js). */
const SCHEMA_DIR = path.resolve(__dirname, '../../../schemas');

export type SchemaName = 'config' | 'baseline';

const compiled = new Map<SchemaName, ValidateFunction>();

export function schemaPath(name: SchemaName): string {
  return path.join(SCHEMA_DIR, `${name}.schema.json`);
}

function validatorFor(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    // Loaded on first use: most runs have neither a configuration file nor a baseline (ajv is 11 ms to load).
    const { default: Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath(name), 'utf8')));
    compiled.set(name, validate);
  }
  return validate;
}

/** "file:line: key: message" for each way the document breaks the schema, in line order; empty when it conforms. */
export function schemaErrors(name: SchemaName, document: LocatedJson, file: string): string[] {
  const validate = validatorFor(name);
  if (validate(document.value)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? [])
    .map((error) => {
      const pointer = errorPointer(error);
      return { line: document.lineOf(pointer), text: `${file}:${document.lineOf(pointer)}: ${keyName(pointer)}: ${describe(error)}` };
    })
    .filter(({ text }) => !seen.has(text) && seen.add(text))
    .sort((a, b) => a.line - b.line)
    .map(({ text }) => text);
}

/** The member the error is about: for an unknown key, the key itself. */
function errorPointer(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    return `${error.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return error.instancePath;
}

/** "/ignorePaths/seqcount-truncation/0" -> "ignorePaths.seqcount-truncation[0]"; the root is "(top level)". */
export function keyName(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

function describe(error: ErrorObject): string {
  const got = error.data === undefined ? '' : ` (got ${JSON.stringify(error.data)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return known.length ? `unknown key (known: ${known.join(', ')})` : 'unknown key';
    }
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}${got}`;
    case 'type':
      return `must be ${article((error.params as { type: string }).type)}${got}`;
    case 'required':
      return `missing key "${(error.params as { missingProperty: string }).missingProperty}"`;
    default:
      return `${error.message ?? 'invalid'}${got}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
