// `scpipe serve`: an SSH server (ssh2's Server) that runs nothing but its own
// scp roles over a jailed root, like an rssh or ForceCommand account with no
// OpenSSH install. Each session may exec one scp command; shells, ptys,
// subsystems and forwarding are refused. Many clients at once; a client that
// vanishes mid-file costs one log line.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Server, utils, type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import type { AuthorizedKeys } from './authorized-keys';
import type { HostKey } from './host-key';
import type { Jail } from './jail';
import { RESTRICTED_BANNER, runSession } from './session';

/** How clients authenticate. */
export interface ServeAuth {
  /** Public keys allowed (any user name unless `user` is set). */
  authorizedKeys?: AuthorizedKeys;
  /** The only user name accepted, when set. */
  user?: string;
  /** Password for `user` (password and keyboard-interactive). */
  password?: string;
  /** Accept everyone without authentication (explicit --no-auth only). */
  none?: boolean;
}

/** Options of startServer(). */
export interface ServeOptions {
  jail: Jail;
  hostKey: HostKey;
  auth: ServeAuth;
  host: string;
  port: number;
  readOnly?: boolean;
  verbose?: boolean;
  log?: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  address: AddressInfo;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts listening; resolves once the port is bound. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clients = new Set<Connection>();
  const stop = new AbortController();
  const server = new Server({ hostKeys: [opts.hostKey.privateKey] }, (client, info) => {
    clients.add(client);
    const from = `${info.ip}:${info.port}`;
    let user = '?';
    client.on('authentication', (ctx) => {
      user = ctx.username;
      const usable = opts.auth.user === undefined || ctx.username === opts.auth.user;
      if (ctx.method === 'keyboard-interactive' && usable && opts.auth.password !== undefined) {
        const expected = opts.auth.password;
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
          equalSecret(answers[0] ?? '', expected) ? ctx.accept() : ctx.reject(methodsFor(opts.auth)),
        );
        return;
      }
      if (authenticate(ctx, opts.auth)) return ctx.accept();
      ctx.reject(methodsFor(opts.auth));
    });
    client.on('ready', () => {
      if (opts.verbose) log(`${escapeForTerminal(user)}@${from} authenticated`);
      client.on('session', (accept) => {
        const session = accept();
        let used = false;
        session.on('exec', (acceptExec, _reject, { command }) => {
          const stream: ServerChannel = acceptExec();
          if (used) {
            stream.stderr.write('scpipe serve: one command per session\n');
            stream.exit(1);
            stream.end();
            return;
          }
          used = true;
          void runSession(stream, command, {
            jail: opts.jail,
            readOnly: Boolean(opts.readOnly),
            log,
            verbose: Boolean(opts.verbose),
            who: `${escapeForTerminal(user)}@${from}`,
            signal: stop.signal,
          });
        });
        // An interactive login gets rssh's answer instead of a shell.
        session.on('shell', (acceptShell) => {
          const stream = acceptShell();
          stream.stderr.write(RESTRICTED_BANNER);
          stream.exit(1);
          stream.end();
          log(`${escapeForTerminal(user)}@${from} refused an interactive shell`);
        });
        session.on('pty', (_a, reject) => reject?.());
        session.on('subsystem', (_a, reject, { name }) => {
          log(`${escapeForTerminal(user)}@${from} refused subsystem ${escapeForTerminal(name)}`);
          reject?.();
        });
      });
      client.on('tcpip', (_a, reject) => reject?.());
      client.on('request', (_a, reject) => reject?.());
    });
    client.on('error', (err) => {
      if (opts.verbose) log(`${from}: ${err.message}`);
    });
    client.on('close', () => clients.delete(client));
  });
  // Our own listener, so that every connection has Nagle's algorithm off
  // from its first byte: a download answers each of the client's one-byte
  // acks with a small record, and with Nagle on, that record waited for the
  // client's delayed ACK, 40 ms per file (docs/performance.md §3). ssh2's
  // Server takes the socket from here.
  const listener = createServer((socket) => {
    socket.setNoDelay(true);
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ScpipeError('ERR_CONNECT', `cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })),
    );
    listener.listen(opts.port, opts.host, () => resolve());
  });
  listener.on('error', (err: Error) => log(`server error: ${err.message}`));
  server.on('error', (err: Error) => log(`server error: ${err.message}`));
  return {
    address: listener.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        stop.abort();
        for (const c of clients) c.end();
        listener.close(() => resolve());
      }),
  };
}

function methodsFor(auth: ServeAuth): Array<'publickey' | 'password' | 'keyboard-interactive'> {
  const methods: Array<'publickey' | 'password' | 'keyboard-interactive'> = [];
  if (auth.authorizedKeys) methods.push('publickey');
  if (auth.password !== undefined) methods.push('password', 'keyboard-interactive');
  return methods;
}

// True to accept (keyboard-interactive is answered above, asynchronously).
function authenticate(ctx: AuthContext, auth: ServeAuth): boolean {
  if (auth.none) return true;
  if (auth.user !== undefined && ctx.username !== auth.user) return false;
  if (ctx.method === 'publickey') {
    if (!auth.authorizedKeys || !auth.authorizedKeys.has(ctx.key.data)) return false;
    if (!ctx.signature || !ctx.blob) return true; // the "would this key do?" query
    const parsed = utils.parseKey(ctx.key.data);
    if (parsed instanceof Error) return false;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo as never) === true;
  }
  if (ctx.method === 'password') return auth.password !== undefined && equalSecret(ctx.password, auth.password);
  return false;
}

function equalSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
