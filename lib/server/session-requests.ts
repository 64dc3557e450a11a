// What the session channels of a logged-in connection of `scpipe serve`
// (server.ts) may ask for: one scp command or the `sftp` subsystem each, at
// most MaxSessions open at once; a shell gets rssh's answer, ptys and other
// subsystems are refused.
import type { Connection, ServerChannel } from 'ssh2';
import { ownController } from '../util/abort';
import { peerText } from '../util/escape';
import { refuseStopping, type Draining } from './draining';
import { execCommandText } from './exec-bytes';
import type { Jail } from './jail';
import { RESTRICTED_BANNER, runSession } from './session';
import { runSftpSession } from './sftp/session';
import { connectionSocket, heedSocket } from './socket-backpressure';
import type { UploadOwners } from './sftp/upload-owners';
import { TransferLines } from './sftp/transfer-lines';

/** What answerSessions() needs of the server and the connection. */
export interface SessionContext {
  jail: Jail;
  readOnly: boolean;
  appendOnly: boolean;
  verbose: boolean;
  log: (line: string) => void;
  /** Logs a refusal of `kind` that a flood repeats, summed up past a few a minute from one address (repeated-lines.ts). */
  logRepeated: (kind: string, line: string) => void;
  /** `user@address:port`, for the log lines. */
  who: string;
  /** The login's key (or user name): an upload in progress is its own (--append-only). */
  login: string;
  /** --append-only: the owners of uploads in progress, the server's. */
  owners: UploadOwners;
  /** sshd's MaxSessions. */
  maxSessions: number;
  /** The client's version line (the SFTP session follows OpenSSH's symlink order by it). */
  clientIdent: string;
  draining: Draining;
  /** Aborted when the server closes: cuts every transfer. */
  cut: AbortSignal;
  /** False once the client ended the connection. */
  connected: () => boolean;
  /** Runs a session on `channel`, counted by the server for drain() and close(). */
  run: (channel: ServerChannel, session: () => Promise<void>) => void;
}

/** Answers `client`'s session channels and their requests. */
export function answerSessions(client: Connection, ctx: SessionContext): void {
  let sessions = 0;
  const socket = connectionSocket(client);
  const lines = new TransferLines(); // one log line per file over this connection's channels
  const hangup = ownController(); // one listener per session: --max-sessions may pass Node's 10
  client.once('close', () => hangup.abort());
  client.on('session', (accept, reject) => {
    if (ctx.draining.active) {
      reject();
      return;
    }
    // sshd's MaxSessions: channels open at once on this connection.
    if (sessions >= ctx.maxSessions) {
      ctx.logRepeated('refused a session', `${ctx.who} refused a session: ${sessions} open (--max-sessions)`);
      reject();
      return;
    }
    sessions += 1;
    const session = accept();
    session.once('close', () => (sessions -= 1));
    let used = false;
    session.on('exec', (acceptExec, _reject, info) => {
      const command = execCommandText(info.command); // before anything else: only now are its bytes kept
      const stream: ServerChannel = acceptExec();
      if (used) {
        stream.stderr.write('scpipe serve: one command per session\n');
        stream.exit(1);
        stream.end();
        return;
      }
      used = true;
      heedSocket(stream, socket);
      if (ctx.draining.active) return refuseStopping(stream);
      ctx.run(stream, () => runSession(stream, command, {
        jail: ctx.jail,
        readOnly: ctx.readOnly,
        appendOnly: ctx.appendOnly,
        log: ctx.log,
        verbose: ctx.verbose,
        who: ctx.who,
        signal: ctx.cut,
        connected: ctx.connected,
        hangup: hangup.signal,
      }));
    });
    // An interactive login gets rssh's answer instead of a shell.
    session.on('shell', (acceptShell) => {
      const stream = acceptShell();
      stream.stderr.write(RESTRICTED_BANNER);
      stream.exit(1);
      stream.end();
      ctx.logRepeated('refused an interactive shell', `${ctx.who} refused an interactive shell`);
    });
    session.on('pty', (_a, reject) => reject?.());
    session.on('subsystem', (acceptSubsystem, reject, { name }) => {
      if (name === 'sftp' && !used) {
        used = true;
        const channel: ServerChannel = acceptSubsystem();
        heedSocket(channel, socket);
        if (ctx.draining.active) return refuseStopping(channel);
        const sftpOpts = { jail: ctx.jail, readOnly: ctx.readOnly, appendOnly: ctx.appendOnly, verbose: ctx.verbose, log: ctx.log, who: ctx.who, login: ctx.login, owners: ctx.owners, lines, clientIdent: ctx.clientIdent, drain: ctx.draining.signal, cut: ctx.cut, hangup: hangup.signal };
        ctx.run(channel, () => runSftpSession(channel, sftpOpts));
        return;
      }
      ctx.logRepeated('refused a subsystem', `${ctx.who} refused subsystem ${peerText(name)}`);
      reject?.();
    });
  });
}
