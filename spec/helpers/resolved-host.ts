// A ResolvedHost for unit tests: what resolveHost() gives with no config at
// all, for alice@h.example:22, with `over` on top.
import type { ResolvedHost } from '../../lib/transport/ssh-config';

export function resolvedHost(over: Partial<ResolvedHost> = {}): ResolvedHost {
  return {
    alias: 'h', hostname: 'h.example', port: 22, user: 'alice',
    identityFiles: [], defaultIdentityFiles: [], identitiesOnly: false, certificateFiles: [],
    knownHostsFiles: [], globalKnownHostsFiles: [], strictHostKeyChecking: 'yes', hostKeyAsk: false,
    serverAliveIntervalMs: 15000, serverAliveCountMax: 3, batchMode: false,
    passwordAuthentication: true, pubkeyAuthentication: true, kbdInteractiveAuthentication: true, algorithms: {},
    ...over,
  };
}
