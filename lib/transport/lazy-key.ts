// An encrypted key file offered by its public key alone: its passphrase is
// asked only once the server accepts that key, as ssh asks it (sshconnect2.c,
// after the server's PK_OK), not for every key file tried. A cron job with
// DISPLAY set got an SSH_ASKPASS window for a key the server would refuse.
// ssh2 queries with the public key and signs after PK_OK only for an agent's
// keys, so the key is a one-key agent whose sign() asks.
import type { BaseAgent, ParsedKey, SignCallback, SigningRequestOptions } from 'ssh2';

// The hash a lazy key signs with, where rsa-sha2.ts chose rsa-sha2-512 over ssh2's pick.
const lazyKeys = new WeakMap<object, { hash?: string }>();

const lazyAgents = new WeakSet<object>();

/** Whether `agent` is a lazy key's (an identity file's key, not ssh-agent's). */
export function isLazyKeyAgent(agent: unknown): boolean {
  return typeof agent === 'object' && agent !== null && lazyAgents.has(agent);
}

/** Whether `key` is the public half a lazy key agent offers. */
export function isLazyKey(key: unknown): boolean {
  return typeof key === 'object' && key !== null && lazyKeys.has(key);
}

/** Makes the lazy key `key` sign with `hash` whatever ssh2 asks for (rsa-sha2.ts). */
export function signLazyKeyWith(key: object, hash: string): void {
  const state = lazyKeys.get(key);
  if (state) state.hash = hash;
}

/** An agent of the one key `publicKey`, whose private half `unlock()` gives (null: not unlocked, said by it). */
export function lazyKeyAgent(Base: typeof BaseAgent, publicKey: ParsedKey, unlock: () => Promise<ParsedKey | null>): BaseAgent {
  const state: { hash?: string } = {};
  lazyKeys.set(publicKey, state);
  class LazyKey extends Base<ParsedKey> {
    getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
      cb(undefined, [publicKey]);
    }
    sign(_pub: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
      const done = (typeof options === 'function' ? options : cb)!;
      const hash = state.hash ?? (typeof options === 'function' ? undefined : options?.hash);
      unlock().then(
        (key) => {
          if (key === null) return done(new Error('key not unlocked'));
          const signature = key.sign(data, hash);
          if (signature instanceof Error) done(signature);
          else done(undefined, signature);
        },
        (err: Error) => done(err),
      );
    }
  }
  const agent = new LazyKey();
  lazyAgents.add(agent);
  return agent;
}
