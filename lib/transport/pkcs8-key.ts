// PKCS#8 private keys ("BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY":
// what OpenSSL 3 writes by default, and `ssh-keygen -m PKCS8`), which ssh
// reads and ssh2 does not: re-encoded by node:crypto into a form ssh2 reads.
import { createPrivateKey } from 'node:crypto';

const PKCS8 = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;

/** True when `data` holds a PKCS#8 private key. */
export function isPkcs8(data: Buffer): boolean {
  return PKCS8.test(data.subarray(0, 4096).toString('latin1'));
}

// The key of a PKCS#8 file as PKCS#1 (RSA) or SEC1 (ECDSA) text (OpenSSH
// reads no other type from PKCS#8); for an encrypted one without
// `passphrase`, an Error that says "no passphrase given" (as ssh2's parseKey
// does); otherwise an Error saying why it cannot be read.
export function fromPkcs8(data: Buffer, passphrase?: string): Buffer | Error {
  let key;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: data } : { key: data, passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (passphrase === undefined && /PASSPHRASE|BAD_DECRYPT|INTERRUPTED_OR_CANCELLED/.test(code)) return new Error('Encrypted PKCS#8 key detected, but no passphrase given');
    return new Error(passphrase === undefined ? `PKCS#8 key: ${(err as Error).message}` : 'bad passphrase for a PKCS#8 key');
  }
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return Buffer.from(key.export({ type: 'pkcs1', format: 'pem' }));
    case 'ec':
      return Buffer.from(key.export({ type: 'sec1', format: 'pem' }));
    default:
      return new Error(`PKCS#8 key of type ${key.asymmetricKeyType ?? 'unknown'} is not one ssh reads from PKCS#8`);
  }
}
