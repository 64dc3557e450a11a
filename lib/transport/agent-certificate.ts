// The certificates of an encrypted identity file whose key ssh-agent holds
// without them (added before the certificate was issued, or from another
// copy of the key): ssh offers each certificate and has the agent sign with
// the key (sshconnect2.c, "using private key from agent for certificate"),
// asking no passphrase. Here, an agent of those certificates alone, whose
// signatures the real agent makes with the plain key.
import type { OpenSSHAgent, ParsedKey, SignCallback, SigningRequestOptions } from 'ssh2';
import { certificateHash, type CertifiedKey } from './certificate';
import { checkedSignature } from './agent-signature';

/** An ssh2 agent at `sock` offering `certified` (certificates of `key`), each signed by the agent's `key`. */
export function agentCertificateAgent(Agent: typeof OpenSSHAgent, sock: string, key: ParsedKey, certified: CertifiedKey[]): OpenSSHAgent {
  return new (class extends Agent {
    override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
      cb(undefined, certified);
    }

    // The agent knows the plain key, not the certificate; an RSA certificate is offered as rsa-sha2-512.
    override sign(pubKey: ParsedKey | Buffer | string, data: Buffer, options?: SigningRequestOptions | SignCallback, cb?: SignCallback): boolean {
      const done = (typeof options === 'function' ? options : cb)!;
      const hash = certificateHash(pubKey) ?? (typeof options === 'function' ? undefined : options?.hash);
      return super.sign(key, data, hash === undefined ? {} : { hash: hash as SigningRequestOptions['hash'] }, checkedSignature(pubKey, done));
    }
  })(sock);
}
