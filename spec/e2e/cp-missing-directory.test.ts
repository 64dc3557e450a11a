// `cp` to a remote directory whose parent is not there: the remote's "No
// such file" names no directory, and an scp-only or SFTP-only host has no
// shell for mkdir, so the message names it and how to make it, as put's does.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, type CliResult } from '../helpers/cli';
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
  const hint = `(the directory ${at}/missing is not there${who === 'sftp' ? ', or is a file' : ''}; to make it: mkdir empty && scpipe cp -r empty host:${at}/missing)`;
  const said = who === 'sftp' ? `${at}/missing/sub: mkdir: No such file` : `remote: scp: ${at}/missing/sub: No such file or directory`;
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `scpipe: ${said} ${hint}\n` });
  expect(await readdir(dir)).toEqual([]);
  // The hint works on this host, and the copy then does.
  await mkdir(join(local(), 'empty'));
  expect(await cp(join(local(), 'empty'), `${at}/missing`)).toMatchObject({ status: 0, stderr: '' });
  expect(await cp(join(local(), 'tree'), `${at}/missing/sub`)).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'missing', 'sub', 'f'), 'utf8')).toBe('x');
});
