// A name that holds U+FFFD itself, as UTF-8, on the command line.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-non-utf8-');

describe('a name holding U+FFFD as UTF-8 on the command line', () => {
  // EF BF BD is valid UTF-8 (a name an earlier lossy copy made): OpenSSH's
  // scp copies it. Refused since all arguments were checked for U+FFFD
  // ("holds bytes that are not UTF-8", exit 2), as a latin-1 \xff still is.
  // User sees: exit 0, nothing on stderr. Left remotely: a\u{fffd}b and
  // c\u{fffd}d with the bytes sent.
  it('is copied by cp and stored by put under the same bytes', async () => {
    const src = join(local(), 'a\uFFFDb');
    await writeFile(src, 'from cp');
    const dst = await userDir(sshd.user, 'fffd');
    const cp = await runCli(['cp', ...sshFlags(sshd, sshd.user), src, remote(sshd, sshd.user, `${dst}/`)]);
    expect(cp).toMatchObject({ status: 0, stderr: '' });
    const put = await runCli(['put', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dst}/c\uFFFDd`)], { stdin: 'from put' });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dst)).sort()).toEqual(['a\uFFFDb', 'c\uFFFDd']);
    expect(await readFile(join(dst, 'a\uFFFDb'), 'utf8')).toBe('from cp');
    expect(await readFile(join(dst, 'c\uFFFDd'), 'utf8')).toBe('from put');
  });
});
