// The message a pool's thread posts once its worker script has loaded (thread-entry.ts);
// its value is the thread's id. WorkerPool.close waits for it.

export const LOADED_NOTICE = 'patch-audit:script-loaded';

export function isLoadedNotice(message: unknown): message is { [LOADED_NOTICE]: number } {
  return typeof message === 'object' && message !== null && LOADED_NOTICE in message;
}
