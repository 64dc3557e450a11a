// ProxyCommand: the command (run by /bin/sh, as ssh does) is the connection:
// what we write goes to its stdin, what it prints is the server's side. Its
// stderr is the user's (ssh lets it through too); scpipe's secrets are not
// in its environment (util/child-env.ts).
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { childEnv } from '../util/child-env';
import { escapeForTerminal } from '../util/escape';
import { byteArgs } from './byte-argv';

/** Starts `command` and returns its stdio as one Duplex; destroying it stops the command. */
export function spawnProxyCommand(command: string, log?: (line: string) => void): Duplex {
  log?.(`executing proxy command: ${escapeForTerminal(command)}`);
  // `exec`, as ssh runs it: the command is then our child itself, so stopping
  // it stops the command, not only a shell (dash does not exec by itself).
  // A -o ProxyCommand holding bytes that are not UTF-8 goes to sh as those bytes (byte-argv.ts).
  const child = spawn(...byteArgs('/bin/sh', ['-c', `exec ${command}`]), { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv() });
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  duplex.once('close', stop);
  child.once('error', (err) => duplex.destroy(err));
  child.once('exit', (code, signal) => log?.(`proxy command exited ${signal ?? code}`));
  return duplex;
}
