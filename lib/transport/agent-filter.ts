// An ssh-agent client for IdentitiesOnly: it offers only the identity
// files' own keys, and notes each key it offers (their files are then not
// asked about); it signs with RSA SHA-512 where rsa-sha2.ts offered that.
import type { BaseAgent, IdentityCallback, OpenSSHAgent, ParsedKey, SignCallback, SigningRequestOptions } from 'ssh2';
import { agentSignOptions } from './rsa-sha2';
import { checkedSignature } from './agent-signature';

// An agent client that offers only the keys in `only` (all when undefined),
// and notes each key it offers in `offered`.
export function agentOf(Agent: typeof OpenSSHAgent, sock: string, only: Buffer[] | undefined, offered: Buffer[]): BaseAgent {
  return new (class extends Agent {
    override getIdentities(cb: IdentityCallback<ParsedKey>): void {
      super.getIdentities((err, keys) => {
        if (err || !keys) return cb(err, keys);
        // OpenSSHAgent lists parsed keys (the typings allow other entries too).
        const blob = (k: (typeof keys)[number]): Buffer => ('getPublicSSH' in k ? k.getPublicSSH() : Buffer.alloc(0));
        const kept = only ? keys.filter((k) => only.some((o) => o.equals(blob(k)))) : keys;
        offered.push(...kept.map(blob));
        cb(undefined, kept);
      });
    }

    // An RSA key offered as rsa-sha2-512 is signed so (rsa-sha2.ts), whatever hash ssh2 asked for.
    // A malformed signature is the agent's failure (agent-signature.ts).
    override sign(pubKey: ParsedKey | Buffer | string, data: Buffer, options?: SigningRequestOptions | SignCallback, cb?: SignCallback): boolean {
      if (typeof options === 'function') return super.sign(pubKey, data, checkedSignature(pubKey, options));
      return super.sign(pubKey, data, agentSignOptions(pubKey, options), cb && checkedSignature(pubKey, cb));
    }
  })(sock);
}
