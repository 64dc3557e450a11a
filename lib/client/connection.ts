// Lets the library take either an open ssh2 Client (the caller owns it) or
// connection options (we connect, and close when done). With options, the
// transport is ssh2 (one connection, a channel per command) or the system
// `ssh` binary (`transport: 'openssh'`: one ssh process per command).
import { performance } from 'node:perf_hooks';
import type { Client, SFTPWrapper } from 'ssh2';
import { ScpipeError, abortError, throwIfAborted } from '../errors';
import { onAbort } from '../util/abort';
import type { ScpChannel } from '../protocol/channel';
import type { OpenSshChannel, OpenSshOptions } from '../transport/openssh-transport';
import type { SshDefaults } from '../transport/openssh-defaults';
import { connectSsh2, type ConnectOptions, type Ssh2Connection } from '../transport/ssh2-transport';
import { execChannel } from '../transport/ssh2-exec';
import { openSftpSubsystem } from './sftp-open';
import { modSftpCommand, oneChannelEach, oneDownloadEach, scpOptionsOf, scpOptionsStick } from '../transport/server-quirks';
import { ConnectionSet } from './connection-set';
import { isClient, learntOf } from './run-target';

/** An open ssh2 Client, or where to connect (and with which transport). */
export type Target = Client | ConnectOptions;

/** What a remote command runs: the sink (`scp -t`) or the source (`scp -f`). */
export type RemoteRole = 'sink' | 'source';

/** Starts a remote command as a channel (ChannelOpener.open, or your own). */
export type OpenChannel = (command: string, signal: AbortSignal, remoteRole?: RemoteRole) => Promise<ScpChannel>;

// openssh: what to add to ssh's defaults for a target (openssh-defaults.ts), found once.
const defaults = new WeakMap<ConnectOptions, Promise<SshDefaults>>();
// ssh's exit 255 before a session, by what it refused (openssh-transport.ts refusalCode()).
const NO_SESSION: readonly string[] = ['ERR_CONNECT', 'ERR_AUTH', 'ERR_HOST_KEY_UNKNOWN', 'ERR_HOST_KEY_CHANGED'];

/** Opens channels on `target`; `close()` ends a connection we made ourselves. */
export class ChannelOpener {
  private conns: ConnectionSet | undefined;
  // mod_sftp: the connections for each set of scp options (scpOptionsStick()).
  private byOptions: Map<string, ConnectionSet> | undefined;
  private connected: Ssh2Connection | undefined;
  private readonly children = new Set<OpenSshChannel>();
  private readonly started: OpenSshChannel[] = [];
  private refused: ScpipeError | undefined;
  // openssh: the first ssh's proof that the host can be reached (it got a
  // session), which the others wait for; settled, `reachedHost` says how.
  private firstSession: Promise<void> | undefined;
  private reachedHost = false;
  private sessionWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(private readonly target: Target, private readonly log?: (line: string) => void) {
    // A JavaScript caller's slip, refused in its words rather than as a TypeError deep in the connect.
    const host = (target as Partial<ConnectOptions> | null)?.host;
    if (target === null || typeof target !== 'object' || (!isClient(target) && (typeof host !== 'string' || host === ''))) {
      throw new ScpipeError('ERR_USAGE', 'target: give connection options with a host ({ host, user, … }) or a connected ssh2 Client');
    }
  }

  /**
   * Runs `command`, connecting first if needed. `remoteRole`: what the
   * command runs, a `sink` (`scp -t`, which speaks first) or a `source`.
   */
  readonly open = async (command: string, signal: AbortSignal, remoteRole?: RemoteRole): Promise<ScpChannel> => {
    if (isClient(this.target)) return execChannel(this.target, command, this.log, undefined, undefined, signal);
    if (this.target.transport === 'openssh') return this.openSsh(this.target, command, signal, remoteRole === 'sink');
    // One connection for every channel, also when several open at once
    // (parts); a further one where the server refuses more (connection-set.ts).
    const first = await this.connection(signal);
    const modSftp = scpOptionsStick(first.client) !== undefined;
    const said = modSftp ? modSftpCommand(command) : command;
    const alone = modSftp && /(?:^| )-f$/.test(scpOptionsOf(command)) ? oneDownloadEach(first.client) : undefined;
    return this.connectionsFor(first, command).use(signal, (conn) => conn.exec(said, signal), (channel) => channel.exit, alone);
  };

  /**
   * True once the host was reached (an ssh2 connection made, or an ssh that
   * got a session): a failure after that is a lost connection worth a retry,
   * one before it is a failed connect, final (exit 255).
   */
  get reached(): boolean {
    if (isClient(this.target)) return true;
    return this.target.transport === 'openssh' ? this.reachedHost : this.connected !== undefined;
  }

  /** Why our ssh2 connection went away, when it knows (a keepalive timeout). */
  readonly whyLost = (): string | undefined => this.connected?.whyLost();

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
    if (this.target.transport === 'openssh') return this.sessionMade(signal);
    await this.connection(signal);
  }

  // Settles once the first ssh got a session (or could not: its ERR_CONNECT).
  private sessionMade(signal: AbortSignal): Promise<void> {
    if (this.reachedHost) return Promise.resolve();
    if (this.refused) return Promise.reject(this.refused);
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve: () => (unlink(), resolve()), reject: (err: unknown) => (unlink(), reject(err)) };
      const unlink = onAbort(signal, () => {
        this.sessionWaiters = this.sessionWaiters.filter((w) => w !== waiter);
        reject(abortError(signal));
      });
      this.sessionWaiters.push(waiter);
    });
  }

  // The first ssh of this opener: the others wait until it got a session, so
  // that a host that cannot be reached fails once, with ssh's message, and
  // is not retried as a lost connection (and a ControlMaster is up before
  // they connect through it).
  private async firstOrWait(channel: () => OpenSshChannel, signal: AbortSignal): Promise<OpenSshChannel> {
    if (this.firstSession) {
      await this.sessionMade(signal);
      return channel();
    }
    const first = channel();
    this.firstSession = first.ready().then(
      () => {
        this.reachedHost = true;
        learntOf(this.target as ConnectOptions).connected = true;
        for (const w of this.sessionWaiters.splice(0)) w.resolve();
      },
      (err: unknown) => {
        this.remember(err);
        for (const w of this.sessionWaiters.splice(0)) w.reject(err);
        throw err;
      },
    );
    this.firstSession.catch(() => undefined);
    return first;
  }

  /**
   * Opens the `sftp` subsystem on a new channel of the connection, and says
   * how long that took (channel open, subsystem request, version and limits:
   * four round trips). Rejects with ERR_PROTOCOL_REFUSED when the server
   * refuses the subsystem or it ends before it speaks (an rssh that allows
   * only scp); connection failures keep their codes. Over the openssh
   * transport, each call is an `ssh -s … sftp` of its own (openssh-sftp.ts).
   */
  async sftp(signal: AbortSignal): Promise<{ session: SFTPWrapper; ms: number }> {
    throwIfAborted(signal);
    if (!isClient(this.target) && this.target.transport === 'openssh') return this.sftpOverSsh(this.target, signal);
    const open = (client: Client): Promise<{ session: SFTPWrapper; ms: number }> => openSftpSubsystem(client, signal, this.log);
    if (isClient(this.target)) return open(this.target);
    await this.connection(signal);
    return this.connections().use(signal, (conn) => open(conn.client), ({ session }) => new Promise((closed) => session.once('close', closed)));
  }

  /**
   * The error to report for a failed role: with the openssh transport, an ssh
   * that never got a session (exit 255) is a connect error (exit status 255),
   * not the "connection lost" the role saw (downloads cannot tell earlier:
   * the remote `scp -f` waits for us, docs/protocol.md §4.2).
   */
  async explain(err: unknown): Promise<unknown> {
    if (err instanceof ScpipeError && err.code === 'ERR_ABORTED') return err;
    for (const channel of this.started) {
      const failure = await channel.connectFailure();
      if (failure) return failure;
    }
    return err;
  }

  /** Closes the connection if we opened it; stops any ssh process still running. */
  close(): void {
    this.conns?.close();
    for (const set of this.byOptions?.values() ?? []) if (set !== this.conns) set.close();
    for (const child of this.children) child.destroy();
  }

  /** As close(), but what is queued on our connections is discarded, not sent first. */
  drop(): void {
    this.conns?.drop();
    for (const set of this.byOptions?.values() ?? []) if (set !== this.conns) set.drop();
    for (const child of this.children) child.destroy();
  }

  // One ssh process per command. When the remote speaks first (`scp -t` sends
  // its \0 at once, docs/protocol.md §4.1), wait for that byte: an ssh that exits
  // 255 before it could not connect or authenticate, and fails here as
  // ERR_CONNECT (exit status 255), not as a remote error. A remote `scp -f`
  // waits for us (§4.2), so there is nothing to wait for; a failed connection
  // then reaches the role as a lost connection with ssh's message.
  private async openSsh(target: ConnectOptions, command: string, signal: AbortSignal, remoteSpeaksFirst: boolean): Promise<ScpChannel> {
    throwIfAborted(signal);
    if (this.refused) throw this.refused; // do not ask for a password again per command
    const log = target.log ?? this.log;
    // Loaded only for this transport, as ssh2 only for the other (ssh2-transport.ts).
    const { openSshChannel } = await import('../transport/openssh-transport');
    const opts = await this.sshOptions(target);
    log?.(`exec: ${command} (ssh ${opts.host})`);
    const channel = await this.firstOrWait(() => this.track(openSshChannel(opts, command)), signal);
    if (!remoteSpeaksFirst) return channel;
    try {
      await channel.ready(signal);
    } catch (err) {
      channel.destroy();
      this.remember(err);
      throw err;
    }
    return channel;
  }

  // `ssh -s … sftp`, with ssh2's SFTP client over its stdio.
  private async sftpOverSsh(target: ConnectOptions, signal: AbortSignal): Promise<{ session: SFTPWrapper; ms: number }> {
    if (this.refused) throw this.refused;
    const { openSshChannel } = await import('../transport/openssh-transport');
    const opts = await this.sshOptions(target);
    (target.log ?? this.log)?.(`sftp: ssh -s ${opts.host} sftp`);
    const { sftpOverChannel } = await import('../transport/openssh-sftp');
    const asked = performance.now();
    try {
      const channel = await this.firstOrWait(() => this.track(openSshChannel(opts, 'sftp', true)), signal);
      const session = await sftpOverChannel(channel, signal, (line) => this.warn(line));
      return { session, ms: performance.now() - asked };
    } catch (err) {
      this.remember(err);
      throw err;
    }
  }

  private track(channel: OpenSshChannel): OpenSshChannel {
    this.children.add(channel);
    this.started.push(channel);
    void channel.exit.then(() => this.children.delete(channel));
    return channel;
  }

  // An ssh that could not connect: later commands fail the same way at once.
  private remember(err: unknown): void {
    if (!(err instanceof ScpipeError) || !NO_SESSION.includes(err.code) || this.refused) return; // said once
    this.refused = err;
    const log = (isClient(this.target) ? undefined : this.target.log) ?? this.log;
    const lines = (err.remoteStderr ?? '').split('\n').filter(Boolean);
    if (log) for (const line of lines) log(`ssh: ${line}`);
    // Without -v, what ssh said before its last line (the message): a changed host key's warning, as scp shows it.
    else for (const line of lines.slice(0, -1)) this.warn(line);
  }

  // ssh's words, shown as ssh shows them at its default log level: to `warn`,
  // else to the log, as the ssh2 transport's (a library writes no stderr unasked).
  private warn(line: string): void {
    if (isClient(this.target)) return;
    (this.target.warn ?? this.target.log ?? this.log)?.(line);
  }

  private async sshOptions(target: ConnectOptions): Promise<OpenSshOptions> {
    const log = target.log ?? this.log;
    const opts: OpenSshOptions = {
      host: target.host,
      user: target.user,
      port: target.port,
      identityFiles: target.identityFiles,
      configFile: target.configFile,
      options: target.options,
      sshPath: target.sshPath,
      verbose: Boolean(log),
      batchMode: !target.prompt, // no one to ask: as the ssh2 transport, never prompt
    };
    // Asked of `ssh -G` once per run's target (each reconnect makes a new opener).
    const { sshDefaults, RECONNECT_TIMEOUT_S } = await import('../transport/openssh-defaults');
    if (!defaults.has(target)) defaults.set(target, sshDefaults(opts));
    const found = (await defaults.get(target))!;
    // A retry's ssh (another of this run got a session) is bounded as the
    // ssh2 transport's reconnection is: no one is asked before the banner.
    const reconnection = learntOf(target).connected && !found.connectTimeoutSet;
    return { ...opts, serverAliveInterval: found.serverAliveInterval, connectTimeout: reconnection ? RECONNECT_TIMEOUT_S : undefined, aliveBoundS: found.aliveBoundS };
  }
}
