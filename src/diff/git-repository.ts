// One audit's access to its git repository: short commands that run to their
// end (listing a range, writing its patches, the files that differ from the
// working tree), all before the audit reads any file, and then one
// long-lived `git cat-file --batch` for every file read, closed at the end.
// So at most one git process is alive at any time.

import { GitObjectReader } from './git-objects';
import { GitRunner, systemGit } from './git-runner';

export class GitRepository {
  private reader: GitObjectReader | null = null;

  constructor(
    readonly root: string,
    private readonly runner: GitRunner = systemGit,
  ) {}

  /** Runs a git command to its end; its output as text. Not while the object reader is open: one process at a time. */
  run(args: readonly string[], input?: string): string {
    if (this.reader) throw new Error(`internal error: git ${args[0]} would run beside git cat-file`);
    return this.runner.run(this.root, args, input).toString('utf8');
  }

  /** The object reader, started with the first read. */
  get objects(): GitObjectReader {
    this.reader ??= new GitObjectReader(this.runner, this.root);
    return this.reader;
  }

  /** Ends the object reader, if one was started. */
  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.close();
  }
}

/** The top of the git work tree around `directory`, or null when it is not in one. */
export function gitTopLevel(directory: string, runner: GitRunner = systemGit): string | null {
  try {
    return runner.run(directory, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  } catch {
    return null;
  }
}
