// Opening the `sftp` subsystem on a new channel of an ssh2 connection, and
// telling a refusal (an rssh that allows only scp: SCP goes next under auto)
// from a lost connection (retried) and a silent forced command (a refusal).
import { performance } from 'node:perf_hooks';
import type { Client, SFTPWrapper } from 'ssh2';
import { ScpipeError, abortError, isScpipeError } from '../errors';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import { ASK_AGAIN } from '../transport/ask-again';
import { DEFAULT_START_TIMEOUT_MS, noSftpVersion } from '../protocol/first-reply';
import { guardSftpChannels } from './sftp-guard';

// ssh2's words when the subsystem request fails or its channel closes before the answer.
const SUBSYSTEM_FAILED = /^Unable to start subsystem/;


/** What the connection under the subsystem can tell (ssh2-transport.ts): none for a caller's own Client. */
export interface SubsystemLink {
  /** True when the server sent anything at or after `at`. */
  heardSince?: (at: number) => boolean;
  /** Why the connection went, when known (a keepalive timeout). */
  whyLost?: () => string | undefined;
  /** How long the subsystem may take to send its version (ConnectOptions.startTimeoutMs); default 10 s. */
  versionWaitMs?: number;
  /** True once a subsystem on this connection sent its SFTP version: no forced command takes it. */
  spokeSftp?: () => boolean;
  /** Ends the connection as a stall does, where no --stall-timeout watches the open; absent: the open waits. */
  endSilent?: (why: string) => void;
}

/**
 * Opens the subsystem and says how long that took. Rejects with
 * ERR_PROTOCOL_REFUSED (refused, ended before it spoke, or silent for
 * link.versionWaitMs while the server answers), ERR_LOST_CONNECTION, ERR_REMOTE_EXIT (the channel
 * itself refused) or the abort. `which` channel of several it is, for the log.
 */
export function openSftpSubsystem(client: Client, signal: AbortSignal, log?: (line: string) => void, link: SubsystemLink = {}, which?: string): Promise<{ session: SFTPWrapper; ms: number }> {
  const { heardSince, whyLost, spokeSftp, endSilent, versionWaitMs = DEFAULT_START_TIMEOUT_MS } = link;
  log?.(`sftp: opening the sftp subsystem${which ? ` ${which}` : ''}`);
  const asked = performance.now();
  return new Promise((resolve, reject) => {
    // A connection that goes while the subsystem opens: ssh2 either fails
    // the open as if the server had refused it (no reason code) or, while
    // it waits for the server's SFTP version, never answers. ssh2 emits
    // 'close' before either, so that is the answer, not a refusal.
    let settled = false;
    const gone = (): void => {
      if (settled) return;
      settled = true;
      unlink();
      const why = whyLost?.();
      reject(new ScpipeError('ERR_LOST_CONNECTION', `connection lost while opening the sftp subsystem${why ? `: ${why}` : ''}`, {}));
    };
    let silent: NodeJS.Timeout | undefined;
    // A server that opens the subsystem and never sends its version must
    // not hold up a signal: the session, if it ever comes, is ended below.
    const abort = onAbort(signal, () => {
      if (settled) return;
      settled = true;
      client.off('close', gone);
      clearTimeout(silent);
      reject(abortError(signal));
    });
    // Nor hold up the run: a forced command that is not sftp-server (an
    // authorized_keys command="scp -t DIR") takes the subsystem and waits.
    // Under auto this is a refusal, and SCP goes next.
    const waitForVersion = (): NodeJS.Timeout => setTimeout(() => {
      if (settled) return;
      // Not a word since the subsystem was asked for (a forced command's
      // channel opens at once): the link is silent, not the subsystem, and
      // the keepalive tells a lost connection (retried over SFTP, not SCP).
      // Nor where another session on it spoke SFTP: the server hangs (a session stopped
      // beside this one can hold sshd's next), which --stall-timeout finds, to be retried;
      // without one, the keepalive never fires on a busy link: end it now, as a stall.
      const linkSilent = heardSince !== undefined && !heardSince(asked);
      if (!linkSilent && endSilent && spokeSftp?.()) {
        const why = `the sftp subsystem sent no SFTP version in ${versionWaitMs / 1000} s while the server answered the connection's other sessions (--start-timeout)`;
        log?.(`sftp: ${why}; ending the connection`);
        endSilent(why); // its 'close' rejects the open (gone), with these words
        return;
      }
      if (linkSilent || spokeSftp?.()) {
        const heard = linkSilent ? 'no answer from the server' : 'no SFTP version, though another session on the connection spoke SFTP,';
        log?.(`sftp: ${heard} in ${versionWaitMs / 1000} s; waiting for it, or for the keepalive or --stall-timeout to give up`);
        silent = waitForVersion();
        return;
      }
      settled = true;
      client.off('close', gone);
      abort();
      reject(noSftpVersion(versionWaitMs));
    }, versionWaitMs);
    if (!settled) silent = waitForVersion();
    const unlink = (): void => {
      abort();
      clearTimeout(silent);
    };
    client.once('close', gone);
    guardSftpChannels(client, log); // a wrong limits@openssh.com reply fails the open with ERR_PROTOCOL, passed on below
    let askedAgain = 0;
    const ask = (): void => {
      try {
        client.sftp((err, sftp) => {
          const noReason = err && typeof (err as { reason?: unknown }).reason !== 'number';
          // The request failed with the connection up: perhaps closed before it
          // started (ask-again.ts). Not a subsystem that started and spoke nonsense.
          if (noReason && SUBSYSTEM_FAILED.test(err.message) && !settled && askedAgain < ASK_AGAIN) {
            askedAgain++;
            log?.(`sftp: the server did not start the subsystem (${escapeForTerminal(err.message)}); asking again on a new channel`);
            ask();
            return;
          }
          client.off('close', gone);
          unlink();
          if (settled) {
            if (!err) sftp.end();
            return;
          }
          settled = true;
          if (!err) resolve({ session: sftp, ms: performance.now() - asked });
          else if (isScpipeError(err)) reject(err);
          // A numeric reason: the channel itself was refused (MaxSessions), not the subsystem.
          else if (!noReason) reject(new ScpipeError('ERR_REMOTE_EXIT', `the server refused to open a channel: ${escapeForTerminal(err.message)}`, { cause: err }));
          else reject(new ScpipeError('ERR_PROTOCOL_REFUSED', `the server refused the sftp subsystem: ${escapeForTerminal(err.message)}`, { cause: err }));
        });
      } catch (err) {
        client.off('close', gone);
        unlink();
        settled = true;
        reject(new ScpipeError('ERR_LOST_CONNECTION', `the connection is gone: ${(err as Error).message}`, { cause: err }));
      }
    };
    ask();
  });
}
