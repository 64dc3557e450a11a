// The publickey attempts of a login (auth.ts), in ssh's order: the keys of
// ssh-agent (with IdentitiesOnly, only those of the identity files), then
// each identity file that loads, with its certificates.
import { statSync } from 'node:fs';
import { escapeForTerminal } from '../util/escape';
import type { AnyAuthMethod } from 'ssh2';
import { agentOf } from './agent-filter';
import { loadIdentity, type IdentityContext } from './identity-file';
import { identityPublicKey } from './identity-public';

/** Yields publickey attempts from the agent at `sock` (none: undefined), then each loadable identity file; null when none is left. */
export function publickeySteps(keys: IdentityContext, sock: string | undefined): () => Promise<AnyAuthMethod | null> {
  const queue: Array<() => Promise<AnyAuthMethod | AnyAuthMethod[] | null>> = [];
  const ready: AnyAuthMethod[] = [];
  const files = [...new Set([...keys.host.identityFiles, ...keys.host.defaultIdentityFiles])];
  if (sock) {
    queue.push(async () => {
      try {
        if (!statSync(sock).isSocket()) throw new Error('not a socket');
      } catch (err) {
        keys.log(`ssh-agent socket ${escapeForTerminal(sock)} is unusable; skipping the agent`);
        // Named in a refusal: a run whose agent died (or a stale SSH_AUTH_SOCK) otherwise says only "tried none".
        return keys.skip(`ssh-agent at ${sock}`, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such socket: the agent is not running' : 'not a socket');
      }
      // IdentitiesOnly still uses the agent's copy of an identity file's key
      // (ssh: a passphrase-less login, and `IdentityFile key.pub` for a key held only there).
      let only: Buffer[] | undefined;
      if (keys.host.identitiesOnly) {
        only = (await Promise.all(files.map(identityPublicKey))).filter((k): k is Buffer => k !== undefined);
        if (only.length === 0) return null;
      }
      keys.log(`trying keys from ssh-agent at ${escapeForTerminal(sock)}${only ? ' (IdentitiesOnly: only those of the identity files)' : ''}`);
      const { OpenSSHAgent } = await import('ssh2');
      return { type: 'agent', username: keys.username, agent: agentOf(OpenSSHAgent, sock, only, keys.agentKeys) };
    });
  }
  const explicit = new Set(keys.host.identityFiles);
  for (const file of files) queue.push(() => loadIdentity(keys, file, explicit.has(file)));
  return async () => {
    while (ready.length === 0) {
      const next = queue.shift();
      if (!next) return null;
      const attempts = await next();
      if (attempts) ready.push(...[attempts].flat());
    }
    return ready.shift()!;
  };
}
