// V8 settings for the process and its worker threads; imported first by the CLI.
//
// A run is short beside V8's defaults: analysing arch/x86/kvm with two workers,
// the optimising compiler's threads spent 1.7 s of CPU on 2 cores, as much as
// the analysis itself, compiling functions that ran a few more milliseconds.
// A larger interrupt budget waits for more executed bytecode before a function
// is optimised, so only the ones that stay hot are (BENCHMARKS.md, issue 12).

import * as v8 from 'node:v8';

export const INTERRUPT_BUDGET = 500_000;

v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
