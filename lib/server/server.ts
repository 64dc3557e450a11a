// `scpipe serve`: an SSH server (ssh2's Server) that runs nothing but its own
// scp roles and SFTP subsystem over a jailed root, like an rssh or
// internal-sftp account with no OpenSSH install. Each session may exec one
// scp command or open the `sftp` subsystem (sftp/session.ts); shells, ptys,
// other subsystems and forwarding are refused. Many clients at once; a client that
// vanishes mid-file costs one log line.
import { createServer, type AddressInfo } from 'node:net';
import type { Connection, ServerChannel } from 'ssh2';
import { ScpipeError } from '../errors';
import { peerText } from '../util/escape';
import { DEFAULT_AUTH_LIMITS, LoginAttempts, logUser, sessionWho, type AuthLimits } from './auth-limits';
import { listenError } from './listen-error';
import { refuseForwarding } from './forward-requests';
import { answerLogin, type ServeAuth } from './login';
import { ConnectionGate, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits';
import { AcceptedSockets } from './accepted-sockets';
import type { HostKey } from './host-key';
import type { Jail } from './jail';
import { keepExecBytes } from './exec-bytes';
import { KeyConnections, refuseConnection } from './key-connections';
import { answerSessions } from './session-requests';
import { keepOwners, UploadOwners } from './sftp/upload-owners';
import { ssh2 } from './ssh2';
import { fingerprint } from '../transport/known-hosts';
import { ssh2Ready } from '../transport/ssh2-load';
import { ownController } from '../util/abort';
import { addressPort, plainAddress } from './plain-address';
import { ROOT_UNAVAILABLE, RootWatch } from './root-watch';
import { DEFAULT_LEFTOVER_CHECK_MS, watchLeftovers } from './leftovers';
import { expiredLine } from './sftp/expire-uploads';
import { CLIENT_HANGUP_MS, Draining, settleWithin } from './draining';
import { clientAliveOptions } from './client-alive';
import { unreadablePacket } from './unreadable-packet';
import { RepeatedLines } from './repeated-lines';

export type { ServeAuth } from './login';

/** The software version serve sends (`SSH-2.0-scpipe`): no version number. */
const SERVER_IDENT = 'scpipe';

/** Options of startServer(). */
export interface ServeOptions {
  jail: Jail;
  hostKey: HostKey;
  auth: ServeAuth;
  host: string;
  port: number;
  readOnly?: boolean;
  /** Clients may add and read, never change or remove what exists (docs/serve.md). */
  appendOnly?: boolean;
  /** With appendOnly: where the owners of uploads in progress are kept across restarts (state-dir.ts); else in memory only. */
  stateDir?: string;
  /** With stateDir: uploads in progress one key (or user) may hold on record (default RECORDS_PER_LOGIN_MAX). */
  maxUploadsPerKey?: number;
  /** stateDir is the default (defaultStateDir()), not one the user gave: a refusal says how to give one. */
  stateDirIsDefault?: boolean;
  verbose?: boolean;
  log?: (line: string) => void;
  /** How often the root is looked through for uploads' temporary files left over (leftovers.ts): default a day, 0 only at start. */
  leftoverCheckMs?: number;
  /** With stateDir: removes, at each such look, the uploads on record not written to for this long (expire-uploads.ts). */
  expireUploadsAfterMs?: number;
  /** Login and connection limits (auth-limits.ts, connection-limits.ts); sshd's defaults. */
  limits?: Partial<AuthLimits & ConnectionLimits>;
}

/** A running server. */
export interface RunningServer {
  address: AddressInfo;
  /**
   * Stops accepting connections, sessions and commands and lets the sessions
   * running finish (draining.ts), for at most `ms`; resolves with the number
   * still running then (0: every one finished), having logged the counts of
   * repeated lines not said yet (repeated-lines.ts). close() cuts those left.
   */
  drain(ms: number): Promise<number>;
  /** Sessions running (scp commands, SFTP sessions). */
  running(): number;
  /**
   * Stops listening, cuts every transfer (an scp upload's temporary file is
   * removed) and closes every connection; resolves once each session has
   * cleaned up and logged its line, or after SHUTDOWN_GRACE_MS, when the
   * connections still open are dropped.
   */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** How long close() waits for sessions to clean up and clients to hang up. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Starts listening; resolves once the port is bound. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await ssh2Ready(); // else every connection is dropped unlogged
  const clients = new Set<Connection>();
  // Every session still running, for close().
  const sessions = new Set<Promise<void>>();
  const track = (client: Connection, session: Promise<void>): void => {
    sessions.add(session);
    const ended = draining.started(client);
    void session.finally(() => {
      sessions.delete(session);
      ended();
    });
  };
  const stop = ownController(); // one listener per session running
  const draining = new Draining();
  const limits = { ...DEFAULT_AUTH_LIMITS, ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
  const repeats = new RepeatedLines(log);
  const sockets = new AcceptedSockets(new ConnectionGate(limits), log, draining, repeats);
  const perKey = new KeyConnections(limits.maxConnectionsPerKey);
  const rootWatch = await RootWatch.start(opts.jail.root, log);
  // This server's own: two in one process (the library) never share them.
  const owners = opts.appendOnly && opts.stateDir !== undefined ? await keepOwners(opts.stateDir, opts.jail.root, log, { perLogin: opts.maxUploadsPerKey, byDefault: opts.stateDirIsDefault }) : new UploadOwners();
  // Runs a session unless the root is not the directory it was (root-watch.ts); the client is told why on stderr.
  const ifRootThere = async (channel: ServerChannel, run: () => Promise<void>): Promise<void> => {
    if ((await rootWatch.check()) === undefined) return run();
    channel.stderr.write(`scpipe serve: ${ROOT_UNAVAILABLE}\n`);
    channel.exit(1);
    channel.end();
  };
  const alive = clientAliveOptions(limits);
  keepExecBytes();
  // ssh2 would send `SSH-2.0-ssh2js<its version>`: a scanner's list of what to try on which
  // library version. The name alone says what a client needs (no quirk keys on it).
  const server = new (ssh2().Server)({ hostKeys: [opts.hostKey.privateKey], ident: SERVER_IDENT, ...alive }, (client, connInfo) => {
    const info = { ...connInfo, ip: plainAddress(connInfo.ip) };
    clients.add(client);
    sockets.identified(info.ip, info.port);
    const from = addressPort(info.ip, info.port);
    const attempts = new LoginAttempts(limits, info, log);
    let user = '?';
    // Who logged in, for --append-only's uploads in progress: the last attempt is the one accepted.
    let login = '';
    let key: string | undefined;
    let loggedIn: string | undefined; // `who` once logged in
    client.on('authentication', (ctx) => {
      user = ctx.username;
      key = ctx.method === 'publickey' ? fingerprint(ctx.key.data) : undefined;
      login = key !== undefined ? `key ${key}` : `user ${ctx.username}`;
      answerLogin(ctx, { auth: opts.auth, attempts, ip: info.ip, log, live: () => clients.has(client), end: () => client.end() });
    });
    client.on('ready', () => {
      sockets.authenticated(info.ip, info.port);
      const who = sessionWho(user, from, key);
      loggedIn = who;
      if (opts.verbose) log(`${who} authenticated`);
      const admitted = perKey.admit(login, info.ip);
      if (typeof admitted === 'number') {
        const of = key !== undefined ? 'of this key' : 'without a key from this address';
        log(`${who} refused: ${admitted} connections ${of} logged in already (--max-connections-per-key)`); // `who` names the key or the address
        return refuseConnection(client, `${admitted} connections ${of} are logged in already, the most one ${key !== undefined ? 'key' : 'address'} may have: try again once one has ended`);
      }
      client.once('close', admitted);
      // ssh2 says the connection ended before it closes its channels, so a
      // channel that ends while this is false was ended by the client.
      let connected = true;
      client.once('end', () => (connected = false)).once('close', () => (connected = false));
      if (draining.active) client.end(); // logged in as the stop began
      answerSessions(client, {
        jail: opts.jail,
        readOnly: Boolean(opts.readOnly),
        appendOnly: Boolean(opts.appendOnly),
        verbose: Boolean(opts.verbose),
        log,
        logRepeated: (kind, line) => repeats.line(info.ip, kind, line),
        who,
        login,
        owners,
        maxSessions: limits.maxSessions,
        clientIdent: info.header.identRaw,
        draining,
        cut: stop.signal,
        connected: () => connected,
        run: (channel, session) => track(client, ifRootThere(channel, session)),
      });
      refuseForwarding(client, { verbose: Boolean(opts.verbose), who, logRepeated: (kind, line) => repeats.line(info.ip, kind, line) });
    });
    client.on('error', (err: Error & { level?: string }) => {
      const dropped = loggedIn !== undefined ? unreadablePacket(err) : undefined;
      // sshd's words, so that existing log watchers match.
      if (err.level === 'client-timeout') log(`Timeout, client not responding from user ${logUser(user)} ${info.ip} port ${info.port}`);
      else if (dropped !== undefined) log(`${loggedIn} ${dropped}`);
      // A client's DISCONNECT comes as an error with the client's own text.
      else if (opts.verbose) log(`${from}: ${peerText(err.message)}`);
    });
    client.on('close', () => clients.delete(client));
  });
  // Our own listener, so that every connection has Nagle's algorithm off
  // from its first byte: a download answers each of the client's one-byte
  // acks with a small record, and with Nagle on, that record waited for the
  // client's delayed ACK, 40 ms per file (docs/performance.md §3). ssh2's
  // Server takes the socket from here, once admitted (accepted-sockets.ts).
  const listener = createServer((socket) => {
    if (sockets.admit(socket)) server.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) => reject(listenError(opts.host, opts.port, err)));
    listener.listen(opts.port, opts.host, () => resolve());
  }).catch((err: unknown) => {
    owners.close();
    throw err;
  });
  // In the background: a large root takes a while.
  const expireMs = opts.expireUploadsAfterMs;
  const expire = expireMs === undefined ? undefined : async (): Promise<void> => {
    for (const u of await owners.expire(expireMs)) log(expiredLine(u, expireMs / DAY_MS));
  };
  watchLeftovers(opts.jail.root, log, stop.signal, opts.leftoverCheckMs ?? DEFAULT_LEFTOVER_CHECK_MS, expire);
  listener.on('error', (err: Error) => log(`server error: ${err.message}`));
  server.on('error', (err: Error) => log(`server error: ${err.message}`));
  return {
    address: listener.address() as AddressInfo,
    running: () => sessions.size,
    drain: async (ms) => {
      listener.close();
      sockets.dropUnidentified();
      draining.start(clients);
      // Then the clients hang up themselves (draining.ts's CLIENT_HANGUP_MS), or close() ends them.
      const finished = await settleWithin(Promise.all([...sessions]), ms);
      if (finished) await settleWithin(sockets.closed(), CLIENT_HANGUP_MS + 500);
      // A program may drain and exit, without close(): the counts are said now, not when their minute ends.
      repeats.flush();
      return sessions.size;
    },
    close: async () => {
      listener.close();
      owners.close();
      draining.start([]);
      stop.abort(new ScpipeError('ERR_ABORTED', 'the server is shutting down')); // the log line of each transfer cut
      for (const c of clients) c.end();
      sockets.dropUnidentified();
      // Sessions end when their channel closes (SFTP) or on the abort (scp);
      // a client that stopped reading or answering must not hold the exit.
      const settled = Promise.all([...sessions]).then(() => sockets.closed());
      if (!(await settleWithin(settled, SHUTDOWN_GRACE_MS))) {
        const n = sockets.all.size;
        log(`shutdown: ${n} ${n === 1 ? 'connection' : 'connections'} still open after ${SHUTDOWN_GRACE_MS / 1000} s: dropped`);
        for (const socket of sockets.all) socket.destroy();
      }
      repeats.flush();
    },
  };
}
