// The public half of an identity file without its passphrase, as ssh finds
// it to pick the agent's copy of a key (IdentitiesOnly, IdentityFile
// ~/.ssh/key.pub): FILE.pub, FILE itself when it is a public key, or the
// public key an OpenSSH private key stores unencrypted in its header.
import * as byteFs from '../fs/byte-fs';
import { SshFields } from '../util/ssh-fields';

const OPENSSH = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** The wire-format public key of an OpenSSH private key file's text (PROTOCOL.key); undefined otherwise. */
export function openSshPublicKey(text: string): Buffer | undefined {
  const m = OPENSSH.exec(text);
  if (!m) return undefined;
  const buf = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const fields = new SshFields(buf, MAGIC.length);
  if (!fields.string() || !fields.string() || !fields.string()) return undefined; // cipher, kdf name, kdf options
  if ((fields.uint32() ?? 0) < 1) return undefined; // the number of keys; the first is the one ssh uses
  return fields.string();
}

/** A `type base64 [comment]` line's key blob; undefined if `text` is not one. */
function publicKeyLine(text: string): Buffer | undefined {
  const m = /^\s*([a-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(\s|$)/.exec(text);
  if (!m) return undefined;
  const blob = Buffer.from(m[2], 'base64');
  return blob.length > 4 && blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') === m[1] ? blob : undefined;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await byteFs.readFile(file)).toString('latin1');
  } catch {
    return undefined;
  }
}

/** The public key blob of identity file `file`, or undefined when it cannot be told without the passphrase. */
export async function identityPublicKey(file: string): Promise<Buffer | undefined> {
  const pub = await readText(`${file}.pub`);
  const fromPub = pub === undefined ? undefined : publicKeyLine(pub);
  if (fromPub) return fromPub;
  const text = await readText(file);
  return text === undefined ? undefined : (publicKeyLine(text) ?? openSshPublicKey(text));
}
