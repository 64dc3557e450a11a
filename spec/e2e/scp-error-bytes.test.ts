// OpenSSH's scp puts a name's raw bytes in its \1 error line: a byte that is
// not UTF-8 was shown as U+FFFD, so the user could not tell which file it
// was; it is shown as \xNN, as the name is elsewhere.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-error-bytes-');

it("cp -r -O download: scp's error about an unreadable a\\xff shows the byte as \\xff; exit 1, the rest copied", async () => {
  const src = join(await userDir(sshd.user, 'error-bytes'), 'tree');
  await mkdir(src);
  const unreadable = Buffer.from(`${src}/a\xff`, 'latin1');
  await writeFile(unreadable, 'secret');
  await chmod(unreadable, 0o000);
  await writeFile(join(src, 'plain'), 'plain');
  const dst = local();
  const r = await runCli(['cp', '-r', '-O', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, src), dst]);
  expect(r.stderr).toBe(`scpipe: remote: scp: ${src}/a\\xff: Permission denied\n`);
  expect(r.stderr).not.toContain('\ufffd');
  expect(r.status).toBe(1);
  expect(await readFile(join(dst, 'tree', 'plain'), 'utf8')).toBe('plain');
});
