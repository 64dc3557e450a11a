// A connection whose bytes from the server stop being SSH once the
// transfer runs (a hostile or broken peer: a byte flipped, so the next
// packet's length or MAC fails), and which then neither closes nor goes
// quiet: a byte of noise every 200 ms, and the client's FIN ignored. ssh
// stops at once ("Bad packet length"); ssh2 only half-closed the socket,
// so every byte after that was another parse error and, as bytes kept
// coming, no keepalive ever ran out: the run waited for ever. Now the
// connection is dropped at the first such error, and the run fails
// (exit 1) saying so, or reads on over a new connection (--retries).
// (A server that only trickles bytes holds a run as long as ssh's: a byte
// received is a sign of life to both.)
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { remote, runCli, sshFlagsVia } from '../helpers/cli';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { garblingRelay } from '../helpers/garbling-relay';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-garbled-');

describe('a connection that stops being SSH in the middle of a download and stays open', () => {
  const data = randomBytes(8 * 1024 * 1024);
  let path: string;
  beforeAll(async () => {
    const dir = await userDir(sshd.user, 'garbled');
    await writeFile(join(dir, 'f'), data);
    path = `${remotePath(sshd.user, dir)}/f`;
  });

  it.each([['-s'], ['-O']])('get %s --retries 0: exit 1 within seconds, naming the broken protocol; --output is not made', async (protocol) => {
    const relay = await garblingRelay(sshd.port, 512 * 1024, 1);
    try {
      const flags = sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user);
      const r = await runCli(['get', protocol, '--retries', '0', '--output', join(local(), 'out'), ...flags, remote(sshd, sshd.user, path)], { timeoutMs: 30_000 });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      // The session's request or the file's record in flight, then why: a length, or a MAC (ssh's words).
      expect(r.stderr).toMatch(/^scpipe: .*: the server broke the SSH protocol: (Bad packet length: -?\d+|message authentication code incorrect)\n$/);
      expect(r.ms).toBeLessThan(15_000);
      expect(readdirSync(local()).sort()).toEqual(['known_hosts']);
    } finally {
      await relay.close();
    }
  });

  it('get -s with a retry: reads on over a new connection, byte-exact', async () => {
    const relay = await garblingRelay(sshd.port, 512 * 1024, 1);
    try {
      const flags = sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user);
      const r = await runCli(['get', '-s', '--retries', '1', '--output', join(local(), 'out'), ...flags, remote(sshd, sshd.user, path)], { timeoutMs: 30_000 });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/the server broke the SSH protocol: /);
      expect(readFileSync(join(local(), 'out')).equals(data)).toBe(true);
      expect(readdirSync(local()).sort()).toEqual(['known_hosts', 'out']);
    } finally {
      await relay.close();
    }
  });
});
