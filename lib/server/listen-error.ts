// What serve says when it cannot bind its address: the errno's words, as
// sshd's "Bind to port 2022 on 0.0.0.0 failed: Address already in use.", not
// Node's; for a low port refused to an ordinary user, why and what to do.
import { readFileSync } from 'node:fs';
import { ScpipeError } from '../errors';
import { errnoCode, strerror } from '../fs/strerror';

const PORT_START_SYSCTL = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

/** ERR_CONNECT for a failed listen on `host`:`port`. */
export function listenError(host: string, port: number, err: unknown, sysctl = PORT_START_SYSCTL): ScpipeError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let why = strerror(err);
  const first = errnoCode(err) === 'EACCES' ? firstUnprivilegedPort(sysctl) : undefined;
  if (first !== undefined && port > 0 && port < first) why += `: ports below ${first} need root or CAP_NET_BIND_SERVICE; give a port of ${first} or above`;
  return new ScpipeError('ERR_CONNECT', `cannot listen on ${where}: ${why}`, { cause: err });
}

// Linux's net.ipv4.ip_unprivileged_port_start (1024 unless changed); 1024 elsewhere.
function firstUnprivilegedPort(sysctl: string): number {
  try {
    const n = Number(readFileSync(sysctl, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 1024;
  } catch {
    return 1024;
  }
}
