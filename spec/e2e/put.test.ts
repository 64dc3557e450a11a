// `scpipe put` end to end: the built CLI against a real OpenSSH sshd, through
// the rssh-restricted account (ForceCommand wrapper, docs/protocol.md §6):
// what it stores, and what it shows on a terminal. Its failures:
// put-failures.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, endlessInput, remote, runCli, runCliWithFile, runOnTerminal, shellQuote, sshFlags, startCli, chunks } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { UNNAMED_TARGET, openSpoolFilesIn } from '../helpers/open-files';
import { memoryFileDirectory } from '../../lib/spool/memory-file';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
// Whatever happened, no spool file may be left behind.
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
let dir: string;

beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'put');
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const put = (path: string, extra: string[] = []): string[] => [
  'put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), ...extra, remote(sshd, sshd.rssh, path),
];

describe('scpipe put through an rssh-restricted account', () => {
  // `pg_dump | scpipe put` where pg_dump failed at once: the empty file is
  // stored (exit 0, as asked), and the user sees one warning saying so.
  it('uploads an empty stream, and warns that it was empty', async () => {
    const r = await runCli(put(`${dir}/empty.bin`), { stdin: Buffer.alloc(0) });
    expect(r).toMatchObject({
      status: 0,
      stderr: `scpipe: warning: the input was empty: stored ${dir}/empty.bin as an empty file (if a program feeding the pipe failed, give it after -- and nothing is stored when it fails)\n`,
    });
    expect((await stat(join(dir, 'empty.bin'))).size).toBe(0);
  });

  // `put --name db.dump host:pg/` said it stored `pg/` as an empty file.
  it('names the file an empty stream was stored as inside a directory target', async () => {
    const r = await runCli([...put(`${dir}/`), '--name', 'db.dump'], { stdin: Buffer.alloc(0) });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: warning: the input was empty: stored ${dir}/db\\.dump as an empty file \\(`));
    expect((await stat(join(dir, 'db.dump'))).size).toBe(0);
  });

  it('warns of a command that wrote nothing, and of an empty parts set', async () => {
    const cmd = await runCli([...put(`${dir}/cmd.bin`), '--', 'true']);
    expect(cmd).toMatchObject({ status: 0, stderr: `scpipe: warning: the input was empty: stored ${dir}/cmd.bin as an empty file (the command exited 0 but wrote nothing)\n` });
    const set = await runCli([...put(`${dir}/set.bin`), '--part-size', '1M'], { stdin: Buffer.alloc(0) });
    expect(set.status).toBe(0);
    expect(set.stderr).toMatch(/^scpipe: warning: the input was empty: stored the set .*\/set\.bin as one empty part \(/);
    expect((await stat(join(dir, 'set.bin.000000'))).size).toBe(0);
  });

  // A systemd unit that forgot StandardInput= runs put on /dev/null: the
  // nightly backup became 0 bytes with exit 0 and no word.
  it('warns of /dev/null on stdin, one file or a parts set', async () => {
    const hint = '(stdin is /dev/null, as for a service given no input; to store an empty file on purpose, give --size 0)';
    const devNull = await runCliWithFile(put(`${dir}/null.bin`), '/dev/null');
    expect(devNull).toMatchObject({ status: 0, stderr: `scpipe: warning: the input was empty: stored ${dir}/null.bin as an empty file ${hint}\n` });
    expect((await stat(join(dir, 'null.bin'))).size).toBe(0);
    const nullSet = await runCliWithFile([...put(`${dir}/nullset.bin`), '--part-size', '1M'], '/dev/null');
    expect(nullSet).toMatchObject({ status: 0, stderr: `scpipe: warning: the input was empty: stored the set ${dir}/nullset.bin as one empty part ${hint}\n` });
    expect((await stat(join(dir, 'nullset.bin.000000'))).size).toBe(0);
  });

  // An empty regular file, or --size 0 (the docs' way to free a file cut short), is what the user meant: no warning.
  it('does not warn of an empty regular file or --size 0', async () => {
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-empty-'));
    await writeFile(join(local, 'f'), '');
    const file = await runCliWithFile(put(`${dir}/file.bin`), join(local, 'f'));
    await rm(local, { recursive: true });
    expect(file).toMatchObject({ status: 0, stderr: '' });
    const sized = await runCli([...put(`${dir}/sized.bin`), '--size', '0'], { stdin: Buffer.alloc(0) });
    expect(sized).toMatchObject({ status: 0, stderr: '' });
    expect((await stat(join(dir, 'sized.bin'))).size).toBe(0);
    const sizedNull = await runCliWithFile([...put(`${dir}/sizednull.bin`), '--size', '0'], '/dev/null');
    expect(sizedNull).toMatchObject({ status: 0, stderr: '' });
    expect((await stat(join(dir, 'sizednull.bin'))).size).toBe(0);
  });

  it('uploads a small stream byte-exact, owned by the account, and sends separate flags', async () => {
    const r = await runCli(put(`${dir}/small.txt`), { stdin: 'hello world\n' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'small.txt'), 'utf8')).toBe('hello world\n');
    expect((await stat(join(dir, 'small.txt'))).uid).toBe(sshd.rssh.uid);
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]).toEqual({ accepted: true, command: `scp -t '${dir}/small.txt'` });
  });

  it('uploads a stream bigger than --memory through the disk spool', async () => {
    const data = randomBytes(24 * 1024 * 1024 + 17);
    const r = await runCli(put(`${dir}/big.bin`, ['--memory', '1M']), { stdin: Readable.from(chunks(data, 65536)) });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(dir, 'big.bin')))).toBe(sha(data));
  });

  it('keeps a RAM spool beyond 8 MiB in an unlinked file on /dev/shm, sends it byte-exact, and leaves nothing there', async () => {
    expect(memoryFileDirectory({}, 64 << 20)).toBe('/dev/shm'); // a tmpfs with room, as on the test machines
    const shmBefore = spoolNames('/dev/shm');
    const data = randomBytes(24 * 1024 * 1024 + 17);
    const r = await runCli(put(`${dir}/ram.bin`, ['--memory', '64M', '-v']), { stdin: Readable.from(chunks(data, 65536)) });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('scpipe: spool: past 8 MiB, RAM goes on in a memory file in /dev/shm\n');
    expect(r.stderr).toMatch(/sent 25165841 bytes \(spool: memory\) spooled in \d+\.\d\d s, sent in \d+\.\d\d s( \(\d+ MB\/s\))?\n$/);
    expect(sha(await readFile(join(dir, 'ram.bin')))).toBe(sha(data));
    expect(newSpoolNames(shmBefore)).toEqual([]);
  });

  it('SIGKILL with the RAM spool in /dev/shm: nothing left there, in the spool dir, or remotely', async () => {
    const shmBefore = spoolNames('/dev/shm');
    const endless = endlessInput();
    try {
      const run = startCli(put(`${dir}/killed.bin`, ['--memory', '64M']), { stdin: endless });
      await waitFor(() => holdsSpoolFile(run.child.pid!, '/dev/shm'), 'the memory file');
      // Never named (O_TMPFILE): no moment exists in which a SIGKILL could leave it behind.
      expect(openSpoolFilesIn('/dev/shm', run.child.pid!)).toEqual([expect.stringMatching(UNNAMED_TARGET)]);
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
    } finally {
      endless.destroy();
    }
    expect(newSpoolNames(shmBefore)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps names that need quoting intact (spaces, quotes, $, ;, leading dash)', async () => {
    for (const name of ["it's a $HOME; `id` (x).bin", '-dash', 'bang!x', 'ü ñ']) {
      const r = await runCli(put(`${dir}/${name}`), { stdin: name });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(dir, name), 'utf8')).toBe(name);
    }
    const dash2 = join(sshd.rssh.home, '-dash2');
    await rm(dash2, { force: true }); // a leftover would make the check below pass without an upload
    try {
      const r = await runCli(put('-dash2', ['--name', 'x']), { stdin: 'x' }); // relative to the home
      expect(r.status).toBe(0);
      expect(await readFile(dash2, 'utf8')).toBe('x');
    } finally {
      await rm(dash2, { force: true });
    }
  });

  it('puts the file inside a target directory under the announced name', async () => {
    const r = await runCli(put(dir, ['--name', 'named.bin']), { stdin: 'abc' });
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'named.bin'), 'utf8')).toBe('abc');
  });

  it('applies -p with --mode and --mtime', async () => {
    const r = await runCli(put(`${dir}/p.bin`, ['-p', '--mode', '0600', '--mtime', '2020-01-02T03:04:05Z']), { stdin: 'p' });
    expect(r.status).toBe(0);
    const st = await stat(join(dir, 'p.bin'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
  });

  // It was dropped without a word. User sees: exit 2 and what to add; nothing is sent.
  it('--mtime without -p: a usage error', async () => {
    const r = await runCli(put(`${dir}/m.bin`, ['--mtime', '2020-01-02T03:04:05Z']), { stdin: 'm' });
    expect(r).toMatchObject({ status: 2, stderr: 'scpipe: --mtime is sent only with -p: add -p (which also keeps --mode exactly)\n' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('sends a regular file on stdin without spooling', async () => {
    const file = join(spoolDir(), '..', `scpipe-test-input-${process.pid}`);
    const data = randomBytes(3 * 1024 * 1024);
    await writeFile(file, data);
    try {
      const r = await runCliWithFile([...put(`${dir}/direct.bin`, ['--memory', '0']), '-v'], file);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('(spool: none)');
      expect(sha(await readFile(join(dir, 'direct.bin')))).toBe(sha(data));
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('scpipe put: what it shows on a terminal', () => {
  it('shows progress on a terminal, nothing but errors otherwise, and lines for a log with --progress', async () => {
    const file = join(spoolDir(), '..', `scpipe-test-progress-${process.pid}`);
    await writeFile(file, randomBytes(2 * 1024 * 1024));
    try {
      const { out } = await runOnTerminal(`cat ${shellQuote([file])} | ${shellQuote([process.execPath, CLI, ...put(`${dir}/progress.bin`)])}`);
      // How far the spool had got at its last redraw depends on the machine's pace; the transfer's line says the whole.
      expect(out).toMatch(/progress\.bin: spooling [0-9.]+ [KM]?i?B/);
      expect(out).toMatch(/progress\.bin: 100%  2 MiB \/ 2 MiB  [0-9.]+ [KMG]?i?B\/s  ETA/);
      const quiet = await runCli(put(`${dir}/progress.bin`), { stdin: await readFile(file) }); // stderr is a pipe here
      expect(quiet).toMatchObject({ status: 0, stderr: '' });
      // --progress, for a log: a plain line every 10 s, and the last state
      // at the end (the only line here: it takes less than 10 s).
      const logged = await runCli([...put(`${dir}/progress.bin`), '--progress'], { stdin: await readFile(file) });
      expect(logged.status).toBe(0);
      expect(logged.stderr).toMatch(/^scpipe: progress\.bin: 100% {2}2 MiB \/ 2 MiB {2}\S+ \S*B\/s {2}ETA 0:00\n$/);
      expect(logged.stderr).not.toMatch(/[\r\x1b]/);
    } finally {
      await rm(file, { force: true });
    }
  });

  // User sees, with -v on a terminal: each -v line on a line of its own,
  // never glued to the end of the progress line.
  it('-v lines on a terminal erase the progress line first', async () => {
    const file = join(spoolDir(), '..', `scpipe-test-progress-v-${process.pid}`);
    await writeFile(file, randomBytes(8 * 1024 * 1024));
    try {
      const { status, out } = await runOnTerminal(`cat ${shellQuote([file])} | ${shellQuote([process.execPath, CLI, ...put(`${dir}/progress-v.bin`), '-v'])}`);
      expect(status).toBe(0);
      const visible = out.replace(/\r\n/g, '\n').split('\n').map((line) => line.split('\r').pop()!.replace(/^\x1b\[K/, ''));
      expect(visible.filter((line) => line.includes('scpipe: ')).length).toBeGreaterThan(3);
      expect(visible.filter((line) => line.includes('scpipe: ') && !line.startsWith('scpipe: '))).toEqual([]);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('a terminal on stdin is refused (exit 2), before connecting', async () => {
    // script(1) gives the CLI a pseudo-terminal as stdin.
    const r = await runOnTerminal(shellQuote([process.execPath, CLI, 'put', 'nobody@192.0.2.1:f']));
    expect(r.status).toBe(2);
    expect(r.out).toContain('scpipe: refusing to read data from a terminal');
  });
});

/** Names of spool files in `dir` (a crash of anything else may have left some in /dev/shm). */
function spoolNames(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('scpipe-spool-'));
}

/** Spool files in /dev/shm that were not there `before`. */
function newSpoolNames(before: string[]): string[] {
  return spoolNames('/dev/shm').filter((n) => !before.includes(n));
}

/** True when process `pid` holds a spool file in `dir` open. */
function holdsSpoolFile(pid: number, dir: string): boolean {
  return openSpoolFilesIn(dir, pid).length > 0;
}
