// The options of an in-process diff audit, as the tests use it: one job, no
// extra macros or knowledge, the default size limits, lp64 on x86.

import { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PATCH_SIZE } from '../../src/commands/common';
import type { AuditOptions } from '../../src/commands/diff';

export function testAuditOptions(extra: Partial<AuditOptions> = {}): AuditOptions {
  return {
    patches: [],
    minConfidence: 'low',
    showExisting: false,
    jobs: 1,
    macros: [],
    knowledge: [],
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    maxPatchSize: DEFAULT_MAX_PATCH_SIZE,
    abi: 'lp64',
    arch: 'x86',
    index: true,
    ...extra,
  };
}
