// Decides whether to trust the server's host key, as ssh's
// StrictHostKeyChecking does, using the known_hosts files of the resolved
// host. ssh2 only learns "rejected"; the reason is kept for the caller to
// throw (verifier.failure()) once ssh2 reports the failed handshake.
import { ScpipeError, isScpipeError } from '../errors';
import { checkHostKey, fingerprint, keyType, knownHostsName, rsaKeyBits } from './known-hosts';
import { recordHostKey } from './host-key-record';
import { shellWord } from '../util/shell-word';
import { outOfDescriptors } from '../util/limits';
import { addKeyCommand, changedKeyWarning, sshKeyTypeName } from './host-key-messages';
import type { HostVerifier, HostVerifierOptions } from './host-verifier-types';

/** OpenSSH's default RequiredRSASize. */
const MIN_RSA_BITS = 1024;

export type { FirstConnectInfo, HostVerifier, HostVerifierOptions } from './host-verifier-types';

/** ssh's sockaddr_is_local(): 127.0.0.0/8 and ::1. */
const isLoopback = (ip: string): boolean => /^127\./.test(ip) || ip === '::1';

// Builds the host key verifier for one connection: match → accept; unknown →
// refuse (yes), ask onFirstConnect (ask), or record and accept (accept-new,
// no); changed → refuse unless StrictHostKeyChecking=no; revoked → refuse.
export function createHostVerifier(opts: HostVerifierOptions): HostVerifier {
  const { host } = opts;
  const log = opts.log ?? ((): void => undefined);
  const warn = opts.warn ?? log;
  // HostKeyAlias is used as-is (no [..]:port), as in ssh.
  const lookupHost = host.hostKeyAlias ?? host.hostname;
  const lookupPort = host.hostKeyAlias !== undefined ? 22 : host.port;
  const name = knownHostsName(lookupHost, lookupPort);
  let failed: ScpipeError | undefined;
  let passwordsAllowed = true;

  const refuse = (err: ScpipeError): boolean => {
    failed = err;
    log(err.message);
    return false;
  };

  // CheckHostIP's address, where ssh checks it: not on loopback, where a forwarded port varies.
  const checkedAddress = (): string | undefined => {
    const ip = opts.address?.();
    return !host.checkHostIP || ip === undefined || isLoopback(ip) || ip === host.hostname ? undefined : ip;
  };
  const lookAddress = (ip: string, key: Buffer) => checkHostKey({ files: [...host.knownHostsFiles, ...host.globalKnownHostsFiles], host: ip, port: host.port, key });

  // A new name is recorded with its address where that is new too: one line, as ssh writes it.
  const record = async (key: Buffer, type: string): Promise<void> => {
    const ip = checkedAddress();
    const withIp = ip !== undefined && (await lookAddress(ip, key).catch(() => undefined))?.status === 'unknown';
    await recordHostKey(host, key, type, lookupHost, lookupPort, warn, withIp ? { host: ip, port: host.port } : undefined);
  };

  // CheckHostIP: the key is also looked up under the address and real port (a
  // HostKeyAlias or not); a missing one is recorded. A different key there is
  // what it is for (a spoofed name): refused unless StrictHostKeyChecking=no,
  // which warns.
  async function checkAddress(key: Buffer, type: string): Promise<boolean> {
    const ip = checkedAddress();
    if (ip === undefined) return true;
    const result = await lookAddress(ip, key);
    if (result.status === 'changed') {
      const what = `the ${sshKeyTypeName(type)} host key for '${name}' differs from the key for the IP address '${ip}' (offending key in ${result.file}:${result.line})`;
      if (host.strictHostKeyChecking === 'no') {
        warn(`Warning: ${what}`);
        return true;
      }
      return refuse(new ScpipeError('ERR_HOST_KEY_CHANGED', `Host key verification failed: ${what}, and CheckHostIP is on (a DNS spoofing check): refusing to connect; if the address now belongs to this host, remove the old key with ssh-keygen -R '${knownHostsName(ip, host.port)}' -f ${shellWord(result.file)}`, { host: name }));
    }
    if (result.status === 'unknown') await recordHostKey(host, key, type, lookupHost, lookupPort, warn, { host: ip, port: host.port, alone: true });
    return true;
  }

  async function decide(key: Buffer): Promise<boolean> {
    return (await decideName(key)) && checkAddress(key, keyType(key));
  }

  async function decideName(key: Buffer): Promise<boolean> {
    const type = keyType(key);
    const fp = fingerprint(key);
    // ssh refuses an RSA key below RequiredRSASize (default 1024 bits) before
    // any lookup: such a key can be factored, so it proves nothing.
    const bits = rsaKeyBits(key);
    if (bits !== undefined && bits < MIN_RSA_BITS) {
      return refuse(new ScpipeError('ERR_HOST_KEY_CHANGED', `Bad server host key for ${name}: ${type} key ${fp} has ${bits} bits; ssh refuses RSA keys under ${MIN_RSA_BITS} bits (RequiredRSASize)`, { host: name }));
    }
    const files = [...host.knownHostsFiles, ...host.globalKnownHostsFiles];
    let result;
    try {
      result = await checkHostKey({ files, host: lookupHost, port: lookupPort, key, portless: host.hostKeyAlias === undefined });
    } catch (err) {
      const limit = outOfDescriptors(err);
      const why = limit === undefined ? (err as Error).message : `${(err as NodeJS.ErrnoException).path ?? 'known_hosts'}: ${limit}`;
      return refuse(new ScpipeError('ERR_CONFIG', `cannot read known_hosts: ${why}`, { host: name, cause: err }));
    }
    switch (result.status) {
      case 'match':
        log(`Host '${name}' is known and matches the ${type} host key (${fp}).`);
        return true;
      case 'revoked':
        return refuse(new ScpipeError('ERR_HOST_KEY_CHANGED', `Host key ${type} ${fp} for ${name} is marked as revoked in known_hosts; refusing to connect`, { host: name }));
      case 'changed': {
        const where = `${result.file}:${result.line}`;
        if (host.strictHostKeyChecking === 'no') {
          // ssh's words (sshconnect.c), on every such connection, not only with -v.
          for (const line of changedKeyWarning(type, fp, where, result.file)) warn(line);
          passwordsAllowed = false;
          return true;
        }
        return refuse(new ScpipeError(
          'ERR_HOST_KEY_CHANGED',
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: it sent ${type} key ${fp}, which differs from the key in ${where} ` +
            `(possible man-in-the-middle attack, or the host key was replaced; if you trust the new key, remove the old one with ssh-keygen -R '${name}' -f ${shellWord(result.file)})`,
          { host: name, path: result.file },
        ));
      }
      case 'unknown':
        break;
    }
    // A site that trusts its hosts through a CA has no plain key to find:
    // say why, rather than only "not known" (ssh2 cannot check host certificates).
    const ca = result.certAuthority;
    const caSays = ca && `known_hosts trusts a certificate authority for ${name} (@cert-authority in ${ca.file}:${ca.line}), but the ssh2 transport cannot check host certificates`;
    // UserKnownHostsFile none: ssh has no file to record a new key in, and refuses it whatever StrictHostKeyChecking says.
    if (host.knownHostsFiles.length === 0) {
      return refuse(new ScpipeError('ERR_HOST_KEY_UNKNOWN', `Host key verification failed: ${type} key ${fp} for ${name} is not known, and UserKnownHostsFile is none, so there is no file to record it in: refused whatever StrictHostKeyChecking says, as ssh refuses it (name a UserKnownHostsFile, or add the key to a GlobalKnownHostsFile)`, { host: name }));
    }
    const before = opts.earlier?.get(name);
    if (before !== undefined) {
      if (before.equals(key)) {
        log(`Host '${name}' sent the ${type} key this run accepted at its first connection (${fp}).`);
        return true;
      }
      const what = `it sent ${type} key ${fp}, not the ${keyType(before)} key ${fingerprint(before)} this run accepted at its first connection`;
      if (host.strictHostKeyChecking === 'no') {
        warn(`Warning: REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: ${what}; password and keyboard-interactive authentication are disabled`);
        passwordsAllowed = false;
        return true;
      }
      return refuse(new ScpipeError(
        'ERR_HOST_KEY_CHANGED',
        `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: ${what} (another server answers there, or the host key was replaced; no known_hosts file holds that key, so the new one is not taken on trust in the middle of a run)`,
        { host: name },
      ));
    }
    if (host.strictHostKeyChecking === 'yes') {
      if (caSays && host.hostKeyAsk && opts.onFirstConnect) warn(`Warning: ${caSays}: check the fingerprint as for a host with no certificate`);
      const answer = host.hostKeyAsk && opts.onFirstConnect ? await opts.onFirstConnect({ name, keyType: type, fingerprint: fp }) : null;
      if (answer === false) return refuse(new ScpipeError('ERR_HOST_KEY_UNKNOWN', `Host key verification failed: ${type} key ${fp} for ${name} was not accepted`, { host: name }));
      if (answer === true) {
        await record(key, type);
        opts.earlier?.set(name, Buffer.from(key));
        return true;
      }
      const why = host.hostKeyAsk ? 'there is no terminal to ask whether to trust it' : 'you have requested strict checking';
      return refuse(new ScpipeError(
        'ERR_HOST_KEY_UNKNOWN',
        `Host key for ${name} is not known and ${why}.${caSays ? ` ${caSays}: use --transport openssh, whose ssh checks them, or trust the host's own key.` : ''} Its fingerprint is ${fp} (${type}). ` +
          `If that is the server's, add it with: ${addKeyCommand(host, name, type)} ` +
          '(or connect once from a terminal, or with -o StrictHostKeyChecking=accept-new)',
        { host: name },
      ));
    }
    if (caSays) warn(`Warning: ${caSays}: its own key is taken on first use instead (--transport openssh checks the certificate)`);
    await record(key, type); // accept-new, and no (OpenSSH adds the key in both cases)
    opts.earlier?.set(name, Buffer.from(key));
    return true;
  }

  let accepted: Buffer | undefined; // the key of the first exchange
  const verifier = ((key: Buffer, verify: (ok: boolean) => void): boolean | void => {
    // A re-key (sshd's RekeyLimit: every 1 to 64 GiB of a long transfer)
    // offers the key again. Answered at once: ssh2's asynchronous answer
    // then broke an upload in flight (sshd: "Bad packet length", the
    // connection lost), and ssh too accepts only the key it began with.
    if (accepted !== undefined) {
      if (key.equals(accepted)) return true;
      failed = new ScpipeError('ERR_HOST_KEY_CHANGED', `the host key of ${name} changed during the connection`, { host: name });
      return false;
    }
    failed = undefined;
    decide(key).then((ok) => {
      if (ok) accepted = Buffer.from(key);
      verify(ok);
    }, (err: unknown) => {
      // Ctrl-C at the question is an interrupt (130, as ssh dies of SIGINT there), not a key that could not be checked.
      refuse(isScpipeError(err, 'ERR_ABORTED') ? err : new ScpipeError('ERR_HOST_KEY_UNKNOWN', `cannot verify the host key of ${name}: ${(err as Error).message}`, { host: name, cause: err }));
      verify(false);
    });
  }) as HostVerifier;
  verifier.verify = verifier;
  verifier.failure = () => failed;
  verifier.passwordsAllowed = () => passwordsAllowed;
  return verifier;
}
