// What an in-process test-double SSH server (hostile-ssh.ts, hostile-sftp.ts)
// needs around it: a fresh host key the client trusts, a client key it logs
// in with, and scpipe's options that reach it on 127.0.0.1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'ssh2';
import { generateHostKeyPair } from '../../lib/server/host-key';

/** The keys; `listen()` starts the server and says how to reach it. */
export interface FakeEndpoint {
  /** The server's private host key, for `new Server({ hostKeys: [...] })`. */
  hostKey: string;
  listen(server: Server): Promise<Listening>;
}

/** A listening fake: its port, scpipe's options for it, and its end. */
export interface Listening {
  port: number;
  args(): string[];
  stop(): Promise<void>;
}

export async function fakeEndpoint(prefix: string): Promise<FakeEndpoint> {
  const hostKey = generateHostKeyPair();
  const clientKey = generateHostKeyPair();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    hostKey: hostKey.private,
    listen: async (server) => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const keyPath = join(dir, 'id');
      await writeFile(keyPath, clientKey.private, { mode: 0o600 });
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey.public.trim()}\n`);
      return {
        port,
        args: () => ['-F', 'none', '-P', String(port), '-i', keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
        stop: async () => {
          await new Promise((r) => server.close(r));
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
