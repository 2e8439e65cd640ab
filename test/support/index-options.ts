// Index build options for tests: one job, no progress, notices dropped.

import type { IndexBuildOptions } from '../../src/types/build-index';

export function quietIndexOptions(cacheDir: string, extra: Partial<IndexBuildOptions> = {}): IndexBuildOptions {
  return { cacheDir, hintFiles: [], jobs: 1, progress: false, notice: () => {}, ...extra };
}
