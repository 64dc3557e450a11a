// put --name NAME host:DIR/ over SCP: the remote scp -t is told that DIR/
// must be a directory (-d, as OpenSSH's scp does for a directory target), so
// a missing one is said to be missing. Without it, scp -t tried to create a
// file named "DIR/" and said "Is a directory" of a directory that is not there.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

describe('put --name NAME host:DIR/ over SCP (the rssh-like account)', () => {
  beforeEach(() => sshd.setRsshAllowed(['scp']));
  const put = (path: string): string[] => ['put', ...sshFlags(sshd, sshd.rssh), '-O', '--name', 'n', remote(sshd, sshd.rssh, path)];

  // User sees: exit 1, "scpipe: remote: scp: DIR/missing/: No such file or directory". Left: nothing.
  it('a missing DIR: exit 1, "No such file or directory"', async () => {
    const dir = remotePath(sshd.rssh, await userDir(sshd.rssh, 'name-dir'));
    const r = await runCli(put(`${dir}/missing/`), { stdin: 'hi' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${dir}/missing/: No such file or directory\n`);
  });

  // User sees: exit 0. Left: DIR/n.
  it('an existing DIR: the file lands inside it under NAME', async () => {
    const dir = await userDir(sshd.rssh, 'name-dir-ok');
    const r = await runCli(put(`${remotePath(sshd.rssh, dir)}/`), { stdin: 'hi' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'n'), 'utf8')).toBe('hi');
  });
});
