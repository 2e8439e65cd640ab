// The command-line walk the in-process CPU benches share: each argument in
// turn, with a way to take the value that follows a flag.

/** Calls `on` with each argument; `value()` takes the next argument as this one's value, or fails naming the flag. */
export function eachArgument(argv: readonly string[], on: (argument: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    on(flag, () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    });
  }
}
