// `scpipe serve --append-only`: a write handle held on an upload's
// temporary file writes no more once that file is stored under its name,
// whoever holds it: a compromised client that opened another client's upload
// in progress, or kept its own open past the rename, cannot change a stored
// file through it (the uploader's read-back would not see it). And only the
// login (key) that made an upload's temporary file may go on with it.
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client, OpenMode, SFTPWrapper } from 'ssh2';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { authorizeOtherKey, emptyRoot, servePerSuite, sftpBatch, ssh2Client } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

// The owners kept on another file system than the root's: a test below needs
// the root's next file to get the inode just freed, which serve's intents
// and records, made and removed meanwhile on the same one, would take first.
const state = `/dev/shm/scpipe-test-append-handles-${process.pid}`;
const serve = servePerSuite(['--append-only', '--state-dir', state]);
afterAll(() => rm(state, { recursive: true, force: true }));
const localDir = tempDirPerTest('scpipe-test-append-handles-');
let client: Client;
let sftp: SFTPWrapper;
beforeEach(async () => {
  client = await ssh2Client(serve);
  sftp = await new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
});
afterEach(async () => {
  client.end();
  await emptyRoot(serve);
});

const call = <T>(f: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value as T))));
const open = (path: string, flags: OpenMode): Promise<Buffer> => call((cb) => sftp.open(path, flags, cb));
const write = (h: Buffer, data: string): Promise<void> => call((cb) => sftp.write(h, Buffer.from(data), 0, data.length, 0, cb));
const truncate = (h: Buffer): Promise<void> => call((cb) => sftp.fsetstat(h, { size: 0 }, cb));
const stored = /append-only server: this upload was stored under its name meanwhile, and stored files are not written to/;
const notYours = /append-only server: it is an upload in progress of another login \(another key\), and only its own may go on with it/;

// A second key, authorized on the server, and an SFTP session logged in with it.
async function otherLogin(dir: string): Promise<{ sftp: SFTPWrapper; end: () => void }> {
  const client = await ssh2Client(serve, await authorizeOtherKey(serve, dir));
  const s: SFTPWrapper = await new Promise((resolve, reject) => client.sftp((err, x) => (err ? reject(err) : resolve(x))));
  return { sftp: s, end: () => client.end() };
}

describe('serve --append-only: uploads in progress', () => {
  it('refuses writes and truncation through a handle another client opened on the upload before its rename', async () => {
    const local = localDir();
    await writeFile(join(local, 'dump'), 'the real backup');
    const temp = '/.db.dump.scpipe-AbCdE1';
    expect(await sftpBatch(serve, [`put ${join(local, 'dump')} ${temp}`])).toMatchObject({ status: 0 });
    const held = await open(temp, 'r+');
    expect(await sftpBatch(serve, [`rename ${temp} /db.dump`])).toMatchObject({ status: 0 });
    await expect(write(held, 'EVIL')).rejects.toThrow(stored);
    await expect(truncate(held)).rejects.toThrow(stored);
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('the real backup');
    expect(serve.log()).toMatch(/sftp write refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: this upload was stored/);
    expect(serve.log()).toMatch(/sftp fsetstat refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: this upload was stored/);
  });

  it('refuses a mode or time change through a read handle whose name now leads to another upload', async () => {
    const local = localDir();
    await writeFile(join(local, 'dump'), 'the real backup');
    const temp = '/.db.dump.scpipe-AbCdE1';
    expect(await sftpBatch(serve, [`put ${join(local, 'dump')} ${temp}`])).toMatchObject({ status: 0 });
    const reading = await open(temp, 'r');
    expect(await sftpBatch(serve, [`rename ${temp} /db.dump`, `put ${join(local, 'dump')} ${temp}`])).toMatchObject({ status: 0 });
    const before = await stat(join(serve.root, 'db.dump'));
    await expect(call((cb) => sftp.fsetstat(reading, { mode: 0, atime: 1000, mtime: 1000 }, cb))).rejects.toThrow(/append-only server: the mode, times and size of existing files are kept/);
    const after = await stat(join(serve.root, 'db.dump'));
    expect([after.mode, after.mtimeMs]).toEqual([before.mode, before.mtimeMs]);
    expect(serve.log()).toMatch(/sftp fsetstat refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: the mode, times/);
  });

  it('refuses writes through the uploader\'s own handle kept open past its rename', async () => {
    const temp = '/.mine.scpipe-XyZ123';
    const own = await open(temp, 'w');
    await write(own, 'stored');
    await call((cb) => sftp.rename(temp, '/mine', cb));
    await expect(write(own, 'EVIL!!')).rejects.toThrow(stored);
    await expect(truncate(own)).rejects.toThrow(stored);
    await call((cb) => sftp.close(own, cb));
    expect(await readFile(join(serve.root, 'mine'), 'utf8')).toBe('stored');
  });

  it('still lets a client reopen an upload not stored yet and write on (a resume)', async () => {
    const temp = '/.resumed.scpipe-Res123';
    const first = await open(temp, 'w');
    await write(first, 'part one');
    const again = await open(temp, 'r+');
    await call((cb) => sftp.write(again, Buffer.from(' and two'), 0, 8, 8, cb));
    await call((cb) => sftp.close(again, cb));
    await call((cb) => sftp.close(first, cb));
    await call((cb) => sftp.rename(temp, '/resumed', cb));
    expect(await readFile(join(serve.root, 'resumed'), 'utf8')).toBe('part one and two');
  });

  it('refuses a client with another key the upload in progress of another, and lets its own key go on with it', async () => {
    const local = localDir();
    await writeFile(join(local, 'dump'), 'the real backup');
    const temp = '/.db.dump.scpipe-AbCdE1';
    expect(await sftpBatch(serve, [`put ${join(local, 'dump')} ${temp}`])).toMatchObject({ status: 0 });
    const stranger = await otherLogin(local);
    try {
      const s = stranger.sftp;
      await expect(call((cb) => s.open(temp, 'r+', cb))).rejects.toThrow(notYours);
      await expect(call((cb) => s.setstat(temp, { size: 0 }, cb))).rejects.toThrow(notYours);
      await expect(call((cb) => s.rename(temp, '/elsewhere', cb))).rejects.toThrow(notYours);
    } finally {
      stranger.end();
    }
    expect(serve.log()).toMatch(/sftp open refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login/);
    const resumed = await open(temp, 'r+'); // its own key, on a new connection: a resume
    await call((cb) => sftp.close(resumed, cb));
    expect(await sftpBatch(serve, [`rename ${temp} /db.dump`])).toMatchObject({ status: 0 });
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('the real backup');
  });

  // An open that would truncate (sftp's `put` over the name: WRITE, CREAT,
  // TRUNC) was refused to another key only once the file was open, so the
  // refused open had already emptied the upload. User sees: refused, and the
  // upload in progress keeps its bytes; its own key stores it whole.
  it('refuses another key an open that would truncate the upload in progress of another, before it truncates', async () => {
    const local = localDir();
    const temp = '/.db.dump.scpipe-AbCdE4';
    const own = await open(temp, 'w');
    await write(own, 'the real backup');
    const stranger = await otherLogin(local);
    try {
      await expect(call((cb) => stranger.sftp.open(temp, 'w', cb))).rejects.toThrow(notYours);
    } finally {
      stranger.end();
    }
    expect(await readFile(join(serve.root, temp), 'utf8')).toBe('the real backup');
    await call((cb) => sftp.close(own, cb));
    await call((cb) => sftp.rename(temp, '/db.dump', cb));
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('the real backup');
  });

  // A temporary file with no owner on record in the state directory (made
  // before owners were kept there, or its record lost). User sees: the client
  // that goes on with it first (its own, resuming after the restart) keeps
  // it; another key is refused it; the log says so once.
  it('gives an upload with no owner on record to the login that goes on with it first, and refuses it to another', async () => {
    const local = localDir();
    const temp = '/.db.dump.scpipe-AbCdE2';
    await writeFile(join(serve.root, temp), 'part one'); // as a serve before its restart left it
    const resumed = await open(temp, 'r+');
    await call((cb) => sftp.write(resumed, Buffer.from(' and two'), 0, 8, 8, cb));
    const stranger = await otherLogin(local);
    try {
      await expect(call((cb) => stranger.sftp.open(temp, 'r+', cb))).rejects.toThrow(notYours);
    } finally {
      stranger.end();
    }
    await call((cb) => sftp.close(resumed, cb));
    await call((cb) => sftp.rename(temp, '/db.dump', cb));
    expect(await readdir(serve.root)).toEqual(['db.dump']);
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('part one and two');
    const unknown = "sftp /.db.dump.scpipe-AbCdE2: no owner of this upload's temporary file on record (made before owners were kept, or its record was lost): it is this login's upload from now on";
    expect(serve.log().split(unknown)).toHaveLength(2);
  });

  // A file still open for writing holds no stored backup: it may grow, and
  // goes when its client hangs up (a part would stay for good otherwise).
  // User sees: the re-sent upload refused, as onto other content (sftp, scp
  // -O). Left: its temporary file, for its retry; nothing of the part.
  it('does not count a re-sent upload as stored under a name whose file another client is still writing', async () => {
    const local = localDir();
    await writeFile(join(local, 'dump'), 'the real backup');
    const writing = await open('/db.dump', 'w');
    await write(writing, 'the real backup');
    const temp = '/.db.dump.scpipe-AbCdE1';
    const r = await sftpBatch(serve, [`put ${join(local, 'dump')} ${temp}`, `rename ${temp} /db.dump`]);
    expect([r.status, r.stderr.trim()]).toEqual([1, `remote rename "${temp}" to "/db.dump": Permission denied`]);
    const scp = await runProgram('scp', ['-q', '-O', ...serve.sshArgs(), join(local, 'dump'), '127.0.0.1:/db.dump']);
    expect([scp.status, scp.stderr.trim()]).toEqual([1, 'scp: /db.dump: Permission denied (append-only server: it exists, and existing files are not replaced)']);
    client.end();
    await waitFor(() => / sftp upload \/db\.dump 15 bytes failed/.test(serve.log()), 'the writer\'s upload logged');
    expect(serve.log()).toContain('sftp posix-rename refused: /db.dump: append-only server: it exists, and existing files are not replaced');
    expect(await readdir(serve.root)).toEqual([temp.slice(1)]);
  });

  // Which login made an upload's temporary file is kept by its inode. User
  // sees: another key's new file, or its resume, that reuses the inode of a
  // temporary file removed before, is not taken for that upload and refused.
  it('forgets whose an upload was once its temporary file is removed, whatever file gets its inode next', async () => {
    const logged = serve.log().length;
    const stranger = await otherLogin(localDir());
    const remove = (s: SFTPWrapper, path: string): Promise<void> => call((cb) => s.unlink(path, cb));
    // A temporary file this client makes and takes away again (as a put refused at its rename does); its inode is free.
    const madeAndRemoved = async (name: string): Promise<number> => {
      const made = await open(name, 'w');
      await call((cb) => sftp.close(made, cb));
      const { ino } = await stat(join(serve.root, name));
      await remove(sftp, name);
      return ino;
    };
    try {
      await untilInodeReused('a file left from before a restart', async () => {
        const first = await madeAndRemoved('/.a.scpipe-AbCdE1');
        await writeFile(join(serve.root, '.b.scpipe-AbCdE3'), 'left from before a restart');
        if ((await stat(join(serve.root, '.b.scpipe-AbCdE3'))).ino === first) return true;
        await rm(join(serve.root, '.b.scpipe-AbCdE3'));
        return false;
      });
      const resumed = await call<Buffer>((cb) => stranger.sftp.open('/.b.scpipe-AbCdE3', 'r+', cb));
      await call((cb) => stranger.sftp.close(resumed, cb));
      const created = await untilInodeReused("another key's new file", async () => {
        const second = await madeAndRemoved('/.a.scpipe-AbCdE2');
        const handle = await call<Buffer>((cb) => stranger.sftp.open('/new', 'w', cb));
        if ((await stat(join(serve.root, 'new'))).ino === second) return handle;
        await call((cb) => stranger.sftp.close(handle, cb));
        await rm(join(serve.root, 'new'));
        return undefined;
      });
      await call((cb) => stranger.sftp.write(created, Buffer.from('new backup'), 0, 10, 0, cb));
      await call((cb) => stranger.sftp.close(created, cb));
    } finally {
      stranger.end();
    }
    expect(await readFile(join(serve.root, 'new'), 'utf8')).toBe('new backup');
    expect(serve.log().slice(logged)).not.toMatch(/refused/);
  });
});

// ext4 gives a removed file's inode to the next file made near it, unless
// another process (another test, on a loaded machine) makes one in between:
// so a case that needs the inode again tries again until it got it. A miss
// is about one try in ten under load; twenty in a row do not happen.
async function untilInodeReused<T>(what: string, attempt: () => Promise<T | false | undefined>): Promise<T> {
  for (let i = 0; i < 20; i++) {
    const got = await attempt();
    if (got !== false && got !== undefined) return got;
  }
  throw new Error(`the file system never gave a removed temporary file's inode to ${what} in 20 tries`);
}
