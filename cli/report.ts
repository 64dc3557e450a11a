// How the CLI talks to the user on stderr: one `scpipe: ` line per error,
// escaped already where it came from the peer.
import { ScpipeError, escapeForTerminal, type RetryEvent } from '../lib';
import { escapeControls } from '../lib/internal';

/**
 * Writes `scpipe: <message>` to stderr, on one line: a control character that
 * was not escaped where the message was made (a host name from ssh_config, a
 * local error's text) is escaped here; what was escaped already is not again.
 */
export function say(message: string, multiline = false): void {
  process.stderr.write(`scpipe: ${escapeControls(message, multiline)}\n`);
}

/** A retry found the upload whole under its name (put's onFoundRenamed): the error and retry said before were not the end. */
export function sayFoundRenamed(path: string, bytes: number): void {
  say(`${escapeForTerminal(path)}: found complete under its name after reconnecting (${bytes} bytes): the rename was made and only its answer lost, so nothing was sent again`);
}

/** Where an empty input came from: a command after --, a pipe, or /dev/null on stdin. */
export type EmptyInputSource = 'command' | 'pipe' | 'devnull';

/**
 * The warning for an empty stream stored (`stored`: what is there now).
 * Usually the program feeding it failed (`pg_dump | scpipe put` without
 * pipefail), or a service ran put with no input at all.
 */
export function sayEmptyInput(stored: string, from: EmptyInputSource): void {
  const hint =
    from === 'command' ? 'the command exited 0 but wrote nothing'
    : from === 'devnull' ? 'stdin is /dev/null, as for a service given no input; to store an empty file on purpose, give --size 0'
    : 'if a program feeding the pipe failed, give it after -- and nothing is stored when it fails';
  say(`warning: the input was empty: stored ${stored} (${hint})`);
}

/** Says that `file` failed and is tried again (put's parts, get's parts). */
export function sayRetry(file: string, e: RetryEvent): void {
  const shown = escapeForTerminal(file);
  const message = (e.error as Error).message;
  // An SFTP request's failure names the file already (a part by its full remote path): once is enough.
  const head = message.slice(0, Math.max(0, message.indexOf(': ')));
  const what = head === shown || head.endsWith(`/${shown}`) ? message : `${shown}: ${message}`;
  say(`${what}; retry ${e.retry} of ${e.retries} in ${(e.delayMs / 1000).toFixed(0)} s`);
}

// The line to show for a failure.
function describeFailure(err: unknown): string {
  if (err instanceof ScpipeError) return err.message;
  const e = err as Error;
  return `internal error: ${escapeForTerminal(e?.stack ?? String(err), true)}`;
}

/**
 * Says a failure: an internal error's stack on its lines, anything else on
 * one; `framed` puts words around it (put's several targets name whose it is).
 */
export function sayFailure(err: unknown, framed: (message: string) => string = (message) => message): void {
  say(framed(describeFailure(err)), !(err instanceof ScpipeError));
}

/** Wraps a failure whose message was already shown (cp prints each item's problem). */
export class AlreadyReported {
  constructor(readonly error: unknown) {}
}
