// A worker script for the pool's tests that fails while it loads.

throw new Error('this worker script cannot load');

export default function never(): void {}
