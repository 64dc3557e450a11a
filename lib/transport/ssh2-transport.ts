// The ssh2 transport: connect, verify the host key, authenticate; a remote
// command runs as a ScpChannel (ssh2-exec.ts). Errors become ScpipeErrors
// that the CLI maps to exit status 255 (connect, host key, auth; ssh2-errors.ts).
import type { Client, ConnectConfig } from 'ssh2';
import { ScpipeError, abortError, throwIfAborted } from '../errors';
import type { ScpChannel } from '../protocol/channel';
import { createAuthHandler, hopSecrets, type TypedSecrets } from './auth';
import { certificateSupport } from './certificate';
import { preferRsaSha512 } from './rsa-sha2';
import { askFirstConnect } from './host-key-prompt';
import { createHostVerifier, type FirstConnectInfo } from './host-verifier';
import type { ConnectOptions } from './connect-options';
import { resolveHost, type ResolvedHost } from './ssh-config';
import { openSocket } from './socket';
import { dropSocket } from './drop-socket';
import type { HopConnectOptions } from './proxy-jump';
import { aliveWhileReceiving } from './ssh2-keepalive';
import { showBanners } from './ssh2-banner';
import { algorithmsFor } from './ssh2-host-algorithms';
import { brokenProtocol, describeClientError, disconnected, isDisconnect, keepaliveTimeout } from './ssh2-errors';
import { cryptoFailure, loadSsh2 } from './ssh2-load';
import { execChannel } from './ssh2-exec';
import { onAbort } from '../util/abort';
import { escapeForTerminal, peerText } from '../util/escape';
import { hasMarks } from '../util/byte-text';
import { guardPreamble, MAX_PRE_BANNER_LINES } from './preamble-guard';
import { HandshakeClock } from './handshake-clock';
import { openWatched, watchStalls } from './stall-channel';
import { endedByStall, stallWatchFor, type StallWatch } from './stall-watch';
import { StallReach } from '../util/stall-reach';
import { probeConnection } from './ssh2-probe';
import { DEFAULT_CONNECT_TIMEOUT_MS, handshakeBounds } from './handshake-bounds';

/** An authenticated ssh2 connection and what it was resolved from. */
export interface Ssh2Connection {
  client: Client;
  host: ResolvedHost;
  /** Runs a command without a PTY (docs/protocol.md §1) and returns its channel. */
  exec(command: string, signal?: AbortSignal): Promise<ScpChannel>;
  /** Closes the connection. */
  close(): void;
  /**
   * Ends the connection at once, discarding what is queued for it: the
   * requests behind a slow link are not worth waiting for after an abort.
   */
  drop(): void;
  /** Why the connection died, when we know better than "closed": a keepalive timeout. */
  whyLost(): string | undefined;
  /** A watch for an SFTP session on this connection (`which` one, for the other channels' messages), under --stall-timeout; undefined without. */
  stallWatch(which?: string): StallWatch | undefined;
  /** Ends the connection as a stall does, for `which` SFTP session, silent for `why`: its other channels name it. */
  endForSilentSftp?(which: string | undefined, why: string): void;
  /** True when the server sent something at or after `at` (performance.now()): the link carries its answers. */
  heardSince?(at: number): boolean;
}

/**
 * Connects and authenticates, or rejects with a ScpipeError.
 * `reconnection`: another connection of the same run got through its login (a
 * retry's): bounded even without ConnectTimeout (handshake-bounds.ts).
 */
export async function connectSsh2(opts: ConnectOptions & { signal?: AbortSignal; hostKeys?: Map<string, Buffer>; typed?: TypedSecrets; reconnection?: boolean }): Promise<Ssh2Connection> {
  const host = await resolveHost(opts.host, opts);
  // ssh2 writes the user name as UTF-8 only (RFC 4252's text): a Latin-1
  // name reached the server misspelled and failed as "Permission denied".
  if (hasMarks(host.user)) {
    throw new ScpipeError('ERR_USAGE', `the user name "${escapeForTerminal(host.user)}" is not UTF-8, and the built-in transport can send only UTF-8 names: use --transport openssh, which sends its bytes`);
  }
  // LogLevel VERBOSE or DEBUG*: the connection log without -v, as ssh shows its own.
  const log = opts.log ?? (/^(VERBOSE|DEBUG\d?)$/.test(host.logLevel ?? '') ? (line: string) => void process.stderr.write(`debug1: ${line}\n`) : undefined);
  for (const note of host.notes ?? []) log?.(note);
  const interactive = Boolean(opts.prompt) && !host.batchMode;
  let address: string | undefined; // known once connected; CheckHostIP needs it
  // LogLevel QUIET, FATAL or ERROR silence ssh's warnings too.
  const quiet = /^(QUIET|FATAL|ERROR)$/.test(host.logLevel ?? '');
  const warn = quiet ? log : (opts.warn ?? log);
  // The one clock of the banner, key exchange and login; it stands still while someone is asked.
  let expired = (_err: Error): void => undefined;
  const clock = new HandshakeClock(handshakeBounds(host, { interactive, reconnection: opts.reconnection }, log), (err) => expired(err));
  const askHostKey = clock.asks(askFirstConnect); // the question itself, not the prompt: its answer holds for the run
  const onFirstConnect = interactive && opts.prompt ? (info: FirstConnectInfo) => askHostKey(opts.prompt!, info) : undefined;
  const verifier = createHostVerifier({ host, log, warn, onFirstConnect, address: () => address, earlier: opts.hostKeys });
  const certificates = certificateSupport();
  const prompt = interactive && opts.prompt ? clock.asks(opts.prompt) : undefined;
  const auth = createAuthHandler({ host, jumpHost: (opts.jumpDepth ?? 0) > 0, passwordsAllowed: verifier.passwordsAllowed, prompt, log, warn, certificates: certificates.ready, typed: opts.typed });
  log?.(`connecting to ${escapeForTerminal(host.hostname)} port ${host.port} as ${escapeForTerminal(host.user)}`);
  // A reconnection's jump hosts got through their logins before too: bounded as it is,
  // and held to the keys they showed then (hostKeys is by known_hosts name, so shared),
  // each given what was typed at its own login, so that a retry does not ask again.
  const connectHop = async (hop: HopConnectOptions) => {
    const { client, close, drop } = await connectSsh2({
      ...hop, jumpDepth: hop.depth, configFile: opts.configFile, homeDir: opts.homeDir, systemConfigFile: opts.systemConfigFile,
      log: opts.log, warn: opts.warn, prompt: opts.prompt, signal: opts.signal, reconnection: opts.reconnection, hostKeys: opts.hostKeys,
      typed: opts.typed && hopSecrets(opts.typed, `${hop.user ?? ''}@${hop.host}:${hop.port ?? ''}`),
    });
    return { client, close, drop };
  };
  const timeoutMs = host.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS; // the TCP connect's own bound (tcp.ts)
  const connecting = openSocket(host, { timeoutMs, signal: opts.signal, log, bandwidth: opts.bandwidth, jumpDepth: opts.jumpDepth ?? 0, connectHop });
  // A connection made but not yet handed to ssh2 is closed on any failure
  // here: left open, it held a library caller's process until sshd's LoginGraceTime.
  const loading = loadSsh2().catch((err: unknown) => {
    void connecting.then(({ sock }) => sock.destroy(), () => undefined);
    throw err;
  });
  const [{ Client }, opened] = await Promise.all([loading, connecting]);
  const sock = opened.sock;
  address = opened.address;
  let algorithms: ConnectConfig['algorithms'];
  try {
    algorithms = await algorithmsFor(host);
    throwIfAborted(opts.signal);
  } catch (err) {
    sock.destroy();
    throw err;
  }
  const client = new Client();
  const config: ConnectConfig = {
    sock,
    host: host.hostname,
    port: host.port,
    username: host.user,
    authHandler: auth.handler as ConnectConfig['authHandler'],
    hostVerifier: verifier.verify as ConnectConfig['hostVerifier'],
    keepaliveInterval: host.serverAliveIntervalMs,
    keepaliveCountMax: host.serverAliveCountMax,
    readyTimeout: 0, // the clock bounds the handshake
    // ssh2's own lines quote what the server sent (a DISCONNECT's text, its ident) as it came.
    debug: log && process.env.SCPIPE_DEBUG_SSH ? (line: string) => log(escapeForTerminal(line)) : undefined,
  };
  if (algorithms) config.algorithms = algorithms;
  await new Promise<void>((resolve, reject) => {
    const unlink = onAbort(opts.signal, () => finish(abortError(opts.signal)));
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      unlink();
      clock.stop();
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('close', onClose);
      if (err) {
        // ssh2 may still report the handshake it lost: not to an unhandled 'error'.
        client.on('error', () => undefined);
        client.end();
        sock.destroy();
        reject(err);
      } else resolve();
    };
    expired = finish;
    const onReady = (): void => {
      auth.succeeded();
      finish();
    };
    const onError = (err: Error & { level?: string }): void => {
      // An agent that fails is not fatal: ssh2 goes on with the next method.
      if (err.level === 'agent') {
        // A malformed signature is said as ssh says a failed agent signature, at its default level.
        if (err instanceof ScpipeError) warn?.(err.message);
        else log?.(`agent: ${err.message}`);
        return;
      }
      finish(verifier.failure() ?? auth.failure() ?? cryptoFailure(err, `${host.user}@${host.hostname}`) ?? describeClientError(err, host, auth.triedMethods(), auth.notOffered(), auth.serverMethods()));
    };
    // A server that closes after its banner (during the key exchange or the
    // authentication) makes ssh2 emit 'close' alone: without this the run
    // would wait forever, or end with status 0 once nothing else keeps the process alive.
    const onClose = (): void =>
      finish(verifier.failure() ?? auth.failure() ?? new ScpipeError('ERR_CONNECT', `${host.user}@${host.hostname}: connection closed by ${host.hostname} port ${host.port} during the SSH handshake`, { host: host.hostname }));
    // As ssh -v's "kex: client->server cipher: ...": what was agreed.
    if (log) {
      client.once('handshake', (n) => log(`kex ${n.kex}, host key ${n.serverHostKey}, cipher ${n.cs.cipher}, mac ${n.cs.mac || '<implicit>'}, compression ${n.cs.compress}`));
    }
    client.once('handshake', () => clock.enter('login'));
    const banner = quiet ? log : (opts.banner ?? log);
    if (banner) showBanners(client, banner);
    client.once('ready', onReady);
    client.on('error', onError);
    client.once('close', onClose);
    try {
      // A stream that ended before ssh2 listened: ssh2 would wait for events long gone.
      if (sock.destroyed) throw new ScpipeError('ERR_CONNECT', `${host.user}@${host.hostname}: the connection ended before the SSH handshake${host.proxyCommand !== undefined ? ' (the ProxyCommand exited)' : ''}: ${escapeForTerminal(opened.failure()?.message ?? 'closed')}`, { host: host.hostname });
      clock.enter('banner');
      client.connect(config);
      certificates.enable(client);
      preferRsaSha512(client);
      // After ssh2's own listener, so the socket's first bytes reach it too.
      const unguard = guardPreamble(sock, () =>
        finish(new ScpipeError('ERR_CONNECT', `${host.user}@${host.hostname}: banner exchange: more than ${MAX_PRE_BANNER_LINES} lines before the server's SSH version line`, { host: host.hostname })),
        () => clock.enter('kex'),
      );
      client.once('greeting', () => (unguard(), clock.enter('kex'))).once('handshake', unguard);
    } catch (err) {
      if (err instanceof ScpipeError) return finish(err);
      // ssh2 checks its options here, the algorithm lists among them ("Unsupported algorithm: x").
      const given = Object.keys(host.algorithms);
      const hint = given.length ? ` (${given.join('/')}; ssh2 supports fewer than OpenSSH: try --transport openssh)` : '';
      finish(new ScpipeError('ERR_CONFIG', `${(err as Error).message}${hint}`, { cause: err }));
    }
  });
  log?.(`authenticated to ${host.hostname} ([${address ?? 'via proxy'}]:${host.port})`);
  aliveWhileReceiving(client, sock, host.serverAliveIntervalMs);
  let heard = performance.now();
  // The channels' stall watches share what the connection shows of the remote (util/stall-reach.ts).
  const reach = new StallReach((answered) => probeConnection(client, answered), () => performance.now());
  sock.on('data', () => {
    heard = performance.now();
    reach.heard();
  });
  // Later errors (a dropped connection) reach the channel as EOF; keep the
  // process from crashing on an unhandled 'error' event.
  let lost: string | undefined;
  const whyLost = (): string | undefined => lost;
  client.on('error', (err: Error & { level?: string }) => {
    log?.(`connection error: ${peerText(err.message)}`);
    // ssh2 emits this before it destroys the socket, so before any channel closes.
    if (err.level === 'client-timeout' && /keepalive/i.test(err.message)) lost = keepaliveTimeout(host);
    else if (isDisconnect(err)) lost ??= disconnected(err, host);
    else if (err.level === undefined && !sock.destroyed) {
      // Bytes ssh2 could not parse (a bad packet length, a MAC that fails): ssh2 only
      // half-closes, and a server that keeps the socket open and talking held the run for ever.
      lost ??= brokenProtocol(err);
      dropSocket(sock);
    }
  });
  // A stall ends the connection, as a keepalive timeout does: a remote hung in
  // the kernel (NFS, a tape) may never answer the close of its channel alone.
  // The stalled channel says its own wait; the others it ends (parts that were
  // moving) name it, so that a stalled part is told from its neighbours.
  const stalled = (channel: string) => (why: string): void => {
    lost ??= endedByStall(channel, why);
    log?.(`stalled: ${channel}: ${why}`);
    dropSocket(sock);
  };
  const sftpChannel = (which?: string): string => `its sftp session${which ? ` ${which}` : ''}`;
  const stallWatch = (which?: string): StallWatch | undefined => stallWatchFor(opts.stallTimeoutMs, stalled(sftpChannel(which)), reach);
  return {
    client,
    host,
    exec: async (command, signal) => {
      const what = `the exec of ${escapeForTerminal(command)}`;
      const watch = stallWatchFor(opts.stallTimeoutMs, stalled(`its channel for ${what}`), reach);
      const channel = await openWatched(watch, what, () => execChannel(client, command, log, host.env, whyLost, signal));
      return watchStalls(channel, opts.stallTimeoutMs, () => {}, watch);
    },
    stallWatch,
    endForSilentSftp: (which, why) => stalled(sftpChannel(which))(why),
    close: () => client.end(),
    drop: () => dropSocket(sock),
    whyLost,
    heardSince: (at) => heard >= at,
  };
}
