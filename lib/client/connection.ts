// Lets the library take either an open ssh2 Client (the caller owns it) or
// connection options (we connect, and close when done). With options, the
// transport is ssh2 (one connection, a channel per command) or the system
// `ssh` binary (`transport: 'openssh'`: one ssh process per command).
import type { Client, SFTPWrapper } from 'ssh2';
import { ScpipeError, throwIfAborted } from '../errors';
import type { ScpChannel } from '../protocol/channel';
import type { ConnectOptions } from '../transport/connect-options';
import { connectSsh2, type Ssh2Connection } from '../transport/ssh2-transport';
import { execChannel } from '../transport/ssh2-exec';
import { openSftpSubsystem } from './sftp-open';
import { startTimeout } from '../protocol/first-reply';
import { SftpSession } from '../sftp/session';
import type { StallWatch } from '../transport/stall-watch';
import { openWatched, stopWithSession } from '../transport/stall-channel';
import { modSftpCommand, oneChannelEach, oneDownloadEach, scpOptionsOf, scpOptionsStick } from '../transport/server-quirks';
import { ConnectionSet } from './connection-set';
import { isClient, learntOf } from './run-target';
import { SshProcesses } from './ssh-processes';

/** An open ssh2 Client, or where to connect (and with which transport). */
export type Target = Client | ConnectOptions;

/** What a remote command runs: the sink (`scp -t`) or the source (`scp -f`). */
export type RemoteRole = 'sink' | 'source';

/** Starts a remote command as a channel (ChannelOpener.open, or your own). */
export type OpenChannel = (command: string, signal: AbortSignal, remoteRole?: RemoteRole) => Promise<ScpChannel>;

/** Opens channels on `target`; `close()` ends a connection we made ourselves. */
export class ChannelOpener {
  private conns: ConnectionSet | undefined;
  // mod_sftp: the connections for each set of scp options (scpOptionsStick()).
  private byOptions: Map<string, ConnectionSet> | undefined;
  private connected: Ssh2Connection | undefined;
  // openssh: an ssh process per command (ssh-processes.ts).
  private readonly ssh: SshProcesses | undefined;
  // Connections on which a subsystem sent its SFTP version (sftp-open.ts).
  private readonly spokeSftp = new WeakSet<Ssh2Connection>();

  constructor(private readonly target: Target, private readonly log?: (line: string) => void) {
    // A JavaScript caller's slip, refused in its words rather than as a TypeError deep in the connect.
    const host = (target as Partial<ConnectOptions> | null)?.host;
    if (target === null || typeof target !== 'object' || (!isClient(target) && (typeof host !== 'string' || host === ''))) {
      throw new ScpipeError('ERR_USAGE', 'target: give connection options with a host ({ host, user, … }) or a connected ssh2 Client');
    }
    if (!isClient(target) && target.transport === 'openssh') this.ssh = new SshProcesses(target, log);
  }

  /**
   * Runs `command`, connecting first if needed. `remoteRole`: what the
   * command runs, a `sink` (`scp -t`, which speaks first) or a `source`.
   */
  readonly open = async (command: string, signal: AbortSignal, remoteRole?: RemoteRole): Promise<ScpChannel> => {
    if (isClient(this.target)) return execChannel(this.target, command, this.log, undefined, undefined, signal);
    const channel = this.ssh ? await this.ssh.open(command, signal, remoteRole === 'sink') : await this.overSsh2(command, signal);
    // The host's bound on a first byte, for the roles that wait for one (scp -t's \0: scp-put.ts, copy-upload.ts).
    channel.startTimeoutMs = startTimeout(this.target);
    return channel;
  };

  private async overSsh2(command: string, signal: AbortSignal): Promise<ScpChannel> {
    // One connection for every channel, also when several open at once
    // (parts); a further one where the server refuses more (connection-set.ts).
    const first = await this.connection(signal);
    const modSftp = scpOptionsStick(first.client) !== undefined;
    const said = modSftp ? modSftpCommand(command) : command;
    const alone = modSftp && /(?:^| )-f$/.test(scpOptionsOf(command)) ? oneDownloadEach(first.client) : undefined;
    return this.connectionsFor(first, command).use(signal, (conn) => conn.exec(said, signal), (channel) => channel.exit, alone);
  }

  /**
   * True once the host was reached (an ssh2 connection made, or an ssh that
   * got a session): a failure after that is a lost connection worth a retry,
   * one before it is a failed connect, final (exit 255).
   */
  get reached(): boolean {
    if (isClient(this.target)) return true;
    return this.ssh ? this.ssh.reached : this.connected !== undefined;
  }

  /** Why our ssh2 connection went away, when it knows (a keepalive timeout). */
  readonly whyLost = (): string | undefined => this.connected?.whyLost();

  /** The target's own startTimeoutMs (--start-timeout), undefined where the default holds. */
  get givenStartTimeoutMs(): number | undefined {
    return isClient(this.target) ? undefined : this.target.startTimeoutMs;
  }

  private connections(): ConnectionSet {
    this.conns ??= new ConnectionSet(this.connector(), this.log, (conn) => oneChannelEach(conn.client));
    return this.conns;
  }

  // The connections `command` may run on: all of them, except on a server
  // whose scp keeps earlier commands' options (server-quirks.ts), where the
  // first set of options takes the first connection and each other set gets
  // connections of its own.
  private connectionsFor(first: Ssh2Connection, command: string): ConnectionSet {
    const why = scpOptionsStick(first.client);
    if (why === undefined) return this.connections();
    const options = scpOptionsOf(command);
    this.byOptions ??= new Map([[options, this.connections()]]);
    let set = this.byOptions.get(options);
    if (set === undefined) {
      this.log?.(`${why}: \`${options}\` commands get a connection of their own`);
      set = new ConnectionSet(this.connector(), this.log);
      this.byOptions.set(options, set);
    }
    return set;
  }

  private connector(): (signal: AbortSignal) => Promise<Ssh2Connection> {
    const kept = learntOf(this.target as ConnectOptions);
    const { hostKeys, typed } = kept;
    return async (signal) => {
      const conn = await connectSsh2({ log: this.log, ...(this.target as ConnectOptions), signal, hostKeys, typed, reconnection: kept.connected });
      kept.connected = true;
      return conn;
    };
  }

  private connection(signal: AbortSignal): Promise<Ssh2Connection> {
    return this.connections().first(signal).then((c) => (this.connected ??= c));
  }

  /**
   * Starts connecting now (ssh2 targets we connect ourselves), so that a
   * wrong password fails before the first channel is needed; the channels
   * opened later share this connection.
   */
  async connect(signal: AbortSignal): Promise<void> {
    if (isClient(this.target)) return;
    // openssh: settles with the first ssh started (none runs before a channel is opened).
    if (this.ssh) return this.ssh.sessionMade(signal);
    await this.connection(signal);
  }

  /**
   * Opens the `sftp` subsystem on a new channel of the connection, and says
   * how long that took (channel open, subsystem request, version and limits:
   * four round trips). Rejects with ERR_PROTOCOL_REFUSED when the server
   * refuses the subsystem or it ends before it speaks (an rssh that allows
   * only scp); connection failures keep their codes. Over the openssh
   * transport, each call is an `ssh -s … sftp` of its own (openssh-sftp.ts).
   */
  async sftp(signal: AbortSignal, which?: string): Promise<{ session: SFTPWrapper; ms: number; whyLost?: () => string | undefined; stall?: StallWatch }> {
    throwIfAborted(signal);
    if (this.ssh) return stopWithSession(await this.ssh.sftp(signal, which));
    if (isClient(this.target)) return openSftpSubsystem(this.target, signal, this.log, {}, which);
    await this.connection(signal);
    const opened = async (conn: Ssh2Connection): Promise<{ session: SFTPWrapper; ms: number; stall?: StallWatch }> => {
      const stall = conn.stallWatch(which);
      // Its own stall says what it waited for; the connection's words are for the other channels.
      // Without a watch, a new session left silent beside others that spoke SFTP ends the connection itself.
      let silence: string | undefined;
      const endSilent = stall || !conn.endForSilentSftp ? undefined : (why: string): void => {
        silence = why;
        conn.endForSilentSftp?.(which, why);
      };
      const link = { heardSince: conn.heardSince, whyLost: () => stall?.reason ?? silence ?? conn.whyLost(), spokeSftp: () => this.spokeSftp.has(conn), endSilent, versionWaitMs: startTimeout(this.target as ConnectOptions) };
      const session = await openWatched(stall, 'the sftp subsystem', () => openSftpSubsystem(conn.client, signal, this.log, link, which));
      this.spokeSftp.add(conn);
      return stopWithSession({ ...session, stall });
    };
    return this.connections().use(signal, opened, ({ session }) => new Promise((closed) => session.once('close', closed)));
  }

  /** sftp(), as an SftpSession that names this connection's loss in its errors; `which` channel it is, for -v. */
  async sftpSession(signal: AbortSignal, which?: string): Promise<SftpSession> {
    const { session, whyLost, stall } = await this.sftp(signal, which);
    return new SftpSession(session, 'sftp', whyLost ?? this.whyLost, stall);
  }

  /**
   * The error to report for a failed role: with the openssh transport, an ssh
   * that never got a session (exit 255) is a connect error (exit status 255),
   * not the "connection lost" the role saw (downloads cannot tell earlier:
   * the remote `scp -f` waits for us, docs/protocol.md §4.2).
   */
  async explain(err: unknown): Promise<unknown> {
    return this.ssh ? this.ssh.explain(err) : err;
  }

  /** Closes the connection if we opened it; stops any ssh process still running. */
  close(): void {
    this.conns?.close();
    for (const set of this.byOptions?.values() ?? []) if (set !== this.conns) set.close();
    this.ssh?.close();
  }

  /** As close(), but what is queued on our connections is discarded, not sent first. */
  drop(): void {
    this.conns?.drop();
    for (const set of this.byOptions?.values() ?? []) if (set !== this.conns) set.drop();
    this.ssh?.close();
  }
}
