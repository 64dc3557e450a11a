// cp -r of a local tree whose names are not UTF-8 (Latin-1) to OpenSSH's
// scp -t and sftp-server: stored byte for byte, as OpenSSH's scp sends
// them; two names that would both be U+FFFD stay two files.
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { LATIN1_TREE, latin1Tree, treeOf } from '../helpers/latin1-tree';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-byte-up-');

beforeAll(() => sshd.setRsshAllowed(['scp', 'sftp']));

describe.each([
  ['scp', 'the shell account', ['-O'], () => sshd.user],
  ['scp', 'the rssh-like account', ['-O'], () => sshd.rssh],
  ['sftp', 'the shell account', ['--protocol', 'sftp'], () => sshd.user],
  ['sftp', 'the internal-sftp chroot', ['--protocol', 'sftp'], () => sshd.sftp],
  ['scp through the system ssh', 'the shell account', ['-O', '--transport', 'openssh'], () => sshd.user],
])('cp -r up over %s through %s: a Latin-1 tree', (_protocol, _who, flags, account: () => TestAccount) => {
  it('is stored byte for byte, names and contents', async () => {
    const src = join(local(), 'src');
    await latin1Tree(src);
    const dir = await userDir(account(), 'latin1-up');
    const r = await runCli(['cp', '-r', ...flags, ...sshFlags(sshd, account()), src, remote(sshd, account(), `${remotePath(account(), dir)}/got`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(treeOf(join(dir, 'got'))).toEqual(LATIN1_TREE);
  });
});
