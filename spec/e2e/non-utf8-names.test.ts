// `cp -r` from a remote tree holding names that are not UTF-8 (a file and a
// directory) over SFTP (OpenSSH's sftp-server): such an entry is skipped
// with a message, the rest is copied, and the run exits 1 at the end, as
// uploads already do. ssh2's SFTP client hands names over already decoded,
// so SFTP can show only U+FFFD where the bytes were. (SCP stores them as
// their bytes: byte-names-download.test.ts.)
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-non-utf8-');

async function treeWithBadNames(name: string): Promise<string> {
  const src = join(await userDir(sshd.user, name), 'tree');
  await mkdir(src);
  for (let i = 0; i < 7; i++) await writeFile(join(src, `good${i}`), `file ${i}`);
  await writeFile(Buffer.from(`${src}/a\xff`, 'latin1'), 'bad');
  await mkdir(Buffer.from(`${src}/d\xfe`, 'latin1'));
  await writeFile(Buffer.from(`${src}/d\xfe/inside`, 'latin1'), 'not reached');
  return src;
}

describe.each([
  ['sftp', ['--protocol', 'sftp'], /"a\uFFFD"/, /"d\uFFFD"/],
])('cp -r download over %s: names that are not UTF-8', (_protocol, flags, fileShown, dirShown) => {
  it('skips them with a message, copies the rest, exits 1', async () => {
    const src = await treeWithBadNames(`non-utf8-${_protocol}`);
    const dst = local();
    const r = await runCli(['cp', '-r', ...flags, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, src), dst]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(fileShown);
    expect(r.stderr).toMatch(dirShown);
    expect(r.stderr).toMatch(/not valid UTF-8/);
    expect(r.stderr).not.toMatch(/[\x80-\xff]/); // never the raw bytes
    expect((await readdir(join(dst, 'tree'))).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `good${i}`));
    expect(await readFile(join(dst, 'tree/good6'), 'utf8')).toBe('file 6');
  });
});

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
