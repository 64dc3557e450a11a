// The warning of a default spool directory that cannot take files, under
// --protocol auto (the default): said once SCP is chosen, before the stream is
// read; not said where SFTP is chosen, which spools nothing (a read-only /tmp
// under systemd's ProtectSystem=strict or a container's read-only root warned
// at every run of a backup that never needed it).
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const TMPDIR = '/nonexistent/scpipe-test-spool'; // a unit's TMPDIR that is not there
const warning = `scpipe: warning: the spool directory ${TMPDIR} ($TMPDIR): No such file or directory: a stream past --memory (64 MiB) will fail; give --spool-dir\n`;

it('auto choosing SFTP says nothing; SCP chosen or forced warns once, before the stream is read', async () => {
  const dir = await userDir(sshd.user, 'spool-warning');
  const put = (name: string, extra: string[] = []) =>
    runCli(['put', ...sshFlags(sshd, sshd.user), ...extra, remote(sshd, sshd.user, `${dir}/${name}`)], { stdin: name, env: { TMPDIR } });
  expect(await put('auto')).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'auto'), 'utf8')).toBe('auto');
  expect(await put('forced', ['-O'])).toMatchObject({ status: 0, stderr: warning });
  // An scp-only account: auto falls back to SCP, and the warning comes with it.
  const jail = await userDir(sshd.rssh, 'spool-warning');
  const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${jail}/fallback`)], { stdin: 'fallback', env: { TMPDIR } });
  expect(r.status).toBe(0);
  expect(r.stderr.split(warning).length).toBe(2); // once
});
