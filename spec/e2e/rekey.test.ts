// A long transfer meets re-keys: sshd starts one after each RekeyLimit of
// data (by default every 64 GiB with AES-GCM, every GiB with
// chacha20-poly1305). Here every MiB. An upload over scpipe's own SSH
// (ssh2) lost its connection at each one (sshd: "Bad packet length …:
// Connection corrupted"): ssh2 answered the host key check of a re-key
// asynchronously while the upload's packets were queued. Downloads were
// not affected.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ rekeyLimit: '1M' });

describe('re-keys during a transfer (sshd RekeyLimit 1M)', () => {
  const data = randomBytes(12 * 1024 * 1024 + 5);

  it.each<[string, () => TestAccount, string[]]>([
    ['SCP, spooled', () => sshd.rssh, ['-O']],
    ['SCP, parts', () => sshd.rssh, ['-O', '--part-size', '4M']],
    ['SFTP', () => sshd.sftp, ['-s']],
  ])('put over %s: exit 0, byte-exact, no retry', async (_what, account, extra) => {
    const dir = await userDir(account(), 'rekey');
    const r = await runCli(['put', ...sshFlags(sshd, account()), '--retries', '0', ...extra, remote(sshd, account(), `${remotePath(account(), dir)}/f.bin`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const stored = extra.includes('--part-size')
      ? Buffer.concat(await Promise.all([0, 1, 2, 3].map((i) => readFile(join(dir, `f.bin.00000${i}`)))))
      : await readFile(join(dir, 'f.bin'));
    expect(stored.equals(data)).toBe(true);
  });
});
