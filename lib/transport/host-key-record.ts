// Adds a host key the user trusted (accept-new, no, a yes at the question,
// CheckHostIP's address) to the first UserKnownHostsFile, as ssh does, and
// says so at ssh's default log level.
import { strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';
import { appendKnownHost, checkHostKey, knownHostsName } from './known-hosts';
import type { ResolvedHost } from './ssh-config';
import { sshKeyTypeName } from './host-key-messages';

// Additions to known_hosts, one at a time across the run's connections, each
// looking first whether the key is there already.
let recording: Promise<unknown> = Promise.resolve();

/** Where a key is recorded beside the host's name (CheckHostIP): its address, and whether only it is new. */
export interface AddressToRecord {
  host: string;
  port: number;
  /** The host's name is known already: the address alone is added, in ssh's words for it. */
  alone?: boolean;
}

/**
 * Records `key` (of `type`) for `as`:`port` in host.knownHostsFiles[0], with
 * `address` (or for it alone); none, or /dev/null: nothing. A file that
 * cannot be written is a warning, never a failure: the connection goes on,
 * as ssh's does.
 */
export async function recordHostKey(host: Readonly<ResolvedHost>, key: Buffer, type: string, as: string, port: number, warn: (line: string) => void, address?: AddressToRecord): Promise<void> {
  const file = host.knownHostsFiles[0];
  if (file === undefined || file === '/dev/null') return;
  const [first, also] = address?.alone ? [address, undefined] : [{ host: as, port }, address];
  const ip = address && knownHostsName(address.host, address.port);
  const add = async (): Promise<void> => {
    // Another connection of the run (a put to several targets on one host) may have added it meanwhile.
    if ((await checkHostKey({ files: [file], host: first.host, port: first.port, key }).catch(() => undefined))?.status === 'match') return;
    try {
      await appendKnownHost(file, first.host, first.port, key, host.hashKnownHosts, also);
      // ssh's words (sshconnect.c): the name and address as one, or the address alone.
      if (address?.alone) warn(`Warning: Permanently added the ${sshKeyTypeName(type)} host key for IP address '${ip}' to the list of known hosts.`);
      else warn(`Warning: Permanently added '${knownHostsName(as, port)}${also ? `,${ip}` : ''}' (${sshKeyTypeName(type)}) to the list of known hosts.`);
    } catch (err) {
      // In the C library's words, naming the directory when that was what failed (a read-only home).
      const at = (err as NodeJS.ErrnoException).path;
      const what = address?.alone ? `the ${sshKeyTypeName(type)} host key for IP address '${ip}'` : 'the host';
      warn(`Failed to add ${what} to the list of known hosts (${escapeForTerminal(file)}): ${at && at !== file ? `${escapeForTerminal(String(at))}: ` : ''}${strerror(err)}`);
    }
  };
  const mine = recording.then(add);
  recording = mine.catch(() => undefined);
  await mine;
}
