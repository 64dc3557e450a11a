// SFTP over the openssh transport: `ssh -s host sftp` runs the subsystem, and
// ssh2's own SFTP client speaks over the child's stdio, so one protocol code
// (lib/sftp) drives both transports. ssh2's SFTP class is written as a
// channel of its connection: it needs a sink for its packets
// (`_protocol.channelData`), a close (`channelClose`) and the channel's
// window, which ssh keeps for us here (so ours never runs out: what is in
// flight is bounded by lib/sftp/writer.ts, not by this window).
import type { SFTPWrapper } from 'ssh2';
import { ScpipeError, abortError, isScpipeError } from '../errors';
import { guardLimits } from '../sftp/request-limits';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import { isSubsystemRefusal, type OpenSshChannel } from './openssh-transport';
import { RemoteStderr } from '../protocol/remote-stderr';
import { noSftpVersion } from '../protocol/first-reply';

// The part of ssh2's SFTP class this adapter drives (lib/protocol/SFTP.js).
interface Ssh2Sftp extends SFTPWrapper {
  push(data: Buffer | null): void;
  _init(): void;
}
type Ssh2SftpClass = new (client: unknown, chanInfo: unknown, cfg: object) => Ssh2Sftp;

function sftpClass(): Ssh2SftpClass {
  // Not in ssh2's typings, but a stable module of it since 1.0 (its Client.sftp() uses it).
  return (require('ssh2/lib/protocol/SFTP.js') as { SFTP: Ssh2SftpClass }).SFTP;
}

/**
 * Speaks SFTP over `channel` (an ssh started with `-s … sftp`) and resolves
 * once the server has sent its version (and limits). Rejects with
 * ERR_CONNECT when ssh never got a session, ERR_PROTOCOL_REFUSED when the
 * server refused the subsystem or it ended before speaking (an scp-only
 * account) or sent no version in `versionWaitMs`, or the abort error. `log` (-v) is told of limits@openssh.com
 * values not taken as stated.
 */
export function sftpOverChannel(channel: OpenSshChannel, signal: AbortSignal, versionWaitMs: number, onLine?: (escapedLine: string) => void, verbose = false, log?: (line: string) => void): Promise<SFTPWrapper> {
  const outgoing = { id: 0, state: 'open', window: Number.MAX_SAFE_INTEGER, packetSize: Number.MAX_SAFE_INTEGER };
  const client = {
    _protocol: {
      _remoteIdentRaw: undefined, // request sizes then come from limits@openssh.com, or the safe 32 KiB
      channelData: (_id: number, data: Buffer) => void channel.stdin.write(data),
      channelClose: () => channel.stdin.end(),
    },
  };
  const incoming = { id: 0, state: 'open', window: Number.MAX_SAFE_INTEGER, packetSize: Number.MAX_SAFE_INTEGER };
  const sftp = new (sftpClass())(client, { type: 'sftp', incoming, outgoing }, {});
  guardLimits(sftp, log); // a wrong limits@openssh.com reply: an ERR_PROTOCOL 'error', passed on below
  channel.stdin.on('error', () => undefined); // an ssh that exited: reported through its exit below
  channel.stdout.on('data', (chunk: Buffer) => sftp.push(chunk));
  // The end fails what is pending: once ssh's exit is known (up to 2 s), so that their errors can name its reason (whyLost).
  channel.stdout.once('end', () => {
    const bound = setTimeout(() => sftp.push(null), 2000).unref();
    void channel.exit.then(() => clearTimeout(bound));
  });
  // ssh's own lines (a changed host key under StrictHostKeyChecking=no) are
  // shown once SFTP is up; before, they may be a refusal's, which under auto
  // is no error and goes unsaid, as with the ssh2 transport.
  // Its tail (decoded across chunks: ssh may cut a UTF-8 character in two) words a refusal.
  const stderr = new RemoteStderr(channel.stderr, (line) => (shown ? onLine?.(line) : held.push(line)));
  const held: string[] = [];
  let shown = false;
  const showHeld = (): void => {
    shown = true;
    for (const line of held.splice(0)) onLine?.(line);
  };
  // ssh's last words arrive through a pipe of their own, maybe after its exit.
  const stderrDone = new Promise<void>((resolve) => channel.stderr.once('end', resolve).once('close', resolve));
  void channel.exit.then((status) => {
    outgoing.state = 'closed';
    sftp.push(null); // fails what is still pending, then 'end' (a second call does nothing)
    sftp.emit('exit', status.code);
    sftp.emit('close');
  });

  return new Promise<SFTPWrapper>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    // Once ssh asked for the subsystem, or it said its first byte, a whole
    // VERSION comes at once from any SFTP server: a forced `scp -t` (which
    // says `\0`), a subsystem that never speaks or a server that stops
    // part-way would hold the run for good (OpenSSH's sftp waits so).
    let heard = 0;
    const count = (chunk: Buffer): void => void (heard += chunk.length);
    channel.stdout.on('data', count);
    let bound: NodeJS.Timeout | undefined;
    let settled = false;
    void Promise.race([channel.spoke, channel.asked]).then(() => {
      if (settled) return;
      bound = setTimeout(() => done(noSftpVersion(versionWaitMs, heard)), versionWaitMs);
    });
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      channel.stdout.off('data', count);
      unlink();
      sftp.off('ready', onReady);
      sftp.off('error', onError);
      sftp.off('close', onClose);
      if (!err) {
        showHeld();
        return resolve(sftp);
      }
      channel.destroy();
      reject(err);
    };
    const unlink = onAbort(signal, () => done(abortError(signal)));
    const onReady = (): void => done();
    const onError = (err: Error): void => done(isScpipeError(err) ? err : new ScpipeError('ERR_PROTOCOL_REFUSED', `the sftp subsystem failed to start: ${escapeForTerminal(err.message)}`, { cause: err }));
    const onClose = (): void =>
      void Promise.all([channel.connectFailure(), stderrDone, channel.exit]).then(([failure, , status]) => {
        if (failure) return done(failure);
        // sshd discards a subsystem's stderr: every line here is ssh's own. At LogLevel ERROR
        // each is an error, the last one the cause; under -v they were all shown, and the last is chatter.
        // (A remote command's refusal is its first line instead: remote-stderr.ts said().)
        const said = stderr.last(isSubsystemRefusal) ?? (verbose ? undefined : stderr.last());
        // ssh lost its connection or was ended (by a retry's reconnect, too): no refusal, so no fallback to SCP and a retry may follow.
        if (status.code === null && !isSubsystemRefusal(said)) {
          const why = channel.whyLost() ?? said; // ssh's line of the loss never reaches `stderr`
          return done(new ScpipeError('ERR_LOST_CONNECTION', `ssh lost the connection while the sftp subsystem opened${why ? `: ${why}` : ''}`));
        }
        const how = `exit status ${status.code}`;
        done(new ScpipeError('ERR_PROTOCOL_REFUSED', `the server refused the sftp subsystem: ${said ?? `it ended before it spoke (${how})`}`));
      });
    sftp.on('ready', onReady).on('error', onError).on('close', onClose);
    sftp._init();
  });
}
