// `scpipe serve --append-only`: an upload's temporary file stays its own
// key's whatever name reaches it: a deep path of names that are not UTF-8
// (whose record is long), a path through a symbolic link to its directory,
// and a name given with `/.` after it are checked as the file they lead to.
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { authorizeOtherKey, emptyRootAndRecords, servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-names-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(() => emptyRootAndRecords(serve));

// OpenSSH's options for a second key, authorized on the server.
async function otherKey(): Promise<string[]> {
  const key = await authorizeOtherKey(serve, local);
  return serve.sshArgs().map((a) => (a === serve.keyPath ? key : a));
}

// `sftp -b FILE` with one command whose path is bytes (OpenSSH's sftp sends them as they are).
async function sftpBytes(args: string[], command: string, path: Buffer): Promise<{ status: number | null; stderr: string }> {
  const batch = join(local, 'batch');
  await writeFile(batch, Buffer.concat([Buffer.from(`${command} `), path, Buffer.from('\n')]));
  return runProgram('sftp', ['-q', ...args, '-b', batch, '127.0.0.1']);
}

describe('serve --append-only: the owner of an upload in progress, by its name', () => {
  // Seven Latin-1 directories of 200 bytes: 1,400 bytes of path, 8,400
  // characters in the record's JSON, where each such byte is `\udcNN`.
  it('refuses another key the upload in progress under a deep path of names that are not UTF-8', async () => {
    const dirs = Array.from({ length: 7 }, () => Buffer.alloc(200, 0xe9));
    const rel = Buffer.concat(dirs.flatMap((d) => [Buffer.from('/'), d]));
    for (let i = 1; i <= dirs.length; i++) await mkdir(Buffer.concat([Buffer.from(serve.root), ...dirs.slice(0, i).flatMap((d) => [Buffer.from('/'), d])]));
    const temp = Buffer.concat([rel, Buffer.from('/.db.scpipe-AbCdE1')]);
    await writeFile(join(local, 'one'), 'the backup');
    await writeFile(join(local, 'evil'), 'EVIL');
    expect(await sftpBytes(serve.sshArgs(), `put ${join(local, 'one')}`, temp)).toMatchObject({ status: 0 });
    const r = await sftpBytes(await otherKey(), `put ${join(local, 'evil')}`, temp);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(serve.log()).toMatch(/sftp open refused: \/(\\xe9){200}\/.*\/\.db\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login \(another key\)/);
    expect(serve.log()).not.toMatch(/no owner of this upload's temporary file on record/);
    expect((await readFile(Buffer.concat([Buffer.from(serve.root), temp]))).toString()).toBe('the backup');
  });

  // A root laid out with a link to the newest directory, as backup roots often are.
  it('refuses another key the upload in progress reached through a symbolic link to its directory', async () => {
    await mkdir(join(serve.root, '2026-12-06'));
    await symlink('2026-12-06', join(serve.root, 'latest'));
    await writeFile(join(local, 'one'), 'the backup');
    await writeFile(join(local, 'evil'), 'EVIL');
    expect(await sftpBytes(serve.sshArgs(), `put ${join(local, 'one')}`, Buffer.from('/2026-12-06/.db.scpipe-AbCdE1'))).toMatchObject({ status: 0 });
    const r = await sftpBytes(await otherKey(), `put ${join(local, 'evil')}`, Buffer.from('/latest/.db.scpipe-AbCdE1'));
    expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/Permission denied/)]);
    expect(serve.log()).toMatch(/sftp open refused: \/latest\/\.db\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login \(another key\)/);
    expect(await readFile(join(serve.root, '2026-12-06', '.db.scpipe-AbCdE1'), 'utf8')).toBe('the backup');
    // Its own key goes on through either name, and stores it.
    expect(await sftpBytes(serve.sshArgs(), 'rename /latest/.db.scpipe-AbCdE1', Buffer.from('/latest/db.dump'))).toMatchObject({ status: 0 });
    expect(await readdir(join(serve.root, '2026-12-06'))).toEqual(['db.dump']);
    const state = join(serve.dir, 'state');
    for (const dir of await readdir(state)) expect(await readdir(join(state, dir))).toEqual([]);
  });
});

describe('serve --append-only: no file stored under the name of an upload\'s temporary file', () => {
  // `/.` after it resolves to that name: a file stored there would stay writable, with no owner on record.
  // A name ending in `.` is no name to store under at all (as the kernel refuses it), so it goes no further.
  // User sees: the rename is refused (sftp exit 1, Failure); the upload stays under its temporary name.
  it('refuses a rename onto such a name given with /. after it, and keeps the upload', async () => {
    await writeFile(join(local, 'one'), 'the backup');
    const r = await runProgram('sftp', ['-q', ...serve.sshArgs(), '-b', '-', '127.0.0.1'], `put ${join(local, 'one')} /.db.scpipe-AbCdE1\nrename /.db.scpipe-AbCdE1 /.db.scpipe-XyZ123/.\n`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Failure/);
    expect(serve.log()).not.toMatch(/XyZ123/); // nothing stored or renamed under it
    expect(await readdir(serve.root)).toEqual(['.db.scpipe-AbCdE1']);
  });
});

describe('serve --append-only: an upload whose name holds a newline', () => {
  // Its temporary file, `.a\nb.scpipe-XXXXXX`, was not taken for one: its
  // rename and its removal were refused, and it stayed for good.
  it('stores it, and leaves no temporary file', async () => {
    const r = await runCli(['put', ...serve.scpipeArgs(), '-s', '-q', 'backup@127.0.0.1:/a\nb'], { stdin: 'the backup' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(await readdir(serve.root)).toEqual(['a\nb']);
    expect(await readFile(join(serve.root, 'a\nb'), 'utf8')).toBe('the backup');
  });
});
