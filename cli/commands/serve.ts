// `scpipe serve [options]`: an scp and SFTP SSH server over a root directory.
import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_AUTH_LIMITS,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_LEFTOVER_CHECK_MS,
  DEFAULT_MAX_UPLOADS_PER_KEY,
  Jail,
  ScpipeError,
  abortError,
  escapeForTerminal,
  loadHostKey,
  parseRemoteSpec,
  startServer,
  type ServeOptions,
} from '../../lib';
import { defaultHostKeyPath, defaultStateDir, parseMaxStartups } from '../../lib/internal';
import type { CommandContext } from '../context';
import { operands, unknownArguments, type OperandArgs } from '../operands';
import { signalStatus } from '../exit-status';
import { heldUntilListening, serveLog } from '../serve-log';
import { PASSWORD_ENV, serveAuth } from '../serve-auth';
import { DEFAULT_STOP_TIMEOUT_S, drainServer } from '../serve-stop';
import { single, singleNumber } from '../yargs-limits';

interface ServeArgs extends OperandArgs {
  root: string;
  addr: string;
  'host-key'?: string;
  'authorized-keys'?: string;
  user?: string;
  'no-auth': boolean;
  'read-only': boolean;
  'append-only': boolean;
  'state-dir'?: string;
  'max-uploads-per-key'?: number;
  v: boolean;
  'max-auth-tries': number;
  'auth-failure-delay': number;
  'login-grace-time': number;
  'max-startups': string;
  'max-per-address': number;
  'max-sessions': number;
  'max-connections-per-key': number;
  'client-alive-interval': number;
  'client-alive-count-max': number;
  'stop-timeout': number;
  'leftover-check-interval': number;
  'expire-uploads-after'?: number;
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT`. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const spec = text.startsWith(':') ? { host: '127.0.0.1', path: text.slice(1) } : parseRemoteSpec(text);
  const port = spec ? Number(spec.path) : NaN;
  if (!spec || 'user' in spec || !/^\d+$/.test(spec.path) || port < 0 || port > 65535) {
    throw new ScpipeError('ERR_USAGE', `bad --addr "${text}": give HOST:PORT, e.g. 127.0.0.1:2022 or [::1]:2022`);
  }
  return { host: spec.host, port };
}

/** Builds the serve command for yargs. */
export function serveCommand(ctx: CommandContext): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'run an SSH server for scp and SFTP over a root directory',
    builder: (y: Argv) =>
      y
        .usage('$0 serve [options]\n\nAn SSH server that runs only scp and SFTP over the --root directory; stock OpenSSH clients (scp, scp -O, sftp) work as they are.')
        .option('root', { ...single, demandOption: true, describe: 'directory the clients see as /' })
        .option('addr', { ...single, default: '127.0.0.1:2022', describe: 'listen address HOST:PORT' })
        .option('host-key', { ...single, describe: 'host private key (default: an ed25519 key generated once in ~/.cache/scpipe, or $XDG_CACHE_HOME/scpipe)' })
        .option('authorized-keys', { ...single, describe: 'public keys allowed to log in, read again when changed (default ~/.ssh/authorized_keys)' })
        .option('user', { ...single, describe: `the only user name accepted (with ${PASSWORD_ENV} set: a password login)` })
        .option('no-auth', { type: 'boolean', default: false, describe: 'accept anyone without authentication (tests, demos)' })
        .option('read-only', { type: 'boolean', default: false, describe: 'allow downloads only' })
        .option('append-only', { type: 'boolean', default: false, describe: 'clients may add files and directories and read, never change or remove what exists (backups a compromised client cannot destroy)' })
        .option('state-dir', { ...single, describe: 'with --append-only: where the owners of uploads in progress are kept across restarts, outside the root (default $STATE_DIRECTORY, else /var/lib/scpipe for root, else ~/.local/state/scpipe)' })
        .option('max-uploads-per-key', { ...singleNumber('max-uploads-per-key'), describe: `with --append-only: uploads in progress one key may leave on record, so one client cannot take them all (default ${DEFAULT_MAX_UPLOADS_PER_KEY})` })
        .option('v', { alias: 'verbose', type: 'boolean', default: false, describe: 'log protocol detail' })
        .option('max-auth-tries', { ...singleNumber('max-auth-tries'), default: DEFAULT_AUTH_LIMITS.maxAuthTries, describe: 'failed logins allowed per connection, then disconnect' })
        .option('auth-failure-delay', { ...singleNumber('auth-failure-delay'), default: DEFAULT_AUTH_LIMITS.failureDelayMs / 1000, describe: 'seconds before answering a wrong password' })
        .option('login-grace-time', { ...singleNumber('login-grace-time'), default: DEFAULT_CONNECTION_LIMITS.loginGraceMs / 1000, describe: 'seconds to log in, then disconnect (0: no limit)' })
        .option('max-startups', { ...single, default: formatStartups(DEFAULT_CONNECTION_LIMITS.maxStartups), describe: 'unauthenticated connections: START[:RATE:FULL] as sshd\'s MaxStartups' })
        .option('max-per-address', { ...singleNumber('max-per-address'), default: DEFAULT_CONNECTION_LIMITS.maxPerAddress, describe: 'unauthenticated connections from one address' })
        .option('max-sessions', { ...singleNumber('max-sessions'), default: DEFAULT_CONNECTION_LIMITS.maxSessions, describe: 'sessions open at once per connection' })
        .option('max-connections-per-key', { ...singleNumber('max-connections-per-key'), default: DEFAULT_CONNECTION_LIMITS.maxConnectionsPerKey, describe: 'connections logged in at once with one key (without a key: from one address)' })
        .option('client-alive-interval', { ...singleNumber('client-alive-interval'), default: DEFAULT_CONNECTION_LIMITS.clientAliveIntervalMs / 1000, describe: 'seconds of silence before a logged-in client is asked for an answer (0: never)' })
        .option('client-alive-count-max', { ...singleNumber('client-alive-count-max'), default: DEFAULT_CONNECTION_LIMITS.clientAliveCountMax, describe: 'unanswered questions before the connection is cut (0: ask, never cut)' })
        .option('leftover-check-interval', { ...singleNumber('leftover-check-interval'), default: DEFAULT_LEFTOVER_CHECK_MS / 1000, describe: 'seconds between looks for uploads\' temporary files left over, named in the log (0: at start only)' })
        .option('expire-uploads-after', { ...singleNumber('expire-uploads-after'), describe: 'with --append-only: days after which an upload\'s temporary file on record, not written to since, is removed at the next look (at least 1; default never)' })
        .option('stop-timeout', { ...singleNumber('stop-timeout'), default: DEFAULT_STOP_TIMEOUT_S, describe: 'seconds a stop waits for transfers in progress, then cuts them (0: cut at once); a second signal cuts at once' })
        .example('scpipe serve --root /srv/archive --addr 0.0.0.0:2022', '') as unknown as Argv<ServeArgs>,
    handler: (args) => {
      // yargs' strict mode refuses stray words before `--`; these came after it.
      const { after } = operands(args);
      if (after.length > 0) throw unknownArguments(after);
      // A signal during the stop: cut what still runs now; a third exits (ctx.run's default for a second).
      let cutNow: ((name: string) => void) | undefined;
      const again = (name: string): void => {
        if (cutNow) return cutNow(name);
        process.stderr.write(`scpipe: ${name} again: exiting without waiting for the transfers being cut\n`);
        process.exit(signalStatus(name));
      };
      return ctx.run(async (signal) => {
        const logger = serveLog();
        const say = logger.say;
        const { host, port } = parseListenAddress(args.addr);
        if (args['read-only'] && args['append-only']) throw new ScpipeError('ERR_USAGE', '--read-only and --append-only: give one');
        if (args['state-dir'] !== undefined && !args['append-only']) throw new ScpipeError('ERR_USAGE', '--state-dir keeps what --append-only needs: give it with --append-only');
        const stateDir = args['append-only'] ? (args['state-dir'] ?? defaultStateDir()) : undefined;
        const limits = serveLimits(args); // usage errors before any file is read
        // Without --append-only nothing is kept on record: the cap would be ignored unsaid.
        if (args['max-uploads-per-key'] !== undefined && !args['append-only']) throw new ScpipeError('ERR_USAGE', '--max-uploads-per-key caps what --append-only keeps on record: give it with --append-only');
        const maxUploadsPerKey = args['max-uploads-per-key'] === undefined ? DEFAULT_MAX_UPLOADS_PER_KEY : count(args, 'max-uploads-per-key', 1);
        const stopTimeout = seconds(args, 'stop-timeout');
        const leftoverCheckMs = seconds(args, 'leftover-check-interval') * 1000;
        const expireUploadsAfterMs = leftUploadsAge(args);
        // Expiry runs at each look: with none after the start, a serve up for months would expire nothing.
        if (expireUploadsAfterMs !== undefined && leftoverCheckMs === 0) {
          throw new ScpipeError('ERR_USAGE', '--expire-uploads-after removes uploads at each look for leftovers, and --leftover-check-interval 0 looks only at start: give an interval (the default is a day)');
        }
        const jail = await Jail.create(args.root).catch((err: unknown) => {
          // Jail.create() names the root, escaped.
          throw new ScpipeError('ERR_USAGE', `bad --root: ${(err as Error).message}`, { path: args.root, cause: err });
        });
        const starting = heldUntilListening(say);
        const { server, hostKey, auth } = await (async () => {
          const auth = await serveAuth(args, starting.say);
          const hostKey = await loadHostKey(args['host-key'] ?? defaultHostKeyPath(), args['host-key'] === undefined);
          const server = await startServer({
            jail,
            hostKey,
            auth,
            host,
            port,
            readOnly: args['read-only'],
            appendOnly: args['append-only'],
            stateDir,
            maxUploadsPerKey,
            leftoverCheckMs,
            expireUploadsAfterMs,
            stateDirIsDefault: args['state-dir'] === undefined,
            verbose: args.v,
            log: (line) => starting.say(line),
            limits,
          });
          return { server, hostKey, auth };
        })().catch((err: unknown) => {
          starting.release(); // before the error: they may tell why
          throw err;
        });
        const where = server.address.family === 'IPv6' ? `[${server.address.address}]` : server.address.address;
        const first = [
          `listening on ${where}:${server.address.port}, root ${escapeForTerminal(jail.root)}${args['read-only'] ? ' (read-only)' : args['append-only'] ? ' (append-only)' : ''}`,
          `host key ${hostKey.fingerprint} (${hostKey.generated ? 'generated' : 'from'} ${escapeForTerminal(hostKey.path)})`,
        ];
        // sshd refuses such a key ("UNPROTECTED PRIVATE KEY FILE!"); a warning keeps running servers running.
        if (hostKey.openMode !== undefined) first.push(`warning: host key ${escapeForTerminal(hostKey.path)} has mode ${hostKey.openMode.toString(8).padStart(4, '0')}: a local user who reads it can pose as this server; chmod 600 it`);
        // The count to check after adding or removing a client's key; a change later is logged as it is read (keys-file.ts).
        const keys = auth.authorizedKeysFile;
        if (keys) first.push(`authorized keys ${escapeForTerminal(keys.path)}: ${keys.loaded.size} ${keys.loaded.size === 1 ? 'key' : 'keys'}`);
        starting.release(first);
        // A signal while it started (its keys, its records: seconds) stops it now: an abort that came already fires no more.
        if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        const stopped = abortError(signal);
        say(`${stopped.signal ?? 'stopped'}: shutting down`);
        await drainServer(server, stopTimeout, say, (cut) => (cutNow = cut));
        await server.close();
        // SIGTERM is how a service is stopped (systemctl stop, docker stop, kill):
        // exit 0 as sshd does, or systemd counts every stop as a failure (143).
        // SIGINT/SIGHUP: 130/129 like every command (cli/exit-status.ts).
        if (stopped.signal === 'SIGTERM') say('stopped');
        await logger.flush(2000);
        if (stopped.signal !== 'SIGTERM') throw stopped;
      }, again);
    },
  };
}

// A number option: `whole`, a count; otherwise seconds, which may have a fraction.
function count(args: ServeArgs, name: keyof ServeArgs, min: number, whole = true): number {
  const n = args[name] as number;
  if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) {
    throw new ScpipeError('ERR_USAGE', `bad --${name} "${String(n)}": give a number of at least ${min}`);
  }
  return n;
}

const seconds = (args: ServeArgs, name: keyof ServeArgs): number => count(args, name, 0, false);

// Only the owners --append-only keeps on record tell an upload's temporary file for sure; a day at least, as retries span hours.
function leftUploadsAge(args: ServeArgs): number | undefined {
  if (args['expire-uploads-after'] === undefined) return undefined;
  if (!args['append-only']) throw new ScpipeError('ERR_USAGE', '--expire-uploads-after removes the uploads --append-only keeps on record: give it with --append-only');
  return count(args, 'expire-uploads-after', 1, false) * 86_400_000;
}

function serveLimits(args: ServeArgs): ServeOptions['limits'] {
  return {
    maxAuthTries: count(args, 'max-auth-tries', 1),
    failureDelayMs: count(args, 'auth-failure-delay', 0, false) * 1000,
    loginGraceMs: count(args, 'login-grace-time', 0, false) * 1000,
    maxStartups: parseMaxStartups(args['max-startups']),
    maxPerAddress: count(args, 'max-per-address', 1),
    maxSessions: count(args, 'max-sessions', 1),
    maxConnectionsPerKey: count(args, 'max-connections-per-key', 1),
    clientAliveIntervalMs: count(args, 'client-alive-interval', 0, false) * 1000,
    clientAliveCountMax: count(args, 'client-alive-count-max', 0),
  };
}

function formatStartups(s: { start: number; rate: number; full: number }): string {
  return `${s.start}:${s.rate}:${s.full}`;
}
