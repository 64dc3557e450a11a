// A put whose target's directory is not there. The remote's "No such file"
// says only that: the user is told which directory, and how to make one
// on a host that runs nothing but scp or SFTP (no shell for mkdir).
import { posix } from 'node:path';
import { isScpipeError, withMessage } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { shellWord } from '../util/shell-word';

/**
 * `err` naming the directory of `target` and how to make it, when the remote
 * said "No such file" (`orFile`: SFTP's word for a file in the way too); else `err`.
 */
export function withMissingDirectory(err: unknown, target: string, orFile = false): unknown {
  if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) return err;
  const dir = posix.dirname(target);
  if (dir === '.') return err; // the login directory is there
  const shown = escapeForTerminal(dir);
  const what = orFile ? `the directory ${shown} is not there, or is a file` : `the directory ${shown} is not there`;
  // The library knows no user, host or port as typed: HOST is the caller's to fill
  // in (the CLI does, at `remedyAt`, from `missingDirectory`: cli/missing-directory-hint.ts).
  const before = `${err.message} (${what}; to make it: `;
  return withMessage(err, `${before}${MAKE_DIRECTORY}${hostWord(dir)})`, { missingDirectory: dir, remedyAt: before.length, cause: err });
}

/** What the hint's command says before its target (`HOST:dir`). */
export const MAKE_DIRECTORY = 'mkdir empty && scpipe cp -r empty ';

/**
 * The hint's target, `HOST:dir` as one shell word, so that the command pastes as shown (a space, a quote,
 * a control in the name: shellWord() gives the word printable on a terminal).
 */
export function hostWord(dir: string): string {
  return shellWord(`HOST:${dir}`);
}

/**
 * `cp`'s one source refused because the parent of its remote target is not
 * there: `err` as put says it. `sftpTarget` is the path SFTP was asked for
 * (undefined over SCP, whose sink names `target` as it was given).
 */
export function withMissingTargetDirectory(err: unknown, target: string, sftpTarget?: string): unknown {
  if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) return err;
  const bare = (p: string): string => p.replace(/(.)\/+$/, '$1');
  const named = sftpTarget === undefined
    ? err.remoteMessage?.startsWith(`scp: ${escapeForTerminal(target)}: `)
    : err.path !== undefined && bare(err.path) === bare(sftpTarget);
  return named ? withMissingDirectory(err, bare(sftpTarget ?? target), sftpTarget !== undefined) : err;
}
