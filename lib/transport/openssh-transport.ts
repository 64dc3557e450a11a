// The openssh transport: the system `ssh` binary runs the remote command and
// the SCP roles talk over the child's stdio, exactly as OpenSSH's scp does
// (docs/protocol.md §1). Everything in the user's OpenSSH set-up applies (ProxyJump,
// ControlMaster, FIDO keys, Match blocks, agents); prompts go to /dev/tty, as
// ssh does by itself, because our stdin to it is a pipe carrying the data.
//
// ssh exits 255 for its own errors, and otherwise with the remote command's
// status. A 255 before the remote sent a single byte means ssh never got a
// session (could not connect, verify the host, or authenticate): ready()
// rejects with ERR_CONNECT carrying ssh's last stderr line. Any other 255 is a
// connection lost mid-way: `exit` then reports no status, as the ssh2
// transport does when a connection drops.
import { accessSync, constants } from 'node:fs';
import type { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ScpipeError, abortError, type ScpipeErrorCode } from '../errors';
import type { ExitStatus, ScpChannel } from '../protocol/channel';
import { escapeForTerminal } from '../util/escape';
import { spawnChannel } from './child-channel';
import { onAbort } from '../util/abort';
import { whyNotStarted } from '../util/limits';
import { execRefused, isExecRefusal } from './exec-refusal';
import { HeldBack, crlfToLf, sshLossReason, withoutLossLines } from './ssh-stderr';
import { sshArgs, type OpenSshOptions } from './openssh-args';
import { unknownKeyHint } from './openssh-unknown-key';
import { otherHomeHint } from './openssh-home-hint';
import { sshEffective } from './openssh-effective';
import { knowsLogVerbose, sessionMarker } from './session-marker';

/** A ScpChannel over an ssh child process. */
export interface OpenSshChannel extends ScpChannel {
  /**
   * Resolves once the remote has sent its first byte, or ssh ended for
   * another reason than a failed connection (the role then reads the EOF and
   * the exit status itself). Rejects with ERR_CONNECT when ssh exited 255
   * before any byte arrived, or with the abort error. For commands that wait
   * for us to speak first (`scp -f`) it resolves only at their end: do not
   * wait for it there.
   */
  ready(signal?: AbortSignal): Promise<void>;
  /** Once ssh exited 255 after login: its reason for the lost connection (ssh-stderr.ts). */
  whyLost(): string | undefined;
  /** Once ssh has exited: ERR_CONNECT if it never got a session (exit 255, nothing received), unless we ended it. */
  connectFailure(): Promise<ScpipeError | undefined>;
  /** Resolves at the remote's first byte, or when ssh ended without one. */
  readonly spoke: Promise<void>;
  /** Resolves when ssh says it asked for the subsystem (OpenSSH 8.5+) or the command (-v); never where it cannot say. */
  readonly asked: Promise<void>;
}

const KEEP_STDERR = 8192;

/**
 * The code for ssh's exit 255 before a session, from its words: a login or a
 * host key that ssh refused is final (a retry after a lost connection would
 * only be refused again, minutes of backoff later), as with the ssh2 transport.
 */
export function refusalCode(text: string, last: string | undefined): ScpipeErrorCode {
  if (last === undefined) return 'ERR_CONNECT';
  if (/Permission denied \(|Too many authentication failures/.test(last)) return 'ERR_AUTH';
  if (!/^Host key verification failed\.?$/.test(last)) return 'ERR_CONNECT';
  return /IDENTIFICATION HAS CHANGED|has changed and you have requested strict checking|REVOKED HOST KEY/.test(text) ? 'ERR_HOST_KEY_CHANGED' : 'ERR_HOST_KEY_UNKNOWN';
}

/**
 * Starts `ssh ... host command` (`-s`: the subsystem `command`) and exposes it
 * as a ScpChannel. Throws ERR_CONNECT when there is no ssh to run.
 * `ownLine`: where ssh can say when it asked for the session (session-marker.ts),
 * its own lines before it (decoded as UTF-8, not escaped) go there, not to `stderr` with the remote's.
 */
export function openSshChannel(opts: OpenSshOptions, command: string, subsystem = false, ownLine?: (line: string) => void): OpenSshChannel {
  const program = opts.sshPath ?? 'ssh';
  if (!findProgram(program)) {
    throw new ScpipeError('ERR_CONNECT', `cannot run ${escapeForTerminal(program)}: not found or not executable (needed by --transport openssh)`, { host: opts.host });
  }
  // A silent subsystem or command is bounded from ssh's word that it asked
  // for it (openssh-sftp.ts, ssh-processes.ts), which also tells ssh's own lines from the remote's.
  const marked = (subsystem || ownLine !== undefined) && !opts.verbose && knowsLogVerbose(program);
  const child = spawnChannel(program, sshArgs(opts, command, subsystem, marked));
  let markAsked = (): void => undefined;
  const asked = new Promise<void>((resolve) => (markAsked = resolve));
  let said = '';
  const utf8 = new StringDecoder('utf8'); // ssh's writes may cut a UTF-8 character in two
  // stderr's tail is kept for the connect error's message: all ssh said, before any line is left out.
  const heard = (text: string): void => void (said = (said + utf8.write(Buffer.from(text, 'latin1'))).slice(-KEEP_STDERR));
  const own = marked && ownLine ? (line: string) => ownLine(Buffer.from(line, 'latin1').toString('utf8')) : undefined;
  const sshStderr = sessionMarker(() => markAsked(), own, heard);
  pipeline(child.stderr, sshStderr, () => undefined);
  const started = performance.now();

  // The role may start reading only after ssh has exited (ready() waits for
  // that when the remote sent nothing), and Node throws away a child's output
  // that nobody reads once it exits. So both outputs are moved at once into
  // streams of our own (with backpressure), which keep them for the role.
  const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
  const plain = crlfToLf();
  // ssh's line for a lost connection is said by the error (whyLost), not also as the remote's.
  const stderr = withoutLossLines(child.exit.then((s) => s.code === 255 || s.signal !== null));
  pipeline(plain, stderr, () => undefined);
  pipeline(child.stdout, stdout, () => undefined); // an error reaches the role as one on `stdout`
  // What ssh says before it has a session is held back: if it never gets
  // one, its words are the connect error's (not also the role's, which would
  // show them twice); once it has, they reach the role as they are.
  const held = opts.verbose ? undefined : new HeldBack();
  pipeline(sshStderr, held ? held.stream : plain, () => undefined);
  if (held) pipeline(held.stream, plain, () => undefined);

  const received = (): boolean => ((child.stdout as Partial<Socket>).bytesRead ?? 0) > 0 || stdout.readableLength > 0;
  // An ssh we ended (a stall, a retry, an abort) exits 255 too: no refusal of the host's.
  let ended = false;
  const failure = async (status: ExitStatus): Promise<ScpipeError | undefined> => {
    if (status.code !== 255 || received() || ended) return undefined;
    const text = escapeForTerminal(said.replace(/\r\n/g, '\n').trim(), true);
    const last = text.split('\n').map((l) => l.trim()).filter(Boolean).pop();
    if (subsystem && isSubsystemRefusal(last)) return undefined; // logged in: the server said no to the subsystem
    if (!subsystem && isExecRefusal(last)) return execRefused(command, last!.startsWith('ssh: ') ? last! : `ssh: ${last}`, opts.host, text || undefined);
    if (isSessionLoss(text)) return undefined; // logged in, then lost before the remote said a word (`scp -f` waits for us): a dropped connection
    const message = last ? withBound(last.startsWith('ssh: ') ? last : `ssh: ${last}`, opts) : silentExit(opts, performance.now() - started);
    const code = refusalCode(text, last);
    const hint = (code === 'ERR_HOST_KEY_UNKNOWN' ? unknownKeyHint(opts, await sshEffective(opts)) : '') + otherHomeHint(opts);
    return new ScpipeError(code, message + hint, { host: opts.host, exitCode: 255, remoteStderr: text || undefined });
  };

  // An ssh that never ran (fork refused) exits "127": not the remote's "scp: not found".
  const outcome = Promise.all([child.notStarted, child.exit]).then(([notStarted, s]) =>
    notStarted ? new ScpipeError('ERR_CONNECT', `cannot run ${escapeForTerminal(program)}: ${whyNotStarted(notStarted)}`, { host: opts.host, cause: notStarted }) : failure(s),
  );
  let exited: ExitStatus | undefined;
  void child.exit.then((s) => (exited = s));
  const proven = (): void => held?.release();
  child.stdout.once('data', proven);
  const spoke = new Promise<void>((resolve) => {
    child.stdout.once('data', () => resolve());
    void child.exit.then(() => resolve());
  });
  void outcome.then((f) => (f ? held?.drop() : proven()));

  return {
    stdout,
    stdin: child.stdin,
    stderr,
    // ssh's own 255 is not the remote command's status: report "none", as a
    // dropped connection. Nor is a signal that ended ssh itself (ours, when a
    // retry drops the old channels): a remote one reaches us as ssh's 255.
    exit: child.exit.then((s) => (s.code === 255 || s.signal !== null ? { code: null, signal: null } : s)),
    destroy: () => {
      if (child.destroy()) ended = true;
    },
    spoke,
    asked,
    // Known once ssh exited (its stderr is read by then): 255 after login is a lost connection.
    whyLost: () => (exited?.code === 255 ? sshLossReason(said, opts.multiplexed) : undefined),
    connectFailure: () => outcome,
    ready: (signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        const unlink = onAbort(signal, () => done(abortError(signal)));
        const done = (err?: Error): void => {
          stdout.off('readable', onReadable);
          unlink();
          if (err) reject(err);
          else resolve();
        };
        // 'readable' looks without consuming: the bytes stay for the role.
        const onReadable = (): void => {
          if (stdout.readableLength > 0) done();
        };
        stdout.on('readable', onReadable);
        void outcome.then(done);
      }),
  };
}

// ssh's timeout (`Connection timed out during banner exchange`) with the
// bound scpipe set, which the user did not: they would not know of it.
function withBound(message: string, opts: OpenSshOptions): string {
  if (opts.connectTimeout === undefined || !/timed out/i.test(message)) return message;
  return `${message} (ConnectTimeout ${opts.connectTimeout} s, the default for a reconnection)`;
}

// ssh's 255 with no word. At LogLevel ERROR, ssh does not say that the server
// stopped answering in the key exchange or the login for ServerAliveInterval ×
// ServerAliveCountMax, nor that it closed the connection (both are INFO
// lines): an exit no sooner than that bound names both.
function silentExit(opts: OpenSshOptions, ms: number): string {
  const failed = `ssh: could not connect to ${escapeForTerminal(opts.host)} (exit status 255`;
  if (opts.aliveBoundS === undefined || ms < opts.aliveBoundS * 1000) return `${failed})`;
  return `${failed} after ${Math.round(ms / 1000)} s, without a word: ssh ends so when the server does not answer the key exchange or the login for ServerAliveInterval × ServerAliveCountMax, ${opts.aliveBoundS} s, or closes the connection)`;
}

/**
 * True for ssh's line when the server refused the subsystem (no `Subsystem
 * sftp` in its sshd_config): ssh exits 255 then, as for a failed connect.
 */
export function isSubsystemRefusal(line: string | undefined): boolean {
  return line !== undefined && /subsystem request failed on channel \d+/.test(line); // OpenSSH's ssh.c, ssh_subsystem_reply()
}

// ssh's lines from its session loop (clientloop.c), said only once it had a session.
function isSessionLoss(text: string): boolean {
  return /^(Connection to \S+ closed by remote host\.?|client_loop: .+)$/m.test(text);
}

// True when `program` (a path, or a name looked up on PATH) is executable.
function findProgram(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
