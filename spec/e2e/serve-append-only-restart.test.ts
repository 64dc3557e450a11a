// `scpipe serve --append-only` keeps which login made each upload's
// temporary file in its state directory, outside the root: after a restart,
// or a crash, an upload in progress is still its own client's only. Another
// key is refused it; its own key resumes it and stores it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { appendFile, chmod, mkdir, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli, startCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { authorizeOtherKey, emptyRootAndRecords, sftpBatch, servePerSuite, startServe, type TestServe } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';
import { withTmpfs } from '../helpers/tmpfs';
import { stallingInput, tempWithBytes } from '../helpers/upload-temp';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-restart-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(() => emptyRootAndRecords(serve));

const TEMP = '/.db.dump.scpipe-AbCdE1';
const records = async (s: TestServe): Promise<string[]> => {
  const state = join(s.dir, 'state');
  const dirs = await readdir(state);
  return (await Promise.all(dirs.map((d) => readdir(join(state, d))))).flat();
};

// OpenSSH's options for a second key, authorized on the server.
async function otherKey(): Promise<string[]> {
  const key = await authorizeOtherKey(serve, local);
  return serve.sshArgs().map((a) => (a === serve.keyPath ? key : a));
}

describe('serve --append-only: uploads in progress across a restart', () => {
  it.each([['a restart', 'SIGTERM'], ['a crash', 'SIGKILL']] as const)('refuses another key, after %s, the upload in progress of the first, and its own key goes on with it', async (_name, signal) => {
    await writeFile(join(local, 'one'), 'part one');
    await writeFile(join(local, 'whole'), 'part one and two');
    await writeFile(join(local, 'evil'), 'EVIL');
    expect(await sftpBatch(serve, [`put ${join(local, 'one')} ${TEMP}`])).toMatchObject({ status: 0 });
    const other = await otherKey();
    await serve.restart(signal);
    expect(serve.log()).toMatch(/append-only: owners of uploads in progress kept in \S+: 1 on record\n/);
    // Stock scp (SFTP mode) and sftp with the other key: refused, and the upload is as it was.
    const scp = await runProgram('scp', ['-q', ...other, join(local, 'evil'), `127.0.0.1:${TEMP}`]);
    expect([scp.status, scp.stderr]).toEqual([1, expect.stringMatching(/Permission denied/)]);
    const moved = await runProgram('sftp', ['-q', ...other, '-b', '-', '127.0.0.1'], `rename ${TEMP} /stolen\n`);
    expect(moved.status).toBe(1);
    expect(serve.log()).toMatch(/sftp open refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login \(another key\), and only its own may go on with it/);
    expect(await readdir(serve.root)).toEqual([TEMP.slice(1)]);
    expect(await readFile(join(serve.root, TEMP), 'utf8')).toBe('part one');
    // Its own key resumes it (sftp's reput: on from the size there) and stores it.
    expect(await sftpBatch(serve, [`reput ${join(local, 'whole')} ${TEMP}`, `rename ${TEMP} /db.dump`])).toMatchObject({ status: 0 });
    expect(await readdir(serve.root)).toEqual(['db.dump']);
    expect(await readFile(join(serve.root, 'db.dump'), 'utf8')).toBe('part one and two');
    expect(await records(serve)).toEqual([]);
  });

  // A name that is not UTF-8 (Latin-1 bytes) is kept on record as its
  // bytes: read as U+FFFD it would name no file, and the record would go at
  // start, handing the upload to the first comer.
  it('keeps the owner of an upload whose name is not UTF-8 across a restart', async () => {
    const temp = Buffer.from('/.caf\xe9.scpipe-AbCdE1', 'latin1');
    await writeFile(join(local, 'one'), 'part one');
    await writeFile(join(local, 'evil'), 'EVIL');
    const batch = async (name: string, line: Buffer): Promise<string> => {
      const file = join(local, name);
      await writeFile(file, Buffer.concat([line, Buffer.from('\n')]));
      return file;
    };
    const put = await batch('put.batch', Buffer.concat([Buffer.from(`put ${join(local, 'one')} `), temp]));
    expect(await runProgram('sftp', ['-q', ...serve.sshArgs(), '-b', put, '127.0.0.1'])).toMatchObject({ status: 0 });
    const other = await otherKey();
    await serve.restart();
    expect(serve.log()).toMatch(/: 1 on record\n/);
    const evil = await batch('evil.batch', Buffer.concat([Buffer.from(`put ${join(local, 'evil')} `), temp]));
    const r = await runProgram('sftp', ['-q', ...other, '-b', evil, '127.0.0.1']);
    expect(r.status).toBe(1);
    expect(serve.log()).toMatch(/sftp open refused: \/\.caf\\xe9\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login/);
    expect((await readdir(serve.root, { encoding: 'buffer' })).map((n) => n.toString('latin1'))).toEqual(['.caf\xe9.scpipe-AbCdE1']);
    expect((await readFile(Buffer.concat([Buffer.from(serve.root), temp]))).toString()).toBe('part one');
    // Its own key stores it, and its record goes.
    const store = await batch('store.batch', Buffer.concat([Buffer.from('rename '), temp, Buffer.from(' /stored')]));
    expect(await runProgram('sftp', ['-q', ...serve.sshArgs(), '-b', store, '127.0.0.1'])).toMatchObject({ status: 0 });
    expect((await readFile(join(serve.root, 'stored'))).toString()).toBe('part one');
    expect(await records(serve)).toEqual([]);
  });

  it('lets scpipe put go on in its temporary file after serve crashed and came back', async () => {
    const input = stallingInput();
    const run = startCli(['put', ...serve.scpipeArgs(), '-s', '-q', '--retries', '5', 'backup@127.0.0.1:/r.bin'], { stdin: input, timeoutMs: 90_000 });
    try {
      await tempWithBytes(serve.root, 'r.bin');
      await serve.restart('SIGKILL');
      input.push(Buffer.alloc(1024, 6));
      input.push(null);
      const r = await run.done;
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^scpipe: \/r\.bin: \/\.r\.bin\.scpipe-\w{6}: write: the server ended the SFTP session; retry 1 of 5 in 1 s\n(.*retry \d of 5.*\n)*$/);
    } finally {
      input.destroy();
      run.child.kill('SIGKILL');
    }
    expect((await readFile(join(serve.root, 'r.bin'))).equals(Buffer.concat([Buffer.alloc(1024 * 1024, 5), Buffer.alloc(1024, 6)]))).toBe(true);
    expect(await readdir(serve.root)).toEqual(['r.bin']);
    expect(serve.log()).toMatch(/: 1 on record\n/);
    expect(serve.log()).not.toMatch(/refused|no owner/);
    expect(await records(serve)).toEqual([]);
  });

  // Two serves on one root and state directory (two ports, or a second
  // started before the first stopped): each reads the other's records.
  it('refuses another key, through a second serve on the same root and state directory, an upload in progress made through the first', async () => {
    await writeFile(join(local, 'one'), 'part one');
    await writeFile(join(local, 'evil'), 'EVIL');
    const other = await otherKey();
    const second = startCli(['serve', '--root', serve.root, '--addr', '127.0.0.1:0', '--host-key', join(serve.dir, 'host_key'), '--authorized-keys', join(serve.dir, 'authorized_keys'), '--append-only', '--state-dir', join(serve.dir, 'state'), '--stop-timeout', '0']);
    try {
      await waitFor(() => /listening on \S+:\d+,/.test(second.stderr()), 'the second serve listening', 15_000);
      const port = /listening on \S+:(\d+),/.exec(second.stderr())![1]!;
      const knownHosts = (await readFile(serve.knownHostsPath, 'utf8')).replace(`]:${serve.port} `, `]:${port} `);
      await appendFile(serve.knownHostsPath, knownHosts);
      // Made through the first serve, after the second started.
      expect(await sftpBatch(serve, [`put ${join(local, 'one')} ${TEMP}`])).toMatchObject({ status: 0 });
      const viaSecond = other.map((a) => (a === `Port=${serve.port}` ? `Port=${port}` : a));
      const r = await runProgram('sftp', ['-q', ...viaSecond, '-b', '-', '127.0.0.1'], `put ${join(local, 'evil')} ${TEMP}\nrename ${TEMP} /stolen\n`);
      expect(r.status).toBe(1);
      expect(second.stderr()).toMatch(/sftp open refused: \/\.db\.dump\.scpipe-AbCdE1: append-only server: it is an upload in progress of another login/);
      expect(await readdir(serve.root)).toEqual([TEMP.slice(1)]);
      expect(await readFile(join(serve.root, TEMP), 'utf8')).toBe('part one');
      // Its own key stores it through the second serve, and the record goes.
      expect(await runProgram('sftp', ['-q', ...serve.sshArgs().map((a) => (a === `Port=${serve.port}` ? `Port=${port}` : a)), '-b', '-', '127.0.0.1'], `rename ${TEMP} /db.dump\n`)).toMatchObject({ status: 0 });
      expect(await readdir(serve.root)).toEqual(['db.dump']);
      expect(await records(serve)).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await second.done;
    }
  });

  // What a script that waits for `listening on` reads: that line first, then the host key and the keys loaded, then the owners kept.
  it('says where it listens first, then its host key and keys, then the owners kept', async () => {
    await serve.restart();
    expect(serve.log().split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(/^scpipe: listening on 127\.0\.0\.1:\d+, root \S+ \(append-only\)$/),
      expect.stringMatching(/^scpipe: host key SHA256:\S+ \(from \S+\)$/),
      expect.stringMatching(/^scpipe: authorized keys \S+: \d+ keys?$/),
      expect.stringMatching(/^scpipe: append-only: owners of uploads in progress kept in \S+: 0 on record$/),
    ]);
  });

  it('removes at start the records of uploads whose temporary file went meanwhile', async () => {
    await writeFile(join(local, 'one'), 'part one');
    expect(await sftpBatch(serve, [`put ${join(local, 'one')} ${TEMP}`])).toMatchObject({ status: 0 });
    expect(await records(serve)).toHaveLength(1);
    await rm(join(serve.root, TEMP)); // removed by the server's own account, as docs/serve.md advises
    await serve.restart();
    expect(serve.log()).toMatch(/: 0 on record; 1 of files since gone removed\n/);
    expect(await records(serve)).toEqual([]);
  });
});

describe('serve --state-dir', () => {
  const refusedStart = async (state: string, root: string, extra = ['--append-only']): Promise<{ status: number | null; stderr: string }> => {
    const hostKey = join(local, 'host_key');
    if (!(await stat(hostKey).catch(() => undefined))) execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', hostKey]);
    const r = await runCli(['serve', '--root', root, '--addr', '127.0.0.1:0', '--no-auth', '--host-key', join(local, 'host_key'), ...extra, '--state-dir', state], { timeoutMs: 15_000 }); // one that starts is killed
    return { status: r.status, stderr: r.stderr };
  };

  it('is refused inside the root, or where others may write', async () => {
    const root = join(local, 'root');
    await mkdir(root);
    expect(await refusedStart(join(root, 'state'), root)).toEqual({ status: 2, stderr: `scpipe: bad --state-dir ${join(root, 'state')}: it is inside the root, where clients could change who owns an upload\n` });
    const open = join(local, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    expect(await refusedStart(open, root)).toEqual({ status: 2, stderr: `scpipe: bad --state-dir ${open}: ${open} may be written by others (mode 0777): chmod 700 it\n` });
    expect(await refusedStart(join(local, 'state'), root, [])).toEqual({ status: 2, stderr: 'scpipe: --state-dir keeps what --append-only needs: give it with --append-only\n' });
  });

  // User sees: serve does not start (exit 2), naming the directory above that another user could swap it out of.
  it('is refused under a directory others may write, unless that is sticky as /tmp', async () => {
    const root = join(local, 'root');
    await mkdir(root);
    const shared = join(local, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    expect(await refusedStart(join(shared, 'state'), root)).toEqual({ status: 2, stderr: `scpipe: bad --state-dir ${join(shared, 'state')}: ${shared}, a directory above it, may be written by others (mode 0777)\n` });
    await chmod(shared, 0o1777);
    const started = startCli(['serve', '--root', root, '--addr', '127.0.0.1:0', '--no-auth', '--host-key', join(local, 'host_key'), '--append-only', '--state-dir', join(shared, 'state')]);
    try {
      await waitFor(() => /listening on /.test(started.stderr()), 'serve listening', 15_000);
    } finally {
      started.child.kill('SIGTERM');
      await started.done;
    }
  });

  // User sees: the second serve does not start (exit 2), naming the first's PID; the first goes on.
  it('is refused where another serve --append-only on the same root keeps its owners in another', async () => {
    const state = join(local, 'state');
    expect(await refusedStart(state, serve.root)).toEqual({
      status: 2,
      stderr: `scpipe: bad --state-dir ${state}: another serve --append-only (PID ${serve.process.pid}) runs on the root ${await realpath(serve.root)} with another state directory, where each would not see the other's owners of uploads in progress: give both the same --state-dir, or stop that one first\n`,
    });
    expect(await sftpBatch(serve, ['ls /'])).toMatchObject({ status: 0 });
  });

  // Any local user may bind the mark's name with any PID in it (here the test itself, naming PID 1):
  // the refusal names the process that holds it and its uid, not the PID the name gives.
  it('names the process that holds the mark when the PID in its name is not it', async () => {
    const root = join(local, 'root');
    await mkdir(root);
    const st = await stat(root);
    const rootId = createHash('sha256').update(`${st.dev}:${st.ino}`).digest('hex').slice(0, 16);
    const mark = createServer();
    await new Promise<void>((resolve) => mark.listen(`\0scpipe-serve-append-only/${rootId}/0123456789abcdef/1.1`, resolve));
    try {
      const state = join(local, 'state');
      expect(await refusedStart(state, root)).toEqual({
        status: 2,
        stderr: `scpipe: bad --state-dir ${state}: another serve --append-only (held by PID ${process.pid} of uid ${process.getuid!()}, though its name gives PID 1: if that is no serve, it keeps this one from starting) runs on the root ${await realpath(root)} with another state directory, where each would not see the other's owners of uploads in progress: give both the same --state-dir, or stop that one first\n`,
      });
    } finally {
      mark.close();
    }
  });

  // Owners are kept by their path under the root: a serve on a directory above or inside another's
  // root would take that one's uploads in progress for ones with no owner, whatever its state directory.
  it('is refused on a directory inside or above the root of a serve --append-only running', async () => {
    const inside = join(serve.root, 'inside');
    await mkdir(inside);
    const state = join(local, 'state');
    const why = "and each would take the other's uploads in progress for ones with no owner on record (owners are kept by their path under the root, whatever the state directory): give them roots apart, or serve both with one";
    expect(await refusedStart(state, inside)).toEqual({
      status: 2,
      stderr: `scpipe: bad --root ${await realpath(inside)}: another serve --append-only (PID ${serve.process.pid}) runs on a directory that holds this root, ${why}\n`,
    });
    expect(await refusedStart(join(serve.dir, 'state'), inside)).toMatchObject({ status: 2 }); // its own state directory too
    expect(await refusedStart(state, serve.dir)).toEqual({
      status: 2,
      stderr: `scpipe: bad --root ${await realpath(serve.dir)}: another serve --append-only (PID ${serve.process.pid}) runs on a directory inside this root, ${why}\n`,
    });
    expect(await sftpBatch(serve, ['ls /'])).toMatchObject({ status: 0 });
  });

  it('is made private where it is not there yet', async () => {
    const state = join(local, 'new', 'state');
    const s = await startServe(['--append-only', '--state-dir', state]);
    try {
      expect((await stat(state)).mode & 0o777).toBe(0o700);
      const [dir] = await readdir(state);
      expect((await stat(join(state, dir!))).mode & 0o777).toBe(0o700);
      expect(s.log()).toContain(`owners of uploads in progress kept in ${join(state, dir!)}: 0 on record\n`);
    } finally {
      await s.stop();
    }
  });
});

describe('serve --append-only with its state directory full', () => {
  // User sees: the upload fails at once, saying why, and leaves nothing; the log says it too.
  it('refuses a new upload whose owner it cannot keep on record, and leaves no temporary file', async () => {
    await withTmpfs('1m', async (mount) => {
      const s = await startServe(['--append-only', '--state-dir', join(mount, 'state')]);
      try {
        await writeFile(join(mount, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined); // ENOSPC once full
        const r = await runCli(['put', ...s.scpipeArgs(), '-s', '-q', 'backup@127.0.0.1:/db.dump'], { stdin: 'the backup' });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^scpipe: \/db\.dump: open: \/\.db\.dump\.scpipe-\w{6}: the owner of this upload could not be kept on record: No space left on device\n$/);
        expect(await readdir(s.root)).toEqual([]);
        // Nor a record half written in the state directory: each refused upload would leave one more.
        const [records] = await readdir(join(mount, 'state'));
        expect(await readdir(join(mount, 'state', records!))).toEqual([]);
        expect(s.log()).toMatch(/sftp open failed: \/\.db\.dump\.scpipe-\w{6}: the owner of this upload could not be kept on record: No space left on device\n/);
      } finally {
        await s.stop();
      }
    });
  });
});
