// A remote command on an open ssh2 connection, as the ScpChannel the
// protocol roles drive: its exit status (a signal's name checked, it is the
// server's text), a lost connection told apart from a refusal.
import { performance } from 'node:perf_hooks';
import type { Client, ClientChannel } from 'ssh2';
import { ScpipeError, abortError } from '../errors';
import { onAbort } from '../util/abort';
import type { ExitStatus, ScpChannel } from '../protocol/channel';
import { escapeForTerminal, peerText } from '../util/escape';
import { hasMarks, toBytes } from '../util/byte-text';
import { RECEIVE_WINDOW, widenReceiveWindow, type SharedWindow } from './ssh2-window';
import { ASK_AGAIN, watchConnection } from './ask-again';

const sharedWindows = new WeakMap<Client, SharedWindow>();
function sharedWindowOf(client: Client): SharedWindow {
  let shared = sharedWindows.get(client);
  if (!shared) sharedWindows.set(client, (shared = { channels: 0 }));
  return shared;
}

/** How the error begins when the server fails every exec request (protocol-choice.ts reads it). */
export const WOULD_NOT_RUN = 'the server would not run the command';

/** Starts `command` on an open connection as a ScpChannel. */
export function execChannel(
  client: Client,
  command: string,
  log?: (line: string) => void,
  env?: Record<string, string>,
  whyLost?: () => string | undefined,
  signal?: AbortSignal,
): Promise<ScpChannel> {
  log?.(`exec: ${escapeForTerminal(command)}`);
  const asked = performance.now();
  return new Promise<ScpChannel>((resolve, reject) => {
    // A server that never answers the channel open or the exec request must
    // not hold up a signal: a channel that comes after it is closed.
    let settled = false;
    let askedAgain = 0;
    const conn = watchConnection(client);
    const unlink = onAbort(signal, () => {
      settled = true;
      conn.stop();
      reject(abortError(signal));
    });
    const started = (err: (Error & { reason?: unknown }) | undefined, stream: ClientChannel): void => {
      // No reason, connection up: the server failed or closed the channel before the command ran (ask-again.ts).
      if (err && !settled && typeof err.reason !== 'number' && conn.up() && askedAgain < ASK_AGAIN) {
        askedAgain++;
        log?.(`exec: the server did not run the command (${peerText(err.message)}); asking again on a new channel`);
        exec();
        return;
      }
      unlink();
      conn.stop();
      if (settled) {
        if (!err) stream.close();
        return;
      }
      settled = true;
      if (err) {
        // A numeric reason is the server's refusal (MaxSessions, policy);
        // without one, the connection went away before the channel opened,
        // or it stayed up and the server would not run the command.
        if (typeof err.reason === 'number') reject(new ScpipeError('ERR_REMOTE_EXIT', `the server refused to run the command: ${peerText(err.message)}`, { cause: err }));
        else if (!conn.up()) reject(lostBeforeOpen(err, whyLost?.()));
        else reject(new ScpipeError('ERR_REMOTE_EXIT', `${WOULD_NOT_RUN}, asked ${ASK_AGAIN + 1} times: ${peerText(err.message)}`, { cause: err }));
        return;
      }
      // Downloads at long round trips (ssh2-window.ts). The open and the exec
      // request were two round trips: half their time bounds one. The
      // connection's channels share one budget.
      widenReceiveWindow(stream, RECEIVE_WINDOW, (performance.now() - asked) / 2, sharedWindowOf(client));
      resolve(wrapChannel(stream, whyLost));
    };
    const exec = (): void => {
      try {
        // SendEnv/SetEnv: sent before the command; the server's AcceptEnv decides.
        client.exec(execCommand(command), env ? { pty: false, env } : { pty: false }, started);
      } catch (err) {
        unlink();
        conn.stop();
        settled = true;
        reject(lostBeforeOpen(err as Error, whyLost?.())); // ssh2: 'Not connected'
      }
    };
    exec();
  });
}

// ssh2's words ("No response from server") only where the transport knows no better (a keepalive timeout).
function lostBeforeOpen(err: Error, why?: string): ScpipeError {
  return new ScpipeError('ERR_LOST_CONNECTION', `connection lost before the command started: ${why ?? peerText(err.message)}`, { cause: err });
}

// A command naming a path that is not UTF-8 goes as its bytes (util/byte-text.ts): ssh2 sends a Buffer as it is, a string as UTF-8.
function execCommand(command: string): string {
  return hasMarks(command) ? (toBytes(command) as unknown as string) : command;
}

// An exit-signal's name is the server's text (ssh2 only puts SIG before it):
// a name as RFC 4254 has them passes, anything else is escaped and cut.
function signalName(signal: string): string {
  return /^SIG[A-Za-z0-9@._+-]{1,40}$/.test(signal) ? signal : peerText(signal, 40);
}

function wrapChannel(stream: ClientChannel, whyLost?: () => string | undefined): ScpChannel {
  let status: ExitStatus = { code: null, signal: null };
  stream.on('exit', (code: number | null, signal?: string) => {
    status = { code: typeof code === 'number' ? code : null, signal: signal === undefined ? null : signalName(signal) };
  });
  const exit = new Promise<ExitStatus>((resolve) => stream.once('close', () => resolve(status)));
  stream.on('error', () => undefined); // surfaces as EOF to the roles
  return {
    stdout: stream,
    stdin: stream,
    stderr: stream.stderr,
    exit,
    destroy: () => {
      stream.close();
    },
    whyLost,
  };
}
