// The openssh transport's side of ChannelOpener (connection.ts): one `ssh`
// process per command and per SFTP session, the first of which proves the
// host can be reached before the others start, and a refusal said once.
import { performance } from 'node:perf_hooks';
import type { SFTPWrapper } from 'ssh2';
import { ScpipeError, abortError, throwIfAborted } from '../errors';
import { startTimeout } from '../protocol/first-reply';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import type { ScpChannel } from '../protocol/channel';
import type { OpenSshChannel } from '../transport/openssh-transport';
import type { OpenSshOptions } from '../transport/openssh-args';
import type { SshDefaults } from '../transport/openssh-defaults';
import type { SaidBefore } from '../transport/ssh-stderr';
import type { ConnectOptions } from '../transport/connect-options';
import { learntOf } from './run-target';
import { stallWatchFor, type StallWatch } from '../transport/stall-watch';
import { watchStalls } from '../transport/stall-channel';
import { canAskUser } from '../transport/tty-prompt';

// openssh: what to add to ssh's defaults for a target (openssh-defaults.ts), found once.
const defaults = new WeakMap<ConnectOptions, Promise<SshDefaults>>();
// Per run's target, as `defaults`: a reconnection's ssh does not say the warning again either.
const saidBefore = new WeakMap<ConnectOptions, SaidBefore>();
// ssh's exit 255 before a session, by what it refused (openssh-transport.ts refusalCode()).
const NO_SESSION: readonly string[] = ['ERR_CONNECT', 'ERR_AUTH', 'ERR_HOST_KEY_UNKNOWN', 'ERR_HOST_KEY_CHANGED'];

/** The ssh processes of one ChannelOpener whose target's transport is openssh. */
export class SshProcesses {
  private readonly children = new Set<OpenSshChannel>();
  // For explain(): the ssh processes that may yet prove a connect failure. One
  // that ended without is let go, or a set of thousands of parts kept them all.
  private readonly started = new Set<OpenSshChannel>();
  private refused: ScpipeError | undefined;
  // The first ssh's proof that the host can be reached (it got a session),
  // which the others wait for; settled, `reachedHost` says how.
  private firstSession: Promise<void> | undefined;
  private reachedHost = false;
  private sessionWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private closed = false;

  constructor(private readonly target: ConnectOptions, private readonly log?: (line: string) => void) {}

  /** The ssh processes explain() still looks at (running, or ended without a session). */
  get kept(): number {
    return this.started.size;
  }

  /** True once an ssh got a session. */
  get reached(): boolean {
    return this.reachedHost;
  }

  /** For ChannelOpener.explain(): an ssh that never got a session is a connect error. */
  async explain(err: unknown): Promise<unknown> {
    if (err instanceof ScpipeError && err.code === 'ERR_ABORTED') return err;
    for (const channel of this.started) {
      const failure = await channel.connectFailure();
      if (failure) return failure;
    }
    return err;
  }

  /** Stops any ssh process still running; none starts after. */
  close(): void {
    this.closed = true;
    for (const child of this.children) child.destroy();
  }

  // Settles once the first ssh got a session (or could not: its ERR_CONNECT).
  sessionMade(signal: AbortSignal): Promise<void> {
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
    if (this.closed) throw this.closedError();
    if (this.firstSession) {
      await this.sessionMade(signal);
      // Closed meanwhile (the first ssh ended by us, no refusal): an ssh started now would outlive its opener.
      if (this.closed) throw this.closedError();
      return channel();
    }
    const first = channel();
    this.firstSession = first.ready().then(
      () => {
        this.reachedHost = true;
        learntOf(this.target).connected = true;
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

  // One ssh process per command. When the remote speaks first (`scp -t` sends
  // its \0 at once, docs/protocol.md §4.1), wait for that byte (bounded once ssh started the command): an ssh that exits
  // 255 before it could not connect or authenticate, and fails here as
  // ERR_CONNECT (exit status 255), not as a remote error. A remote `scp -f`
  // waits for us (§4.2), so there is nothing to wait for; a failed connection
  // then reaches the role as a lost connection with ssh's message.
  async open(command: string, signal: AbortSignal, remoteSpeaksFirst: boolean): Promise<ScpChannel> {
    const target = this.target;
    throwIfAborted(signal);
    if (this.refused) throw this.refused; // do not ask for a password again per command
    const log = target.log ?? this.log;
    // Loaded only for this transport, as ssh2 only for the other (ssh2-transport.ts).
    const { openSshChannel } = await import('../transport/openssh-transport');
    const { firstByte } = await import('../transport/openssh-first-byte');
    const opts = await this.sshOptions(target);
    log?.(`exec: ${escapeForTerminal(command)} (ssh ${escapeForTerminal(opts.host)})`);
    // ssh's own words (a changed host key's warning), said by each part's ssh again: shown once, as ssh's, not as the remote's.
    const isNew = await this.saidOnce(opts);
    const own = (line: string): void => {
      const escaped = escapeForTerminal(line);
      if (isNew(escaped)) this.warn(escaped);
    };
    let watch: StallWatch | undefined;
    const channel = await this.firstOrWait(() => {
      const started = this.track(openSshChannel(opts, command, false, own));
      watch = this.watchStart(started, `the exec of ${escapeForTerminal(command)}`, opts);
      return started;
    }, signal);
    if (remoteSpeaksFirst) {
      try {
        await firstByte(channel, command, startTimeout(target), signal);
      } catch (err) {
        watch?.stop();
        channel.destroy();
        this.remember(err);
        throw err;
      }
    }
    // A stall ends this command's own ssh.
    return watchStalls(channel, target.stallTimeoutMs, () => channel.destroy(), watch);
  }

  // `ssh -s … sftp`, with ssh2's SFTP client over its stdio.
  // `whyLost`: ssh's reason once this session's ssh lost its connection; `which` channel it is, for -v.
  async sftp(signal: AbortSignal, which?: string): Promise<{ session: SFTPWrapper; ms: number; whyLost: () => string | undefined; stall?: StallWatch }> {
    const target = this.target;
    if (this.refused) throw this.refused;
    const { openSshChannel } = await import('../transport/openssh-transport');
    const opts = await this.sshOptions(target);
    // The ssh2 transport's words (sftp-open.ts), then the ssh run, as for an exec.
    (target.log ?? this.log)?.(`sftp: opening the sftp subsystem${which ? ` ${which}` : ''} (ssh -s ${escapeForTerminal(opts.host)} sftp)`);
    const { sftpOverChannel } = await import('../transport/openssh-sftp');
    const asked = performance.now();
    let watch: StallWatch | undefined;
    try {
      const channel = await this.firstOrWait(() => {
        const started = this.track(openSshChannel(opts, 'sftp', true));
        watch = this.watchStart(started, 'the sftp subsystem', opts);
        return started;
      }, signal);
      const isNew = await this.saidOnce(opts);
      const session = await sftpOverChannel(channel, signal, startTimeout(target), (line) => isNew(line) && this.warn(line), opts.verbose, target.log ?? this.log);
      // A stall ends this ssh (its connection is the session's own).
      const stall = watch ?? stallWatchFor(target.stallTimeoutMs, () => channel.destroy());
      return { session, ms: performance.now() - asked, whyLost: () => stall?.reason ?? channel.whyLost(), stall };
    } catch (err) {
      watch?.stop();
      this.remember(err);
      if (watch?.reason !== undefined) throw new ScpipeError('ERR_LOST_CONNECTION', `connection lost while the sftp subsystem opened: ${watch.reason}`, { host: target.host, cause: err });
      throw err;
    }
  }

  // A filter for one ssh's own lines: those another ssh of the run said are left out.
  private async saidOnce(opts: OpenSshOptions): Promise<(line: string) => boolean> {
    // With -v each ssh's log is kept whole: a line dropped from it would make it read wrong.
    if (opts.verbose) return () => true;
    if (!saidBefore.has(this.target)) saidBefore.set(this.target, new (await import('../transport/ssh-stderr')).SaidBefore());
    return saidBefore.get(this.target)!.forProcess();
  }

  // --stall-timeout over ssh's start, until the remote's first byte. ssh says
  // nothing of its steps at LogLevel ERROR, so its login is counted too; only
  // where it cannot ask anyone, or a person slow to type would be a stall.
  private watchStart(channel: OpenSshChannel, what: string, opts: OpenSshOptions): StallWatch | undefined {
    if (opts.mayPrompt) return undefined;
    const watch = stallWatchFor(this.target.stallTimeoutMs, () => channel.destroy());
    const started = watch?.wait(`ssh's login and the server's answer to opening a channel for ${what}`);
    if (started) void channel.spoke.then(started);
    return watch;
  }

  private track(channel: OpenSshChannel): OpenSshChannel {
    this.children.add(channel);
    this.started.add(channel);
    void channel.exit.then(() => this.children.delete(channel));
    void channel.connectFailure().then((failure) => failure === undefined && this.started.delete(channel));
    return channel;
  }

  private closedError(): ScpipeError {
    return new ScpipeError('ERR_LOST_CONNECTION', 'the connection was closed before ssh logged in', { host: this.target.host });
  }

  // An ssh that could not connect: later commands fail the same way at once.
  private remember(err: unknown): void {
    if (!(err instanceof ScpipeError) || !NO_SESSION.includes(err.code) || this.refused) return; // said once
    this.refused = err;
    const log = this.target.log ?? this.log;
    const lines = (err.remoteStderr ?? '').split('\n').filter(Boolean);
    if (log) for (const line of lines) log(`ssh: ${line}`);
    // Without -v, what ssh said before its last line (the message): a changed host key's warning, as scp shows it.
    else for (const line of lines.slice(0, -1)) this.warn(line);
  }

  // ssh's words, shown as ssh shows them at its default log level: to `warn`,
  // else to the log, as the ssh2 transport's (a library writes no stderr unasked).
  private warn(line: string): void {
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
    const mayPrompt = !found.batchMode && canAskUser();
    return { ...opts, serverAliveInterval: found.serverAliveInterval, connectTimeout: reconnection ? RECONNECT_TIMEOUT_S : undefined, aliveBoundS: found.aliveBoundS, multiplexed: found.multiplexed, mayPrompt };
  }
}
