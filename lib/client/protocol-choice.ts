// --protocol auto|scp|sftp. `auto` opens the sftp subsystem: where it opens,
// the transfer goes over SFTP (one pass, no spool); where the server refuses
// it or it ends before it speaks (an scp-only rssh), over SCP, on the same
// connection: the cost is the one round trip of the refusal.
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import { SftpSession } from '../sftp/session';
import type { ChannelOpener } from './connection';
import { WOULD_NOT_RUN } from '../transport/ssh2-exec';
import type { RemoteCommandOptions } from '../protocol/command';

/** Which protocol a transfer uses. */
export type Protocol = 'auto' | 'scp' | 'sftp';
export const PROTOCOLS: readonly Protocol[] = ['auto', 'scp', 'sftp'];

/** ERR_USAGE unless `protocol` is one of PROTOCOLS, where given: unchecked, a JavaScript caller's 'SFTP' went as auto. */
export function checkProtocol(protocol: unknown): void {
  if (protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(protocol)) {
    throw new ScpipeError('ERR_USAGE', `bad protocol ${JSON.stringify(String(protocol))}: give ${PROTOCOLS.join(', ')}`);
  }
}

/** The SFTP session to use, or why not (SCP). */
export type Choice = { session: SftpSession; ms: number } | { reason?: string };

/** Opens SFTP unless told `scp`; under `auto` a refusal means SCP. */
export async function chooseProtocol(
  opener: ChannelOpener, protocol: Protocol, signal: AbortSignal | undefined, log?: (line: string) => void, chosen?: (p: 'scp' | 'sftp') => void,
): Promise<Choice> {
  if (protocol === 'scp') {
    log?.('protocol: scp (--protocol scp)');
    chosen?.('scp');
    return {};
  }
  try {
    const { session, ms, whyLost, stall } = await opener.sftp(signal ?? new AbortController().signal);
    log?.(`protocol: sftp (${protocol === 'sftp' ? '--protocol sftp' : 'the sftp subsystem opened'})`);
    chosen?.('sftp');
    return { session: new SftpSession(session, 'sftp', whyLost ?? opener.whyLost, stall), ms };
  } catch (err) {
    if (!isScpipeError(err, 'ERR_PROTOCOL_REFUSED')) throw err;
    if (protocol === 'sftp') {
      throw withMessage(err, `${err.message}; this host may allow only scp: try --protocol scp (or auto)`, { cause: err });
    }
    log?.(`protocol: scp (${err.message})`);
    chosen?.('scp');
    return { reason: err.message };
  }
}

// OpenSSH's internal-sftp refusing a command (session.c).
const SFTP_ONLY = 'This service allows sftp connections only.';

/** An SCP failure on an sftp-only host, said as such, with `advice`. */
export function scpRefusalHint(err: unknown, protocol: Protocol | undefined, advice = 'use --protocol sftp (or auto)'): unknown {
  if (!isScpipeError(err) || protocol === 'sftp') return err;
  // An SFTP-only server that runs no command at all (one built on paramiko)
  // fails the exec request itself, every time it is asked.
  if (err.message.startsWith(WOULD_NOT_RUN)) return withMessage(err, `the server runs no scp (${err.message}): ${advice}`, { code: 'ERR_PROTOCOL_REFUSED', cause: err });
  const said = `${err.message}\n${err.remoteStderr ?? ''}\n${err.remoteMessage ?? ''}`;
  if (!said.includes(SFTP_ONLY)) return err;
  return withMessage(err, `the server allows only SFTP ("${SFTP_ONLY}"): ${advice}`, { code: 'ERR_PROTOCOL_REFUSED', cause: err });
}

/**
 * scpRefusalHint's advice where an option of SCP's alone chose it (a glob
 * for the remote shell, a remote scp): "use --protocol sftp" is refused with it.
 */
export function sftpOnlyAdvice(opts: Pick<RemoteCommandOptions, 'quote' | 'scpPath'>): string | undefined {
  if (opts.quote !== undefined && opts.quote !== 'posix') {
    return `leave out --quote ${opts.quote}, which is for the remote shell of SCP: over SFTP paths are literal, so name the files (\`sftp\` to the host, then \`ls\`, lists them)`;
  }
  if (opts.scpPath !== undefined && opts.scpPath !== 'scp') return 'leave out --scp-path, which names the remote scp: without it the transfer goes over SFTP';
  return undefined;
}
