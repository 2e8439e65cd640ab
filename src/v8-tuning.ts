// V8 settings for runs whose worker threads keep every core busy.
//
// V8 optimises hot functions on background threads. With a core to spare
// that costs no wall time, but when every core runs an analysing thread it
// competes with them: analysing arch/x86/kvm with two workers on 2 cores,
// those threads spent 1.7 s of CPU, as much as the analysis itself. A larger
// interrupt budget waits for more executed bytecode before a function is
// optimised, so only the ones that stay hot are (BENCHMARKS.md, issue 12).
// A run that analyses in one thread (diff) keeps V8's defaults.

import * as os from 'node:os';
import * as v8 from 'node:v8';

export const BUSY_CORES_INTERRUPT_BUDGET = 500_000;

/** Call before the workers start: flags set later do not reach the functions they compiled. */
export function tuneForWorkers(jobs: number): void {
  if (jobs >= os.availableParallelism()) v8.setFlagsFromString(`--interrupt-budget=${BUSY_CORES_INTERRUPT_BUDGET}`);
}
