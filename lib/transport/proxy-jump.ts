// ProxyJump (-J) in the ssh2 transport: connect to the last jump host (itself
// reached through the hops before it, as `ssh -J a,b` reaches b through a),
// open a direct-tcpip channel from there to the target, and speak SSH to the
// target over that channel. Each hop is a full connection of its own, with
// its host key checked against known_hosts and its own ~/.ssh/config entry;
// like ssh, a hop sees -F but not the command line's -o options.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { ScpipeError, abortError, isScpipeError } from '../errors';
import { onAbort } from '../util/abort';
import { longTimeout } from '../util/long-timeout';
import { escapeForTerminal, peerText } from '../util/escape';

/** One `[user@]host[:port]` (or `ssh://[user@]host[:port]`) of a ProxyJump list. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** Parses a ProxyJump list; throws ERR_USAGE on a malformed hop. */
export function parseJumpHops(spec: string): JumpHop[] {
  return spec.split(',').map((raw) => {
    const text = raw.trim().replace(/^ssh:\/\//, '');
    const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(text);
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    if (!m || (port !== undefined && (port < 1 || port > 65535))) {
      throw new ScpipeError('ERR_USAGE', `bad ProxyJump hop ${JSON.stringify(raw)}: give [user@]host[:port]`);
    }
    const hop: JumpHop = { host: m[2].replace(/^\[(.*)\]$/, '$1') };
    if (m[1] !== undefined) hop.user = m[1];
    if (port !== undefined) hop.port = port;
    return hop;
  });
}

/** What a hop needs to connect: where, with the -F / home of the original options. */
export interface HopConnectOptions {
  host: string;
  user?: string;
  port?: number;
  /** `ProxyJump=...` for the hops before this one; empty: the hop's own config decides. */
  options: string[];
  depth: number;
}

/** An authenticated hop: its client, and how to close it, or end it at once. */
export interface HopConnection {
  client: Client;
  close(): void;
  drop(): void;
}

const MAX_DEPTH = 8;

/**
 * Opens the connection to `hostname:port` through the hops of `spec`; the
 * returned stream is the socket for the next SSH connection. Closing that
 * stream closes the hop's connection.
 */
export async function jumpTo(
  spec: string,
  hostname: string,
  port: number,
  depth: number,
  connectHop: (o: HopConnectOptions) => Promise<HopConnection>,
  log?: (line: string) => void,
  bound: { ms: number; said: string } = { ms: 30_000, said: '30 s' },
  signal?: AbortSignal,
): Promise<Duplex> {
  if (depth >= MAX_DEPTH) throw new ScpipeError('ERR_CONFIG', `ProxyJump: more than ${MAX_DEPTH} hops (is a jump host its own ProxyJump? give it ProxyJump none)`);
  const hops = parseJumpHops(spec);
  const last = hops.pop()!;
  const before = hops.map((h) => `${h.user ? `${h.user}@` : ''}${h.host.includes(':') ? `[${h.host}]` : h.host}${h.port ? `:${h.port}` : ''}`);
  log?.(`jumping through ${escapeForTerminal(last.host)} to ${escapeForTerminal(hostname)} port ${port}`);
  const hop = await connectHop({ ...last, options: before.length ? [`ProxyJump=${before.join(',')}`] : [], depth: depth + 1 });
  let cancelTimer: (() => void) | undefined;
  let unlink = (): void => undefined;
  try {
    // The jump host answers once its own connect to the target is made: a
    // target that drops SYNs would hold the run for the jump host's TCP
    // timeout (minutes), where ssh's ConnectTimeout covers this wait too.
    const stream = await new Promise<Duplex>((resolve, reject) => {
      // An abort is not held up by the wait (up to ConnectTimeout) either.
      unlink = onAbort(signal, () => reject(abortError(signal)));
      cancelTimer = longTimeout(() => reject(new ScpipeError('ERR_CONNECT_TIMEOUT', `jump host ${last.host} could not connect to ${hostname} port ${port}: no answer within ${bound.said}`, { host: hostname })), bound.ms);
      hop.client.forwardOut('127.0.0.1', 0, hostname, port, (err, channel) => (err ? reject(err) : resolve(channel)));
    });
    let closed = false;
    stream.once('close', () => ((closed = true), hop.close()));
    // ssh2's Channel.destroy() only asks the hop to close the channel: a
    // frozen hop never answers, and its connection would hold the run until
    // its own keepalive gave up (ssh kills its ProxyJump's `ssh -W` at once).
    const destroy = stream.destroy.bind(stream);
    stream.destroy = (err?: Error) => {
      destroy(err);
      if (!closed) hop.drop();
      return stream;
    };
    return stream;
  } catch (err) {
    if (isScpipeError(err, 'ERR_CONNECT_TIMEOUT') || isScpipeError(err, 'ERR_ABORTED')) {
      hop.drop();
      throw err;
    }
    hop.close();
    throw new ScpipeError('ERR_CONNECT', `jump host ${last.host} could not connect to ${hostname} port ${port}: ${openFailure(err)}`, { host: hostname, cause: err });
  } finally {
    cancelTimer?.();
    unlink();
  }
}

// RFC 4254 5.1's reasons, in OpenSSH's words (channels.c, reason2txt): ssh2
// keeps only the code, and "open failed" alone reads as if the target were down.
const OPEN_FAILURE_REASONS: Record<number, string> = {
  1: 'administratively prohibited',
  2: 'connect failed',
  3: 'unknown channel type',
  4: 'resource shortage',
};

/** What the jump host said when it refused the channel: `administratively prohibited: open failed`. */
function openFailure(err: unknown): string {
  const text = peerText((err as Error).message).replace(/^\(SSH\) Channel open failure: /, '');
  const reason = OPEN_FAILURE_REASONS[(err as { reason?: unknown }).reason as number];
  return reason ? `${reason}: ${text}` : text;
}
