// SSH_ASKPASS, as ssh's read_passphrase() uses it: a program that shows the
// question (its one argument) and prints the answer. ssh runs it where it
// cannot ask on a terminal and a display is set, or always under
// SSH_ASKPASS_REQUIRE=force (prefer: when a display is set); never: not at all.
import { spawn } from 'node:child_process';
import { ScpipeError } from '../errors';
import { childEnv } from '../util/child-env';
import { escapeForTerminal } from '../util/escape';

/** ssh's _PATH_SSH_ASKPASS_DEFAULT. */
const DEFAULT_ASKPASS = '/usr/bin/ssh-askpass';
/** More than any passphrase; a program that prints without end is cut off there. */
const MAX_ANSWER = 64 * 1024;

/** The askpass program to run for a question, or undefined to ask on the terminal (or not at all). */
export function askpassProgram(haveTty: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let allow = !!env.DISPLAY || !!env.WAYLAND_DISPLAY;
  let use = false;
  const require = (env.SSH_ASKPASS_REQUIRE ?? '').toLowerCase();
  if (require === 'force') use = allow = true;
  else if (require === 'prefer') use = allow;
  else if (require === 'never') allow = false;
  if (!haveTty) use = true;
  return use && allow ? env.SSH_ASKPASS || DEFAULT_ASKPASS : undefined;
}

/**
 * Runs `program question` and resolves its first output line, or null when it
 * cannot be run (`warn` says why). One that exits non-zero or is killed (the
 * user pressed Cancel) rejects with ERR_AUTH saying so: the login stops there,
 * as it does at Ctrl-C, not with a "Permission denied" that blames the key.
 * It gets no secrets of scpipe's (childEnv) and never the data on stdin.
 */
export function runAskpass(program: string, question: string, warn: (line: string) => void): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [question], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (size < MAX_ANSWER) chunks.push(chunk);
      size += chunk.length;
    });
    child.once('error', (err) => {
      warn(`cannot run SSH_ASKPASS program ${escapeForTerminal(program)}: ${escapeForTerminal(err.message)}`);
      resolve(null);
    });
    child.once('close', (code, signal) => {
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited ${code}`;
        return reject(new ScpipeError('ERR_AUTH', `cancelled (the SSH_ASKPASS program ${escapeForTerminal(program)} ${how})`));
      }
      const text = Buffer.concat(chunks).subarray(0, MAX_ANSWER).toString('utf8');
      resolve(text.split(/[\r\n]/)[0]!); // ssh keeps what comes before the first CR or LF
    });
  });
}
