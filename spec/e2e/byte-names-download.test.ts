// Downloads of names that are not UTF-8 (a Latin-1 tree), against OpenSSH's
// scp -f and sftp-server: stored byte for byte, as OpenSSH's scp stores
// them; two names that would both be U+FFFD stay two files.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { BYTE_ARGS, LATIN1_TREE, byteArg, latin1Tree, treeOf } from '../helpers/latin1-tree';
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

describe.each([
  ['scp', ['-O']],
  ['sftp', ['--protocol', 'sftp']],
  ['scp through the system ssh', ['-O', '--transport', 'openssh']],
  ['sftp through the system ssh', ['--protocol', 'sftp', '--transport', 'openssh']],
])('a Latin-1 remote path on the command line, over %s', (_how, flags) => {
  it('get reads the file of those bytes; cp -r copies the directory of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-arg');
    await latin1Tree(dir);
    const at = (path: string): string => byteArg(remote(sshd, sshd.user, `${dir}/${path}`));
    for (const [name, body] of [['f\xfe', 'fe body'], ['f\xff', 'ff body']]) {
      const got = await runCli(['get', ...flags, ...sshFlags(sshd, sshd.user), at(`d\xe9/${name}`)], { wrapper: BYTE_ARGS });
      expect({ status: got.status, stderr: got.stderr, out: got.stdout.toString() }).toEqual({ status: 0, stderr: '', out: body });
    }
    const into = local();
    const cp = await runCli(['cp', '-r', ...flags, ...sshFlags(sshd, sshd.user), at('d\xe9'), into], { wrapper: BYTE_ARGS });
    expect(cp).toMatchObject({ status: 0, stderr: '' });
    expect(treeOf(into)).toEqual(LATIN1_TREE);
  });

  it('a missing one is said with its bytes escaped', async () => {
    const dir = await userDir(sshd.user, 'latin1-missing');
    const got = await runCli(['get', ...flags, ...sshFlags(sshd, sshd.user), byteArg(remote(sshd, sshd.user, `${dir}/caf\xe9`))], { wrapper: BYTE_ARGS });
    expect(got.status).not.toBe(0);
    expect(got.stderr).toContain('caf\\xe9');
    expect(got.stderr).not.toMatch(/[\x80-\xff\uFFFD]/);
  });
});

describe.each([
  ['scp', ['-O']],
  ['sftp', ['--protocol', 'sftp']],
])('put to a Latin-1 remote path on the command line, over %s', (_how, flags) => {
  it('stores the stream under those bytes; a name that differs only there stays another file', async () => {
    const dir = await userDir(sshd.user, 'latin1-put');
    for (const name of ['caf\xe9', 'caf\xe8']) {
      const put = await runCli(['put', ...flags, ...sshFlags(sshd, sshd.user), byteArg(remote(sshd, sshd.user, `${dir}/${name}`))], { wrapper: BYTE_ARGS, stdin: Buffer.from(`to ${name}`, 'latin1') });
      expect(put).toMatchObject({ status: 0, stderr: '' });
    }
    expect(treeOf(dir)).toEqual(['caf\xe8: to caf\xe8', 'caf\xe9: to caf\xe9']);
  });
});

describe.each([
  ['the shell account', () => sshd.user],
  ['the internal-sftp chroot', () => sshd.sftp],
])('cp -r down over sftp through %s: a name holding U+FFFD itself, as UTF-8', (_who, account: () => TestAccount) => {
  // Read as its bytes, EF BF BD is a character like any other (what an
  // earlier lossy copy left), not bytes lost; it was refused ("not valid
  // UTF-8"), exit 1, though scp -r and OpenSSH's sftp copy it.
  it('is stored under the same bytes, beside a Latin-1 name', async () => {
    const dir = await userDir(account(), 'fffd-down');
    await latin1Tree(dir);
    await writeFile(Buffer.from(`${dir}/a\uFFFDb`), 'real fffd');
    const got = join(local(), 'got');
    const r = await runCli(['cp', '-r', '--protocol', 'sftp', ...sshFlags(sshd, account()), remote(sshd, account(), remotePath(account(), dir)), got]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(Buffer.from(`${got}/a\uFFFDb`), 'utf8')).toBe('real fffd');
    expect(treeOf(got).filter((e) => e.startsWith('d\xe9'))).toEqual(LATIN1_TREE);
  });
});
