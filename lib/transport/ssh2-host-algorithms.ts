// The algorithms ssh2 offers one host: ssh_config's lists (algorithms.ts),
// the host key types known_hosts holds for it first, chacha20 before the
// CTR ciphers, and zlib with Compression=yes.
import type { ConnectConfig } from 'ssh2';
import { preferKnownHostKeys, ssh2Algorithms } from './algorithms';
import { chachaBeforeCtr, ssh2DefaultCiphers } from './cipher-order';
import { knownKeyTypes } from './known-hosts';
import type { ResolvedHost } from './ssh-config';

/** ssh2's `algorithms` option for `host`; undefined leaves ssh2's defaults. */
export async function algorithmsFor(host: Readonly<ResolvedHost>): Promise<ConnectConfig['algorithms']> {
  let chosen: ConnectConfig['algorithms'];
  const algorithms = ssh2Algorithms(host.algorithms);
  const hostKeyAlgorithms = host.algorithms.HostKeyAlgorithms;
  if (hostKeyAlgorithms === undefined || /^[+-]/.test(hostKeyAlgorithms)) {
    const known = await knownKeyTypes([...host.knownHostsFiles, ...host.globalKnownHostsFiles], host.hostKeyAlias ?? host.hostname, host.hostKeyAlias !== undefined ? 22 : host.port);
    const ordered = preferKnownHostKeys(algorithms.serverHostKey, known);
    if (ordered) algorithms.serverHostKey = ordered;
  }
  if (host.algorithms.Ciphers === undefined) {
    const ciphers = chachaBeforeCtr(ssh2DefaultCiphers());
    if (ciphers) algorithms.cipher = ciphers;
  }
  if (Object.keys(algorithms).length) chosen = algorithms as ConnectConfig['algorithms'];
  // Compression=yes: zlib where the server offers it (CPU for bandwidth: worth it on slow links only).
  if (host.compression) chosen = { ...chosen, compress: ['zlib@openssh.com', 'zlib', 'none'] };
  return chosen;
}
