// Git in tests reads no configuration of the user or the machine: no global
// ~/.gitconfig (a signing key, hooks, diff.noprefix, init.defaultBranch) and
// no /etc/gitconfig. Imported for its effect by every test that runs git,
// itself or through the CLI; the children inherit the environment.

export const ISOLATED_GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 't@example.org',
} as const;

Object.assign(process.env, ISOLATED_GIT_ENV);
