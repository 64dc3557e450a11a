// `scpipe serve --append-only` killed (SIGKILL) at the two points where an
// upload's temporary file is on disk but its state is not final: just after
// the file is made, before its owner's record is written; and just after a
// store's link(), before its unlink(). After the restart, another key is
// refused the upload, and its own key goes on with it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFile, link, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { emptyRootAndRecords, servePerSuite, sftpBatch } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-crash-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(() => emptyRootAndRecords(serve));

const TEMP = '/.db.dump.scpipe-AbCdE1';
const recordsDir = async (): Promise<string> => join(serve.dir, 'state', (await readdir(join(serve.dir, 'state')))[0]!);
const recordName = (path: string): string => `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.owner`;

// OpenSSH's options for a second key, authorized on the server.
async function otherKey(): Promise<string[]> {
  const key = join(local, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', key]);
  await appendFile(join(serve.dir, 'authorized_keys'), await readFile(`${key}.pub`));
  return serve.sshArgs().map((a) => (a === serve.keyPath ? key : a));
}

describe('serve --append-only killed as it makes an upload\'s temporary file', () => {
  it('keeps the upload its own key\'s when killed after making the file, before writing its owner\'s record', async () => {
    await serve.restart(); // a fresh serve: its first record written is the one held below
    await writeFile(join(local, 'whole'), 'the whole backup');
    await writeFile(join(local, 'evil'), 'EVIL');
    const other = await otherKey();
    // The record's write opens its temporary name; a FIFO there holds serve in that open: no hook in serve.
    execFileSync('mkfifo', [join(await recordsDir(), `${recordName(TEMP.slice(1))}.${serve.process.pid}.1.tmp`)]);
    const put = sftpBatch(serve, [`put ${join(local, 'whole')} ${TEMP}`]);
    await waitFor(() => stat(join(serve.root, TEMP)).then(() => true, () => false), 'the temporary file made');
    expect((await readdir(await recordsDir())).filter((n) => n.endsWith('.owner'))).toEqual([]);
    await serve.restart('SIGKILL');
    expect((await put).status).not.toBe(0);
    // Stock scp (SFTP mode) and sftp with another key: refused, and the file is as it was.
    const scp = await runProgram('scp', ['-q', ...other, join(local, 'evil'), `127.0.0.1:${TEMP}`]);
    expect([scp.status, scp.stderr]).toEqual([1, expect.stringMatching(/Permission denied/)]);
    expect((await runProgram('sftp', ['-q', ...other, '-b', '-', '127.0.0.1'], `rename ${TEMP} /stolen\n`)).status).toBe(1);
    expect(serve.log()).toMatch(/sftp open refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login/);
    expect(await readdir(serve.root)).toEqual([TEMP.slice(1)]);
    expect(await readFile(join(serve.root, TEMP), 'utf8')).toBe('');
    expect(serve.log()).toMatch(/append-only: owners of uploads in progress kept in \S+: 1 on record; 1 of files made as serve stopped put on record\n/);
    // Its own key goes on (sftp's reput) and stores it; nothing is left on record.
    expect(await sftpBatch(serve, [`reput ${join(local, 'whole')} ${TEMP}`, `rename ${TEMP} /db.dump`])).toMatchObject({ status: 0 });
    expect(await readdir(serve.root)).toEqual(['db.dump']);
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('the whole backup');
    expect(await readdir(await recordsDir())).toEqual([]);
    expect(serve.log()).not.toMatch(/no owner/);
  });
});

describe('serve --append-only killed as it stores an upload', () => {
  // What a kill between link() and unlink() leaves: the stored name and the
  // temporary one, two names of one file, and the record. Made by hand here,
  // with serve running, then serve is killed.
  it('removes at start the temporary name of an upload stored as serve was killed, and its record', async () => {
    await writeFile(join(local, 'whole'), 'the whole backup');
    expect(await sftpBatch(serve, [`put ${join(local, 'whole')} ${TEMP}`])).toMatchObject({ status: 0 });
    await link(join(serve.root, TEMP), join(serve.root, 'db.dump'));
    await serve.restart('SIGKILL');
    expect(serve.log()).toMatch(/: 0 on record; 1 temporary name\(s\) of uploads stored as serve stopped removed\n/);
    expect(await readdir(serve.root)).toEqual(['db.dump']);
    expect((await stat(join(serve.root, 'db.dump'))).nlink).toBe(1);
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('the whole backup');
    expect(await readdir(await recordsDir())).toEqual([]);
    // Stored: no key writes into it, by either name.
    const r = await sftpBatch(serve, [`put ${join(local, 'whole')} /db.dump`]);
    expect(r.status).toBe(1);
  });
});
