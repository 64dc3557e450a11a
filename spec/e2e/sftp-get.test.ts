// `scpipe get` over SFTP end to end, through the sftp-only jail and the
// rssh-like account, against OpenSSH's sftp-server.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sftp-get-');
const get = (account: TestAccount, path: string, extra: string[] = []): string[] => [
  'get', ...sshFlags(sshd, account), ...extra, remote(sshd, account, path),
];

describe.each([
  ['the sftp-only jail', () => sshd.sftp],
  ['the rssh-like account', () => sshd.rssh],
])('scpipe get over SFTP through %s', (_, account) => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(account(), 'sftp-get');
    rdir = remotePath(account(), dir);
  });

  const remoteFile = async (name: string, data: Buffer): Promise<void> => {
    await writeFile(join(dir, name), data);
    await chown(join(dir, name), account().uid, account().gid);
  };

  it.each([
    ['nothing', 0],
    ['one byte', 1],
    ['many bytes, over several channels', 5 * 261_120 + 7],
  ])('writes %s to stdout byte-exact', async (_n, size) => {
    const data = randomBytes(size);
    await remoteFile('f.bin', data);
    const r = await runCli(get(account(), `${rdir}/f.bin`, ['-v', '--parallel', '3']));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`receiving f.bin over sftp: ${size} bytes`);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('--output: a temporary file renamed when complete, with -p the mode and time', async () => {
    const data = randomBytes(300_000);
    await remoteFile('o.bin', data);
    await chmod(join(dir, 'o.bin'), 0o640);
    const out = join(local(), 'out.bin');
    const r = await runCli(get(account(), `${rdir}/o.bin`, ['--output', out, '-p']));
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(await readdir(local())).toEqual(['out.bin']);
  });

  it('a name with a space, quote and newline arrives as given', async () => {
    const name = `a b'c\nd`;
    await remoteFile(name, Buffer.from('odd'));
    const r = await runCli(get(account(), `${rdir}/${name}`));
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('odd');
  });

  it('a missing file: exit 1, no such file, nothing on stdout', async () => {
    const r = await runCli(get(account(), `${rdir}/missing.bin`));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing\.bin: stat: No such file/);
    expect(r.stdout.length).toBe(0);
  });

  it('a directory: exit 1', async () => {
    await mkdir(join(dir, 'adir'));
    await chown(join(dir, 'adir'), account().uid, account().gid);
    const r = await runCli(get(account(), `${rdir}/adir`));
    expect({ status: r.status, stderr: r.stderr, stdout: r.stdout.length }).toEqual({ status: 1, stderr: `scpipe: ${rdir}/adir: is a directory; get reads a file or a parts set, and scpipe cp -r a directory; the sets in a directory are named by their manifests, NAME.sha256: \`sftp ${pastedFlags(sshFlags(sshd, account()))} ${remote(sshd, account(), `${rdir}/adir`)}\` then \`ls -l\` lists them\n`, stdout: 0 });
  });

  // This was the directory test, and passed on this usage error: no request went out.
  it('a path ending in "..": usage error, exit 2, nothing asked of the server', async () => {
    const r = await runCli(get(account(), `${rdir}/x/..`));
    expect({ status: r.status, stderr: r.stderr, stdout: r.stdout.length }).toEqual({ status: 2, stderr: `scpipe: the remote path "${rdir}/x/.." names a directory; give a file name (host:${rdir}/x/../NAME); scpipe cp -r copies a directory\n`, stdout: 0 });
  });

  it('permission denied: exit 1 with the server\'s message', async () => {
    await remoteFile('secret.bin', Buffer.from('s'));
    await chmod(join(dir, 'secret.bin'), 0o000);
    const r = await runCli(get(account(), `${rdir}/secret.bin`));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/secret\.bin: open: Permission denied/);
  });
});

describe('get: protocol choice', () => {
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
  });

  it('auto falls back to SCP where sftp is refused', async () => {
    const dir = await userDir(sshd.rssh, 'get-choice');
    await writeFile(join(dir, 'f.txt'), 'over scp');
    await sshd.setRsshAllowed(['scp']);
    const r = await runCli(get(sshd.rssh, `${dir}/f.txt`, ['-v']));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('receiving f.txt over scp');
    expect(r.stdout.toString()).toBe('over scp');
  });

  it('--protocol scp against the sftp-only jail suggests --protocol sftp', async () => {
    const dir = await userDir(sshd.sftp, 'get-scp');
    await writeFile(join(dir, 'f.txt'), 'x');
    const r = await runCli(get(sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.txt`, ['-O']));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('use --protocol sftp');
  });
});
