// What an in-process test-double SSH server (hostile-ssh.ts, hostile-sftp.ts)
// needs around it: a fresh host key the client trusts, a client key it logs
// in with, and scpipe's options that reach it on 127.0.0.1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
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

// How long stop() lets the connections still open end on their own before it cuts them.
const STOP_GRACE_MS = 2_000;

export async function fakeEndpoint(prefix: string): Promise<FakeEndpoint> {
  const hostKey = generateHostKeyPair();
  const clientKey = generateHostKeyPair();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    hostKey: hostKey.private,
    listen: async (server) => {
      // The sockets are ours (injected), so stop() can cut those a client left open:
      // ssh2's close() waits for every connection, and one that never ends held the test, and left the keys.
      const sockets = new Set<Socket>();
      const listener = createServer((socket) => {
        sockets.add(socket.once('close', () => sockets.delete(socket)));
        server.injectSocket(socket);
      });
      await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
      const port = (listener.address() as AddressInfo).port;
      const keyPath = join(dir, 'id');
      await writeFile(keyPath, clientKey.private, { mode: 0o600 });
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey.public.trim()}\n`);
      return {
        port,
        args: () => ['-F', 'none', '-P', String(port), '-i', keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
        stop: async () => {
          try {
            const closed = new Promise((r) => listener.close(r));
            let timer: NodeJS.Timeout | undefined;
            const late = new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS)));
            await Promise.race([closed, late]);
            clearTimeout(timer);
            for (const socket of sockets) socket.destroy();
            await closed;
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    },
  };
}
