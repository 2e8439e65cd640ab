// How git is started: argument arrays, never a shell. Behind one small
// interface so that tests can count the processes an audit starts and how
// many are alive at once.

import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface GitRunner {
  /** Runs git to its end in `cwd`; its standard output. Throws (with `stderr`) when git fails. */
  run(cwd: string, args: readonly string[], input?: string): Buffer;
  /** Starts a git process that stays alive and is talked to through its pipes. */
  start(cwd: string, args: readonly string[]): ChildProcessWithoutNullStreams;
}

/** The `git` on the PATH, in `env` (default: this process's environment). */
export function createGitRunner(env: NodeJS.ProcessEnv = process.env): GitRunner {
  return {
    run(cwd, args, input) {
      return execFileSync('git', args, {
        cwd,
        env,
        maxBuffer: 1024 * 1024 * 1024,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        ...(input === undefined ? {} : { input }),
      });
    },
    start(cwd, args) {
      return spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    },
  };
}

export const systemGit: GitRunner = createGitRunner();

/** What git said on standard error when a run failed, else the error's message. */
export function gitError(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
  return stderr || (error as Error).message;
}
