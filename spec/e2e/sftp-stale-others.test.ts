// Temporary files that uploads of other names left in the target's directory
// (last night's run, under its own name, killed with -9): a run tells of
// them once, in one line, and never removes them, not even with
// --remove-stale, which takes only its own target's. Fresh ones (an upload
// that may still run) and other dot files are not told of.
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { STALE_AFTER_S } from '../../lib';

const sshd = sshdPerSuite();

const OLD_PART = '.home.2026-12-06.tar.zst.000003.scpipe-Ab12Cd';
const OLD_FILE = '.db.dump.scpipe-x9Y8z7';
const FRESH = '.running.bin.scpipe-Qq1Ww2';
const OTHER = '.profile';

// The four planted beside the target: two stale (3 h and 5 min), one fresh, one not scpipe's.
async function planted(name: string): Promise<{ dir: string; left: string[] }> {
  const dir = await userDir(sshd.sftp, name);
  await writeFile(join(dir, OLD_PART), Buffer.alloc(3 * 1024 * 1024));
  await writeFile(join(dir, OLD_FILE), Buffer.alloc(1024 * 1024));
  await writeFile(join(dir, FRESH), 'x');
  await writeFile(join(dir, OTHER), 'x');
  const ago = (s: number): Date => new Date(Date.now() - s * 1000);
  await utimes(join(dir, OLD_PART), ago(3 * 3600 + 60), ago(3 * 3600 + 60));
  await utimes(join(dir, OLD_FILE), ago(STALE_AFTER_S + 180), ago(STALE_AFTER_S + 180));
  await utimes(join(dir, OTHER), ago(86400), ago(86400));
  return { dir, left: [OLD_FILE, OLD_PART, FRESH, OTHER] };
}

const warning = (dir: string): string =>
  `scpipe: warning: ${remotePath(sshd.sftp, dir)} holds 2 temporary files (4 MiB, the oldest last written 3 h ago) left by uploads of other names that did not finish (.NAME.scpipe-XXXXXX); scpipe never removes those: remove them on the server once no such upload runs (docs/nightly.md)\n`;

describe('other names\' stale temporary files in the target directory (SFTP)', () => {
  it.each([
    ['a plain put', [] as string[]],
    ['put --remove-stale', ['--remove-stale']],
    ['put --part-size', ['--part-size', '1K']],
    ['put --part-size --remove-stale', ['--part-size', '1K', '--remove-stale']],
  ])('%s: one warning line, exit 0; all four left as they were', async (_, flags) => {
    const { dir, left } = await planted('stale-others');
    const r = await runCli(['put', ...flags, ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/tonight.bin`)], { stdin: 'y'.repeat(3000) });
    expect(r).toMatchObject({ status: 0, stderr: warning(dir) });
    const after = await readdir(dir);
    for (const name of left) expect(after).toContain(name);
  }, 60_000);

  it('none stale (only a fresh one and other dot files): nothing said', async () => {
    const dir = await userDir(sshd.sftp, 'stale-others-fresh');
    await writeFile(join(dir, FRESH), 'x');
    await writeFile(join(dir, OTHER), 'x');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/tonight.bin`)], { stdin: 'y' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
  }, 60_000);
});
