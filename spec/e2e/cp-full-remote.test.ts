// cp to a full remote disk over SCP: scp -t keeps what fit, and an scp-only
// account cannot remove it, so the message gives the command that frees the
// space, as put's does (docs/failures.md).
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';
import { unmount } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-cpfull-');

it('cp to a full remote disk: exit 1, the cut-short file named, and the command that frees its space', async () => {
  const dir = await userDir(sshd.rssh, 'cp-full');
  const small = join(dir, 'small-disk');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
  try {
    const source = join(local(), 'f.bin');
    await writeFile(source, randomBytes(3 * 1024 * 1024));
    const r = await runCli(['cp', '--protocol', 'scp', ...sshFlags(sshd, sshd.rssh), source, remote(sshd, sshd.rssh, `${small}/`)]);
    expect(r.status).toBe(1);
    const target = remote(sshd, sshd.rssh, `${small}/f.bin`);
    // `//`: scp -t joins the directory given and the name itself.
    expect(r.stderr).toBe(
      `scpipe: remote: scp: ${small}//f.bin: No space left on device; the remote file ${small}/f.bin is left cut short, holding what fit, and its space: ` +
        `remove it, or store an empty file over it: \`scpipe put -O --size 0 ${pastedFlags(sshFlags(sshd, sshd.rssh))} ${target} < /dev/null\`\n`,
    );
    const left = (await stat(join(small, 'f.bin'))).size;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(3 * 1024 * 1024);
  } finally {
    await unmount(small);
  }
});
