// ssh as the transport (--transport openssh) over a connection garbled in
// the middle of a download: ssh exits 255 at once, and the run's message
// names its reason, which ssh says at LogLevel INFO (its default, which
// scpipe lowers to ERROR to hide chatter); at ERROR, how to make it say.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { remote, runCli, sshFlagsVia } from '../helpers/cli';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { garblingRelay } from '../helpers/garbling-relay';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-garbled-ssh-');
// packet.c's words for a length or a MAC that no longer holds.
const REASON = 'ssh: ssh_dispatch_run_fatal: Connection to 127\\.0\\.0\\.1 port \\d+: (Connection corrupted|message authentication code incorrect)';
const WHERE = { '-s': '.*/f: read: the SFTP session ended: ', '-O': 'connection lost in the middle of a file: ' };

describe('--transport openssh: a connection that stops being SSH in the middle of a download', () => {
  const data = randomBytes(8 * 1024 * 1024);
  let path: string;
  beforeAll(async () => {
    const dir = await userDir(sshd.user, 'garbled');
    await writeFile(join(dir, 'f'), data);
    path = `${remotePath(sshd.user, dir)}/f`;
  });

  async function get(protocol: '-s' | '-O', extra: string[]): Promise<{ status: number | null; stderr: string }> {
    const relay = await garblingRelay(sshd.port, 512 * 1024, 1);
    try {
      const flags = [...sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user), ...extra];
      const r = await runCli(['get', protocol, '--transport', 'openssh', '--retries', '0', '--output', join(local(), 'out'), ...flags, remote(sshd, sshd.user, path)], { timeoutMs: 30_000 });
      expect(r.signal).toBeNull();
      // Nothing is left here; the remote file is only read.
      expect(readdirSync(local()).sort()).toEqual(['known_hosts']);
      return r;
    } finally {
      await relay.close();
    }
  }

  it.each([['-s' as const], ['-O' as const]])('get %s -o LogLevel=INFO: exit 1, the message ends with ssh\'s reason', async (protocol) => {
    const r = await get(protocol, ['-o', 'LogLevel=INFO']);
    expect(r.status).toBe(1);
    const last = r.stderr.trimEnd().split('\n').pop();
    expect(last).toMatch(new RegExp(`^scpipe: ${WHERE[protocol]}${REASON}$`));
  });

  it.each([['-s' as const], ['-O' as const]])('get %s at scpipe\'s LogLevel ERROR: exit 1, saying how to hear ssh\'s reason', async (protocol) => {
    const r = await get(protocol, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${WHERE[protocol]}ssh ended \\(exit status 255\\) without saying why: at LogLevel ERROR it does not; -o LogLevel=INFO makes it say\\n$`));
  });
});
