// `cp` to a remote directory whose parent is not there: the remote's "No
// such file" names no directory, and an scp-only or SFTP-only host has no
// shell for mkdir, so the message names it and how to make it, as put's does.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags, type CliResult } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-local-');

it.each(['rssh', 'sftp'] as const)('cp -r DIR to MISSING/sub on the %s account: exit 1, naming MISSING and how to make it', async (who) => {
  const account = sshd[who];
  const dir = await userDir(account, 'cp-missing');
  await mkdir(join(local(), 'tree'));
  await writeFile(join(local(), 'tree', 'f'), 'x');
  const at = remotePath(account, dir);
  const cp = (from: string, to: string): Promise<CliResult> => runCli(['cp', ...sshFlags(sshd, account), '-r', from, remote(sshd, account, to)]);
  const r = await cp(join(local(), 'tree'), `${at}/missing/sub`);
  const hint = `(the directory ${at}/missing is not there${who === 'sftp' ? ', or is a file' : ''}; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(sshFlags(sshd, account))} ${remote(sshd, account, `${at}/missing`)})`;
  const said = who === 'sftp' ? `${at}/missing/sub: mkdir: No such file` : `remote: scp: ${at}/missing/sub: No such file or directory`;
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `scpipe: ${said} ${hint}\n` });
  expect(await readdir(dir)).toEqual([]);
  // The hint works on this host, and the copy then does.
  await mkdir(join(local(), 'empty'));
  expect(await cp(join(local(), 'empty'), `${at}/missing`)).toMatchObject({ status: 0, stderr: '' });
  expect(await cp(join(local(), 'tree'), `${at}/missing/sub`)).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'missing', 'sub', 'f'), 'utf8')).toBe('x');
});

// On scpipe serve, with a path as users write it, relative to the login
// directory (the root): serve's scp -t named the target from the root
// (`/missing/sub`), unlike OpenSSH's, so `cp -O` said no more than that.
describe('on scpipe serve, a path relative to its root', () => {
  const serve = servePerSuite();
  const at = (path: string): string => `backup@127.0.0.1:${path}`;

  it.each(['scp', 'sftp'] as const)('cp -r DIR to missing/sub over %s: exit 1, naming missing and how to make it; the hint works', async (protocol) => {
    await mkdir(join(local(), 'tree'));
    await writeFile(join(local(), 'tree', 'f'), 'x');
    const cp = (from: string, to: string): Promise<CliResult> => runCli(['cp', '--protocol', protocol, ...serve.scpipeArgs(), '-r', from, at(to)]);
    const r = await cp(join(local(), 'tree'), 'missing/sub');
    const hint = `(the directory missing is not there${protocol === 'sftp' ? ', or is a file' : ''}; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(serve.scpipeArgs())} ${at('missing')})`;
    const said = protocol === 'sftp' ? 'missing/sub: mkdir: /missing: No such file or directory' : 'remote: scp: missing/sub: No such file or directory';
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `scpipe: ${said} ${hint}\n` });
    expect(await readdir(serve.root)).toEqual([]);
    await mkdir(join(local(), 'empty'));
    expect(await cp(join(local(), 'empty'), 'missing')).toMatchObject({ status: 0, stderr: '' });
    expect(await cp(join(local(), 'tree'), 'missing/sub')).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(serve.root, 'missing', 'sub', 'f'), 'utf8')).toBe('x');
    await rm(join(serve.root, 'missing'), { recursive: true });
  });

  it("OpenSSH's scp -O is told the path as it gave it, as OpenSSH's scp -t tells it", async () => {
    const r = await runProgram('scp', ['-O', '-q', ...serve.sshArgs(), '/etc/hostname', '127.0.0.1:missing/x'], '');
    expect(r).toMatchObject({ status: 1, stderr: 'scp: missing/x: No such file or directory\n' });
    expect(await readdir(serve.root)).toEqual([]);
  });
});
