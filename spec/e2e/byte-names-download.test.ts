// Downloads of names that are not UTF-8 (a Latin-1 tree), against OpenSSH's
// scp -f and sftp-server: stored byte for byte, as OpenSSH's scp stores
// them; two names that would both be U+FFFD stay two files.
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { LATIN1_TREE, latin1Tree, treeOf } from '../helpers/latin1-tree';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-byte-down-');

beforeAll(() => sshd.setRsshAllowed(['scp', 'sftp']));

describe.each([
  ['scp', 'the shell account', ['-O'], () => sshd.user],
  ['scp', 'the rssh-like account', ['-O'], () => sshd.rssh],
  ['sftp', 'the shell account', ['--protocol', 'sftp'], () => sshd.user],
  ['sftp', 'the rssh-like account', ['--protocol', 'sftp'], () => sshd.rssh],
  ['sftp', 'the internal-sftp chroot', ['--protocol', 'sftp'], () => sshd.sftp],
])('cp -r down over %s through %s: a Latin-1 tree', (_protocol, _who, flags, account: () => TestAccount) => {
  it('is stored byte for byte, names and contents', async () => {
    const dir = await userDir(account(), 'latin1-down');
    await latin1Tree(dir);
    const got = join(local(), 'got');
    const r = await runCli(['cp', '-r', ...flags, ...sshFlags(sshd, account()), remote(sshd, account(), remotePath(account(), dir)), got]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(treeOf(got)).toEqual(LATIN1_TREE);
  });
});
