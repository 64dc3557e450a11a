// A signature from ssh-agent is checked for its key type's form before ssh2
// gets it: ssh2 converts it for the wire inside the agent's reply handler,
// where a malformed one (a broken or hostile agent) threw out of the event
// loop and ended the run as an internal error. It is an agent failure
// instead, which the login goes on past (the next key), as ssh's does.
import type { ParsedKey, SignCallback } from 'ssh2';
import { ScpipeError } from '../errors';
import { SshFields } from '../util/ssh-fields';
import { fingerprint } from './known-hosts';

// The plain type a certificate type is of (what signs for it).
const plainType = (type: string): string => type.replace(/-cert-v01@openssh\.com$/, '').replace(/^rsa-sha2-(256|512)$/, 'ssh-rsa');

/** Why `signature` (the agent's, without its type) is not one a `type` key makes; undefined when it is. */
export function signatureProblem(type: string, signature: Buffer | undefined): string | undefined {
  if (!signature || signature.length === 0) return 'an empty signature';
  const plain = plainType(type);
  if (plain === 'ssh-ed25519') return signature.length === 64 ? undefined : `${signature.length} bytes, not 64`;
  if (plain === 'ssh-dss') return signature.length === 40 ? undefined : `${signature.length} bytes, not 40`;
  if (plain.startsWith('ecdsa-sha2-')) {
    // r and s as two mpints, nothing after them (RFC 5656 §3.1.2).
    const f = new SshFields(signature);
    const r = f.string();
    const s = f.string();
    return r?.length && s?.length && f.at === signature.length ? undefined : 'not the two integers of an ECDSA signature';
  }
  return undefined; // RSA and others: ssh2 passes them on as they are, and the server judges them
}

/** `cb` for the agent's answer on `pubKey`: a malformed signature becomes the agent's error (ERR_AUTH). */
export function checkedSignature(pubKey: ParsedKey | Buffer | string, cb: SignCallback): SignCallback {
  const type = typeof pubKey === 'object' && 'type' in pubKey ? pubKey.type : undefined;
  return (err, signature) => {
    if (err || type === undefined) return cb(err, signature);
    const why = signatureProblem(type, signature);
    if (why === undefined) return cb(err, signature);
    const fp = fingerprint((pubKey as ParsedKey).getPublicSSH());
    cb(new ScpipeError('ERR_AUTH', `ssh-agent: signing with the ${plainType(type)} key ${fp} gave a malformed signature (${why}): the key is skipped`));
  };
}
