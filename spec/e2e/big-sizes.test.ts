// Sizes near the 64-bit limits, said exactly and checked before anything
// is read or sent (docs/protocol.md §8).
import { readdir } from 'node:fs/promises';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

describe('put --size at the 64-bit limits', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await userDir(sshd.sftp, 'big-sizes');
  });
  const put = (size: string): string[] => ['put', ...sshFlags(sshd, sshd.sftp), '--size', size, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)];

  // Number() made it 9223372036854776000, a size never given.
  it('over SFTP names the size announced exactly when the input is short', async () => {
    const r = await runCli(put('9223372036854775807'), { stdin: 'x' });
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: the input ended after 1 of the 9223372036854775807 bytes announced; nothing was stored\n' });
    expect(await readdir(dir)).toEqual([]);
  });

  // SCP refused it only once the producer had run; SFTP only once the input ended.
  it.each(['9223372036854775808', '18446744073709551616'])('refuses --size %s, more than a file can hold, as a usage error', async (size) => {
    const r = await runCli(put(size), { stdin: 'x' });
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: bad --size ${size}: more than 2^63-1 bytes, the most a file can hold\n` });
    expect(await readdir(dir)).toEqual([]);
  });
});
