// `scpipe serve --append-only`: a backup target a compromised client cannot
// destroy. OpenSSH's own clients (scp in SFTP mode, scp -O, sftp) may add
// files and directories and read them back, and every change to what exists
// is refused with permission denied and logged; scpipe's own uploads (SFTP
// and SCP, parts, cp -r) still work into it.
import { chmod, mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch, ssh2Client, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(() => emptyRoot(serve));

const scp = (s: TestServe, ...args: string[]): Promise<ProgramRun> => runProgram('scp', ['-q', ...s.sshArgs(), ...args]);

// What is in the root, file → content, directories as `/`.
async function tree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      out[`${prefix}${e.name}/`] = '';
      Object.assign(out, await tree(join(dir, e.name), `${prefix}${e.name}/`));
    } else out[`${prefix}${e.name}`] = await readFile(join(dir, e.name), 'utf8');
  }
  return out;
}

async function stored(): Promise<void> {
  await writeFile(join(serve.root, 'backup'), 'precious');
  await chmod(join(serve.root, 'backup'), 0o644);
  await utimes(join(serve.root, 'backup'), 1500000000, 1500000000);
  await mkdir(join(serve.root, 'dir'), 0o755);
  await writeFile(join(serve.root, 'dir', 'inside'), 'also precious');
}

describe('serve --append-only over SFTP', () => {
  it('takes new files and directories from sftp and scp, and gives them back', async () => {
    await stored();
    await writeFile(join(local, 'f'), 'new data');
    await mkdir(join(local, 't', 'sub'), { recursive: true });
    await writeFile(join(local, 't', 'sub', 'x'), 'x');
    await chmod(join(local, 't', 'sub', 'x'), 0o640);
    await utimes(join(local, 't', 'sub', 'x'), 1400000000, 1400000000);
    expect(await sftpBatch(serve, [`put ${join(local, 'f')} new`, 'mkdir made', `put ${join(local, 'f')} made/one`, `put ${join(local, 'f')} dir/two`])).toMatchObject({ status: 0 });
    expect(await scp(serve, '-r', '-p', join(local, 't'), '127.0.0.1:/')).toMatchObject({ status: 0, stderr: '' });
    expect(await scp(serve, '127.0.0.1:/new', join(local, 'back'))).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(local, 'back'), 'utf8')).toBe('new data');
    const x = await stat(join(serve.root, 't', 'sub', 'x'));
    expect([x.mode & 0o777, x.mtimeMs]).toEqual([0o640, 1400000000000]);
    expect(await tree(serve.root)).toEqual({
      backup: 'precious', 'dir/': '', 'dir/inside': 'also precious', 'dir/two': 'new data', new: 'new data',
      'made/': '', 'made/one': 'new data', 't/': '', 't/sub/': '', 't/sub/x': 'x',
    });
  });

  it('refuses every change to what exists with permission denied, logged, and leaves it as it was', async () => {
    await stored();
    await writeFile(join(local, 'f'), 'evil, and longer than what it would replace'); // reput appends only past the end
    const commands = [
      `put ${join(local, 'f')} backup`, `reput ${join(local, 'f')} backup`, 'rm backup', 'rm dir/inside', 'rmdir dir',
      'rename backup gone', 'rename dir gone', 'chmod 000 backup', 'chmod 000 dir', 'ln -s backup link', 'ln backup hard',
    ];
    for (const command of commands) {
      const r = await sftpBatch(serve, [command]);
      expect({ command, status: r.status, denied: /Permission denied/.test(r.stderr) }).toEqual({ command, status: 1, denied: true });
    }
    const r = await scp(serve, join(local, 'f'), '127.0.0.1:/backup');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(await tree(serve.root)).toEqual({ backup: 'precious', 'dir/': '', 'dir/inside': 'also precious' });
    const st = await stat(join(serve.root, 'backup'));
    expect([st.mode & 0o777, st.mtimeMs]).toEqual([0o644, 1500000000000]);
    expect(serve.log()).toContain('sftp remove refused: /backup: append-only server: nothing is removed');
    expect(serve.log()).toContain('sftp open refused: /backup: append-only server: it exists, and existing files are not written to');
    expect(serve.log()).toContain('sftp setstat refused: /backup: append-only server: the mode, times and size of existing files are kept');
    expect(serve.log()).toContain('sftp posix-rename refused: /backup: append-only server: only an upload\'s temporary file is renamed, onto a new name');
  });

  // A name that is not there: as OpenSSH's sftp-server says, no such file,
  // not a refusal in the log. User sees: the same message as from any server.
  it('answers a remove, rename or mode change of a missing name with no such file, and logs no refusal', async () => {
    const expected = {
      'rm missing': 'remote delete /missing: No such file or directory',
      'rmdir missing': 'remote rmdir "/missing": No such file or directory',
      'rename missing new': 'remote rename "/missing" to "/new": No such file or directory',
      'rename .missing.scpipe-AbCdE1 new': 'remote rename "/.missing.scpipe-AbCdE1" to "/new": No such file or directory',
      'chmod 600 missing': 'remote setstat "/missing": No such file or directory',
    };
    const seen: Record<string, string> = {};
    for (const command of Object.keys(expected)) {
      const r = await sftpBatch(serve, [command]);
      seen[command] = `${r.status} ${r.stderr.trim()}`;
    }
    expect(seen).toEqual(Object.fromEntries(Object.entries(expected).map(([c, m]) => [c, `1 ${m}`])));
    // OpenSSH's sftp stats before its chmod; a client that does not is answered alike.
    const client = await ssh2Client(serve);
    try {
      const setstat = await new Promise<Error | null | undefined>((resolve, reject) =>
        client.sftp((err, sftp) => (err ? reject(err) : sftp.setstat('/missing', { mode: 0o600 }, resolve))));
      expect(setstat).toMatchObject({ code: 2, message: '/missing: No such file or directory' });
    } finally {
      client.end();
    }
    expect(serve.log()).not.toMatch(/refused: \/(\.missing|missing)/);
    expect(await readdir(serve.root)).toEqual([]);
  });

  // scp -r -p and sftp put -R -p end with a setstat of each directory they
  // filled, one that existed too. User sees: no error when only its times
  // change; `remote setstat` Permission denied when its mode would. Left:
  // the new files; the directory's mode as it was.
  it('lets scp -r -p and sftp put -R -p set the times of an existing directory they fill, never its mode', async () => {
    await stored();
    await mkdir(join(local, 'dir'));
    await writeFile(join(local, 'dir', 'added'), 'added');
    await chmod(join(local, 'dir'), 0o755);
    await utimes(join(local, 'dir'), 1300000000, 1300000000);
    expect(await scp(serve, '-r', '-p', join(local, 'dir'), '127.0.0.1:/')).toMatchObject({ status: 0, stderr: '' });
    expect((await stat(join(serve.root, 'dir'))).mtimeMs).toBe(1300000000000);
    await rm(join(local, 'dir', 'added'));
    await writeFile(join(local, 'dir', 'more'), 'more');
    await utimes(join(local, 'dir'), 1310000000, 1310000000);
    expect(await sftpBatch(serve, [`put -R -p ${join(local, 'dir')} /`])).toMatchObject({ status: 0, stderr: '' });
    expect((await stat(join(serve.root, 'dir'))).mtimeMs).toBe(1310000000000);
    await rm(join(local, 'dir', 'more'));
    await writeFile(join(local, 'dir', 'last'), 'last');
    await chmod(join(local, 'dir'), 0o777);
    await utimes(join(local, 'dir'), 1320000000, 1320000000);
    const r = await scp(serve, '-r', '-p', join(local, 'dir'), '127.0.0.1:/');
    expect(r.stderr).toMatch(/^scp: remote setstat "\/dir": Permission denied\r?\n$/);
    const after = await stat(join(serve.root, 'dir'));
    expect(after.mode & 0o7777).toBe(0o755);
    expect(after.mtimeMs).not.toBe(1320000000000);
    expect(await tree(serve.root)).toEqual({ backup: 'precious', 'dir/': '', 'dir/inside': 'also precious', 'dir/added': 'added', 'dir/more': 'more', 'dir/last': 'last' });
    expect(serve.log()).toContain('sftp setstat refused: /dir: append-only server: the mode of existing directories is kept');
  });

  // A shared backup directory is often setgid (g+s); scp sends a directory's
  // mode without set-id bits. User sees: no error. Left: the new file, the
  // times asked, and the setgid bit, which a chmod to the mode sent would clear.
  it('sets the times of an existing setgid directory scp -r -p fills, and keeps its setgid bit', async () => {
    await mkdir(join(serve.root, 'shared'));
    await chmod(join(serve.root, 'shared'), 0o2775);
    await mkdir(join(local, 'shared'));
    await writeFile(join(local, 'shared', 'added'), 'added');
    await chmod(join(local, 'shared'), 0o775);
    await utimes(join(local, 'shared'), 1300000000, 1300000000);
    expect(await scp(serve, '-r', '-p', join(local, 'shared'), '127.0.0.1:/')).toMatchObject({ status: 0, stderr: '' });
    const after = await stat(join(serve.root, 'shared'));
    expect([after.mode & 0o7777, after.mtimeMs]).toEqual([0o2775, 1300000000000]);
    expect(await tree(serve.root)).toEqual({ 'shared/': '', 'shared/added': 'added' });
  });
});

describe('serve --append-only over SCP (scp -O)', () => {
  it('takes new files, refuses to replace one with other bytes, takes the same bytes again as stored', async () => {
    await stored();
    await writeFile(join(local, 'f'), 'new data');
    await writeFile(join(local, 'same'), 'precious');
    await writeFile(join(local, 'other'), 'precioux'); // same size: received, then compared
    expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:/new')).toMatchObject({ status: 0, stderr: '' });
    expect(await scp(serve, '-O', join(local, 'same'), '127.0.0.1:/backup')).toMatchObject({ status: 0, stderr: '' });
    for (const from of ['f', 'other']) {
      expect(await scp(serve, '-O', join(local, from), '127.0.0.1:/backup')).toEqual(expect.objectContaining({
        status: 1, stderr: 'scp: /backup: Permission denied (append-only server: it exists, and existing files are not replaced)\n',
      }));
    }
    expect(await tree(serve.root)).toEqual({ backup: 'precious', 'dir/': '', 'dir/inside': 'also precious', new: 'new data' });
    expect(serve.log()).toMatch(/upload \/backup 8 bytes failed: \/backup: Permission denied \(append-only server: it exists, and existing files are not replaced\)/);
  });

  // Named from serve's root (`/dir/inside`), the file was one the client never typed.
  it('names a refused file as the client gave its target, as OpenSSH does: `backup`, `dir/inside`, `./dir/inside`', async () => {
    await stored();
    await writeFile(join(local, 'f'), 'new data');
    await mkdir(join(local, 'dir'));
    await writeFile(join(local, 'dir', 'inside'), 'evil');
    const refused = (name: string): string => `scp: ${name}: Permission denied (append-only server: it exists, and existing files are not replaced)\n`;
    expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:backup')).toMatchObject({ status: 1, stderr: refused('backup') });
    expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:dir/inside')).toMatchObject({ status: 1, stderr: refused('dir/inside') });
    expect(await scp(serve, '-O', join(local, 'dir', 'inside'), '127.0.0.1:dir')).toMatchObject({ status: 1, stderr: refused('dir/inside') });
    expect(await scp(serve, '-O', '-r', join(local, 'dir'), '127.0.0.1:.')).toMatchObject({ status: 1, stderr: refused('./dir/inside') });
    expect(await tree(serve.root)).toEqual({ backup: 'precious', 'dir/': '', 'dir/inside': 'also precious' });
  });

  it('stores nothing under the name of an upload\'s temporary file, which would stay writable (scp -O, sftp rename)', async () => {
    await writeFile(join(local, 'f'), 'new data');
    expect(await scp(serve, '-O', join(local, 'f'), '127.0.0.1:/.x.scpipe-AbCdE1')).toEqual(expect.objectContaining({
      status: 1, stderr: 'scp: /.x.scpipe-AbCdE1: Permission denied (append-only server: the name of an upload\'s temporary file is not one to store under)\n',
    }));
    expect(await sftpBatch(serve, [`put ${join(local, 'f')} /.up.scpipe-Up1234`])).toMatchObject({ status: 0 });
    const r = await sftpBatch(serve, ['rename /.up.scpipe-Up1234 /.st.scpipe-St1234']);
    expect([r.status, /Permission denied/.test(r.stderr)]).toEqual([1, true]);
    expect(await tree(serve.root)).toEqual({ '.up.scpipe-Up1234': 'new data' });
    expect(serve.log()).toMatch(/sftp posix-rename refused: \/\.st\.scpipe-St1234: append-only server: the name of an upload's temporary file is not one to store under/);
  });

  it('scp -r -p adds to an existing directory, whose mode it keeps, sets its times as over SFTP, and leaves its files as they are', async () => {
    await stored();
    const before = await stat(join(serve.root, 'dir'));
    await mkdir(join(local, 'dir'));
    await writeFile(join(local, 'dir', 'inside'), 'evil!!!!!!!!!');
    await writeFile(join(local, 'dir', 'added'), 'added');
    await chmod(join(local, 'dir'), 0o700);
    await utimes(join(local, 'dir'), 1300000000, 1300000000);
    const r = await scp(serve, '-O', '-r', '-p', join(local, 'dir'), '127.0.0.1:/');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('scp: /dir/inside: Permission denied (append-only server: it exists, and existing files are not replaced)\n');
    expect(await tree(serve.root)).toEqual({ backup: 'precious', 'dir/': '', 'dir/inside': 'also precious', 'dir/added': 'added' });
    const after = await stat(join(serve.root, 'dir'));
    expect(after.mode & 0o777).toBe(0o755);
    expect(after.mtimeMs).toBe(1300000000000);
    expect(before.mode).toBe(after.mode);
  });
});

it('--append-only with --read-only is a usage error', async () => {
  const r = await runCli(['serve', '--root', local, '--read-only', '--append-only', '--addr', '127.0.0.1:0']);
  expect(r).toMatchObject({ status: 2, stderr: 'scpipe: --read-only and --append-only: give one\n' });
});
