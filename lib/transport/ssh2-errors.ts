// ssh2's connection errors said as ssh says them: a refused login with the
// methods tried and the keys left out, a timeout, the server's DISCONNECT
// (its text escaped and cut: it may come before the host key is checked).
import { ScpipeError } from '../errors';
import { escapeForTerminal, peerText } from '../util/escape';
import type { ResolvedHost } from './ssh-config';

// ssh's "Timeout, server not responding", with the numbers that made it.
export function keepaliveTimeout(host: Pick<ResolvedHost, 'serverAliveIntervalMs' | 'serverAliveCountMax'>): string {
  const interval = host.serverAliveIntervalMs / 1000;
  const count = host.serverAliveCountMax;
  return `no answer from the server for ${interval * count} s (ServerAliveInterval ${interval} s × ServerAliveCountMax ${count})`;
}

export function describeClientError(err: Error & { level?: string }, host: ResolvedHost, tried: string[], notOffered: string[] = [], accepts: string[] = []): ScpipeError {
  const where = `${host.user}@${host.hostname}`;
  if (err.level === 'client-authentication') {
    const methods = tried.length ? tried.join(',') : 'none';
    // What ssh's "Permission denied (publickey,password)" lists: a password
    // BatchMode did not ask for, say. The names are the server's: escaped.
    const server = accepts.length ? `; the server accepts ${escapeForTerminal(accepts.join(','))}` : '';
    // ssh says why a key was left out as it goes; here, with the refusal.
    const left = notOffered.length ? `; not offered: ${notOffered.join(', ')}` : '';
    // No key anywhere (no agent, no ~/.ssh/id_*, no -i): ssh says only "(publickey)"; a first login needs to hear where one goes.
    const noKey = tried.every((m) => m === 'none') && notOffered.length === 0 && accepts.includes('publickey')
      ? '; no key to offer: give one with -i FILE (or IdentityFile in ~/.ssh/config), or add it to ssh-agent'
      : '';
    return new ScpipeError('ERR_AUTH', `${where}: Permission denied (tried ${methods}${server})${left}${noKey}`, { host: host.hostname, cause: err });
  }
  if (err.level === 'client-timeout') {
    return new ScpipeError('ERR_CONNECT_TIMEOUT', `${where}: timed out during the SSH handshake`, { host: host.hostname, cause: err });
  }
  if (isDisconnect(err)) {
    // sshd's MaxAuthTries (6) ends the login after that many keys: an agent
    // holding more, offered first, cuts off the -i key. ssh says no more; say what helps.
    if (/Too many authentication failures/.test(err.message)) {
      const fix = tried.includes('agent')
        ? "each key offered counts against the server's MaxAuthTries, ssh-agent's first: -o IdentitiesOnly=yes offers only the -i/IdentityFile keys"
        : "each key offered counts against the server's MaxAuthTries: offer fewer, -i the one to use with -o IdentitiesOnly=yes";
      return new ScpipeError('ERR_AUTH', `${where}: ${disconnected(err, host)} (${fix})`, { host: host.hostname, cause: err });
    }
    return new ScpipeError('ERR_CONNECT', `${where}: ${disconnected(err, host)}`, { host: host.hostname, cause: err });
  }
  // The server went away mid-handshake and a write found out first (else only 'close' tells, ssh2-transport.ts).
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ECONNRESET') {
    return new ScpipeError('ERR_CONNECT', `${where}: connection closed by ${host.hostname} port ${host.port} during the SSH handshake${code === 'ECONNRESET' ? ' (reset)' : ''}`, { host: host.hostname, cause: err });
  }
  // Most often an old server with only ssh-rsa (SHA-1), which ssh refuses too (algorithms.ts).
  const hint = /no matching host key format/.test(err.message) && host.algorithms.HostKeyAlgorithms === undefined
    ? ' (an old server may offer only ssh-rsa, SHA-1 signatures, which ssh refuses too since OpenSSH 8.8; to accept it anyway: -o HostKeyAlgorithms=+ssh-rsa)'
    : '';
  return new ScpipeError('ERR_CONNECT', `${where}: ${peerText(err.message)}${hint}`, { host: host.hostname, cause: err });
}

// ssh2's error for the server's DISCONNECT: its reason code, and the server's text as the message.
export function isDisconnect(err: Error & { level?: string; code?: unknown }): boolean {
  return err.level === undefined && typeof err.code === 'number';
}

// ssh's wording, with the server's text escaped and cut as ssh's log does it.
export function disconnected(err: Error & { code?: unknown }, host: ResolvedHost): string {
  return `Received disconnect from ${host.hostname} port ${host.port}:${String(err.code)}: ${peerText(err.message)}`;
}

// Bytes from the server that are not SSH, in ssh's words where OpenSSL has none: a
// failed AES-GCM tag comes from Node as `error:00000000:lib(0)::reason(0)`.
export function brokenProtocol(err: Error): string {
  const why = /^error:0+:lib\(0\)::reason\(0\)$/.test(err.message) ? 'message authentication code incorrect' : peerText(err.message);
  return `the server broke the SSH protocol: ${why}`;
}
