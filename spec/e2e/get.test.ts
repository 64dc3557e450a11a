// get end to end through the rssh-restricted account, against the real
// OpenSSH scp on the other side (docs/protocol.md §4.2). cp: cp.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { formatBytes } from '../../lib/internal';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { requireLoopExt4 } from '../helpers/loop-ext4';
import { CLI, remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { waitFor, waitForSteady } from '../helpers/async';
import { withTmpfs } from '../helpers/tmpfs';
import { SHORT_GRACE, SHORT_GRACE_MS } from '../helpers/short-waits';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'get');
const { flags, at, remoteFile } = sides;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// The normal account, which may run any command, for a fake `scp -f`.
const userFlags = (): string[] => sshFlags(sshd, sshd.user);

// A fake `scp -f` (run with --scp-path) that announces 1000 bytes, sends 7,
// and dies once `die()` is called (or after 30 s), so the test can look at
// the partial file first however slow the machine.
async function dyingScp(): Promise<{ script: string; die: () => Promise<void> }> {
  const dir = await userDir(sshd.user, 'dying-scp');
  const script = join(dir, 'scp.sh');
  const signal = join(dir, 'die');
  const wait = `for i in $(seq 3000); do [ -e ${shellQuote([signal])} ] && break; sleep 0.01; done`;
  await writeFile(script, `#!/bin/sh\nhead -c 1 >/dev/null\nprintf 'C0644 1000 dies.bin\\npartial'\n${wait}\nexit 1\n`);
  await chmod(script, 0o755);
  return { script, die: () => writeFile(signal, '') };
}

describe('scpipe get', () => {
  it('writes the exact bytes to stdout', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    await remoteFile('blob.bin', data);
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/blob.bin`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(sha(r.stdout)).toBe(sha(data));
  });

  it('gets an empty file and a name with spaces and quotes', async () => {
    await remoteFile("it's empty.bin", '');
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/it's empty.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.length).toBe(0);
  });

  // Root restoring into a user's directory: scp writes into the old file, which
  // keeps its owner. Before, the file became root's 0600 and its user could no longer read it.
  it("as root, --output and cp over a user's file keep its owner and mode", async () => {
    await remoteFile('own.bin', 'restored');
    const out = join(sides.local, 'theirs.img');
    await writeFile(out, 'old');
    await chmod(out, 0o640);
    await chown(out, 65534, 65534);
    const r = await runCli(['get', ...flags(), '--output', out, at(`${sides.rdir}/own.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(out, 'utf8')).toBe('restored');
    expect(await stat(out)).toMatchObject({ uid: 65534, gid: 65534, mode: 0o100640 });
    await writeFile(out, 'old');
    const c = await runCli(['cp', ...flags(), at(`${sides.rdir}/own.bin`), out]);
    expect(c).toMatchObject({ status: 0, stderr: '' });
    expect(await stat(out)).toMatchObject({ uid: 65534, gid: 65534, mode: 0o100640 });
  });

  // A SIGKILLed (OOM-killed) restore leaves its 0600 temp file; a later run stored
  // the file and said nothing, so a killed 2 TB download held its space unseen.
  it('--output names the temporary files a killed download of that file left, once stored', async () => {
    await remoteFile('k.bin', 'whole');
    const out = join(sides.local, 'k.bin');
    const old = join(sides.local, '.k.bin.scpipe-4242-AbCdEfGhIjKl');
    await writeFile(old, Buffer.alloc(3000));
    await utimes(old, new Date(Date.now() - 3 * 3600_000), new Date(Date.now() - 3 * 3600_000));
    await writeFile(join(sides.local, '.k.bin.scpipe-4243-ZyXwVuTsRqPo'), 'fresh: maybe a download still running');
    await writeFile(join(sides.local, '.other.scpipe-4244-AbCdEfGhIjKl'), 'another file');
    await utimes(join(sides.local, '.other.scpipe-4244-AbCdEfGhIjKl'), new Date(0), new Date(0));
    const r = await runCli(['get', ...flags(), '--output', out, at(`${sides.rdir}/k.bin`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`scpipe: warning: ${old} (2.9 KiB, last written 3 h ago) is left by a download of this file that did not finish; remove it (rm) unless one is still running\n`);
    expect(await readFile(out, 'utf8')).toBe('whole');
    expect(existsSync(old)).toBe(true); // never removed unasked
  });

  it('--output replaces the file only when the transfer is complete', async () => {
    await remoteFile('o.txt', 'new content');
    const out = join(sides.local, 'o.txt');
    const r = await runCli(['get', ...flags(), '--output', out, at(`${sides.rdir}/o.txt`)]);
    expect(r.status).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('new content');
    await writeFile(out, 'keep me');
    const bad = await runCli(['get', ...flags(), '--output', out, at(`${sides.rdir}/missing.txt`)]);
    expect(bad.status).toBe(1);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    expect(await readdir(sides.local)).toEqual(['o.txt']);
  });

  it('--output -p applies the remote mtime and mode; without -p only the mode', async () => {
    const p = await remoteFile('times.txt', 'dated', 0o640);
    await chown(p, sshd.rssh.uid, sshd.rssh.gid); // 0640: readable by its owner only
    await utimes(p, 1600000000, 1500000000);
    const out = join(sides.local, 'times.txt');
    const plain = await runCli(['get', ...flags(), '--output', out, at(p)]);
    expect(plain).toMatchObject({ status: 0, stderr: '' });
    expect(Math.floor((await stat(out)).mtimeMs / 1000)).not.toBe(1500000000);
    expect((await stat(out)).mode & 0o777).toBe(0o640 & ~process.umask());
    const r = await runCli(['get', '-p', ...flags(), '--output', out, at(p)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(out, 'utf8')).toBe('dated');
    const st = await stat(out);
    expect(Math.floor(st.mtimeMs / 1000)).toBe(1500000000);
    expect(st.mode & 0o777).toBe(0o640);
    expect(await readdir(sides.local)).toEqual(['times.txt']);
  });

  it('--output: a download that fails mid-file leaves no target and no partial file; the partial was 0600', async () => {
    const { script, die } = await dyingScp();
    const out = join(sides.local, 'dies.bin');
    const run = startCli(['get', ...userFlags(), '--scp-path', script, remote(sshd, sshd.user, 'dies.bin'), '--output', out]);
    let partial = '';
    await waitFor(async () => {
      partial = (await readdir(sides.local)).find((n) => n.startsWith('.dies.bin.scpipe-')) ?? '';
      return partial !== '' && (await stat(join(sides.local, partial))).size === 7;
    }, 'the partial file');
    expect((await stat(join(sides.local, partial))).mode & 0o777).toBe(0o600);
    await die();
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/connection lost in the middle of a file/);
    expect(await readdir(sides.local)).toEqual([]);
  });

  it('--output: an existing target is untouched when the download fails mid-file', async () => {
    const { script, die } = await dyingScp();
    await die(); // nothing to look at before it dies
    const out = join(sides.local, 'dies.bin');
    await writeFile(out, 'keep me');
    await chmod(out, 0o600);
    await utimes(out, 1600000000, 1500000000);
    const r = await runCli(['get', ...userFlags(), '--scp-path', script, remote(sshd, sshd.user, 'dies.bin'), '--output', out]);
    expect(r.status).toBe(1);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const st = await stat(out);
    expect(st.mode & 0o777).toBe(0o600);
    expect(Math.floor(st.mtimeMs / 1000)).toBe(1500000000);
    expect(await readdir(sides.local)).toEqual(['dies.bin']);
  });

  it('a missing file: exit 1 with the remote message, nothing on stdout', async () => {
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/nope`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${sides.rdir}/nope: No such file or directory\n`);
    expect(r.stdout.length).toBe(0);
  });

  it('a directory: exit 1', async () => {
    await mkdir(join(sides.rdir, 'd'));
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/d`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: remote: scp: .*\/d: not a regular file; get reads a file or a parts set, and scpipe cp -r a directory; /); // get-directory.test.ts: the rest
  });

  // The reader (`| btrfs receive`) holds a stream cut short: said, with how much of it went out.
  it('SIGTERM while a download is stalled on a slow reader: exit 143, saying how many bytes the reader got', async () => {
    const fh = await open(join(sides.rdir, 'slow.bin'), 'w');
    for (let i = 0; i < 64; i++) await fh.write(Buffer.alloc(1 << 20, i));
    await fh.close();
    await chmod(join(sides.rdir, 'slow.bin'), 0o644);
    const run = startCli(['get', ...flags(), at(`${sides.rdir}/slow.bin`)]);
    run.child.stdout!.pause(); // nobody reads: the download stalls on backpressure
    await waitFor(() => run.child.stdout!.readableLength > 0, 'the first bytes'); // the transfer has begun
    await waitForSteady(() => run.child.stdout!.readableLength, 'the download to stall');
    run.child.kill('SIGTERM');
    run.child.stdout!.resume();
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stdout.length).toBeLessThan(64 << 20);
    expect(r.stderr).toBe(`scpipe: interrupted by SIGTERM; ${r.stdout.length} of the ${64 << 20} bytes had already been written to stdout: what reads it has a partial stream, cut short there\n`);
  });

  // The run is over, and the exit waits for a reader that takes nothing more:
  // a second signal exits at once, and so does the grace exit, each saying
  // so, rather than the process dying silently or blaming the server.
  async function signalledWhileUnread(name: string, env?: NodeJS.ProcessEnv): Promise<ReturnType<typeof startCli>> {
    const fh = await open(join(sides.rdir, name), 'w');
    for (let i = 0; i < 64; i++) await fh.write(Buffer.alloc(1 << 20, i));
    await fh.close();
    await chmod(join(sides.rdir, name), 0o644);
    const run = startCli(['get', ...flags(), at(`${sides.rdir}/${name}`)], { env });
    run.child.stdout!.pause();
    await waitFor(() => run.child.stdout!.readableLength > 0, 'the first bytes');
    await waitForSteady(() => run.child.stdout!.readableLength, 'the download to stall');
    run.child.kill('SIGTERM');
    await waitFor(() => run.stderr().includes('bytes had already been written to stdout'), 'the first signal said');
    return run;
  }
  const FIRST = /^scpipe: interrupted by SIGTERM; \d+ of the 67108864 bytes had already been written to stdout: what reads it has a partial stream, cut short there$/;

  it('SIGTERM twice while the reader takes nothing: the second exits at once, 143, saying the stream is cut', async () => {
    const run = await signalledWhileUnread('unread.bin');
    run.child.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((resolve) => run.child.once('exit', () => resolve(true))),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)), // the grace exit would come at 10 s
    ]);
    run.child.stdout!.resume();
    const r = await run.done;
    expect(exited).toBe(true);
    expect(r.status).toBe(143);
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(FIRST), 'scpipe: interrupted by SIGTERM again before what reads stdout took the last bytes: it has a stream cut short there', '']);
  });

  it('SIGTERM while the reader takes nothing: exit 143 after 10 s, saying the reader, not the server, held it', async () => {
    const run = await signalledWhileUnread('unread-grace.bin', SHORT_GRACE);
    await new Promise((resolve) => run.child.once('exit', resolve));
    run.child.stdout!.resume();
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(FIRST), `scpipe: interrupted by SIGTERM; what reads stdout had not taken the last bytes after ${SHORT_GRACE_MS / 1000} s: exiting without waiting for it`, '']);
  }, 40_000);

  // A remote that stalls (an scp stuck on a dead NFS mount): the channel
  // closes only when it ends. User sees "interrupted by SIGINT", exit 130,
  // at once, not when the remote gives up (here after 10 minutes).
  it('SIGINT while the remote stalls: exit 130 at once, over SCP', async () => {
    const dir = await userDir(sshd.user, 'stall');
    const script = join(dir, 'scp.sh');
    await writeFile(script, '#!/bin/sh\nexec sleep 600\n');
    await chmod(script, 0o755);
    const run = startCli(['get', ...userFlags(), '-O', '-v', '--scp-path', script, remote(sshd, sshd.user, 'x.bin')], { timeoutMs: 60_000 });
    await waitFor(() => run.stderr().includes(`exec: ${script}`) || run.stderr().includes('scp.sh'), 'the remote command to start');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.signal).toBeNull(); // not the harness's SIGKILL
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/scpipe: interrupted by SIGINT\n$/);
  });

  // OpenSSH's sftp-server blocks for good in the open(2) of a FIFO with no
  // writer. User sees "not a regular file", exit 1, as over SCP.
  it('a FIFO over SFTP is refused before it is opened', async () => {
    const dir = await userDir(sshd.user, 'fifo');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await chown(join(dir, 'pipe'), sshd.user.uid, sshd.user.gid);
    const r = await runCli(['get', ...userFlags(), '-s', remote(sshd, sshd.user, join(dir, 'pipe'))], { timeoutMs: 30_000 });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${join(dir, 'pipe')}: not a regular file\n` });
  });

  it('cp host:file - is get to stdout', async () => {
    await remoteFile('dash.txt', 'to stdout');
    const r = await runCli(['cp', ...flags(), at(`${sides.rdir}/dash.txt`), '-']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('to stdout');
  });

  // Node makes a closed stdout /dev/null (read-write): the file would go nowhere with exit 0.
  it('a closed stdout (>&-) is refused before connecting, exit 2; > /dev/null and --output /dev/null discard, exit 0', async () => {
    await remoteFile('nowhere.txt', 'bytes');
    const sh = (redirect: string, extra: string[] = []): Promise<ProgramRun> =>
      runProgram('/bin/sh', ['-c', `exec ${shellQuote([process.execPath, CLI, 'get', ...extra, ...flags(), at(`${sides.rdir}/nowhere.txt`)])} ${redirect}`], '', {
        env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
      });
    for (const extra of [[], ['-O'], ['-s']]) {
      const closed = await sh('>&-', extra);
      expect(closed.status).toBe(2);
      expect(closed.stderr).toBe('scpipe: stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes): the file would go nowhere; to discard it, give --output /dev/null\n');
    }
    const cp = await runProgram('/bin/sh', ['-c', `exec ${shellQuote([process.execPath, CLI, 'cp', ...flags(), at(`${sides.rdir}/nowhere.txt`), '-'])} >&-`], '', {
      env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
    });
    expect(cp.status).toBe(2);
    expect((await sh('> /dev/null')).status).toBe(0);
    expect((await sh('', ['--output', '/dev/null'])).status).toBe(0);
    expect((await sh('>&-', ['--output', '/dev/null'])).status).toBe(0);
  });

  // /dev/stdout leads to /proc/PID/fd/1, whose link text for a pipe is
  // "pipe:[N]", no path: open() goes to the pipe itself, as scp -O's does.
  it('--output /dev/stdout, /dev/fd/1 and cp host:f /dev/stdout write into the pipe stdout is', async () => {
    const data = randomBytes(300000);
    const file = join(await userDir(sshd.user, 'piped'), 'piped.bin');
    await writeFile(file, data);
    await chmod(file, 0o644);
    const source = remote(sshd, sshd.user, file);
    for (const protocol of ['-O', '-s']) {
      for (const args of [['get', '--output', '/dev/stdout', source], ['get', '--output', '/dev/fd/1', source], ['cp', source, '/dev/stdout']]) {
        const cmd = `${shellQuote([process.execPath, CLI, args[0]!, protocol, ...userFlags(), ...args.slice(1)])} | sha256sum; echo "status=\${PIPESTATUS[0]}"`;
        const r = await runProgram('bash', ['-c', cmd], '', { env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
        expect({ args, protocol, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, protocol, stderr: '', stdout: `${sha(data)}  -\nstatus=0\n` });
      }
    }
  });
});

// What `df` shows free for `dir`, as the messages write sizes.
function free(dir: string): string {
  const fs = statfsSync(dir);
  return formatBytes(BigInt(fs.bavail) * BigInt(fs.bsize));
}

// A restore onto a disk too small for it. User sees: get --output, which
// knows the size first, warns before the download that it will not fit;
// then exit 1, the disk full, how large the file is and what is free
// there, so how much room to make. Left: the file that was there, as it
// was, and no temporary file.
describe('a local disk too small for the download', () => {
  beforeEach(() => sshd.setRsshAllowed(['scp', 'sftp']));
  afterEach(() => sshd.setRsshAllowed(['scp']));
  it.each([['get -O', ['get', '-O'], true], ['get -s', ['get', '-s'], true], ['cp', ['cp'], false]] as const)('%s: says the size and the room', async (_, command, output) => {
    const source = await remoteFile('big.bin', randomBytes(3 << 20));
    await withTmpfs('1m', async (mnt) => {
      const target = join(mnt, 'got');
      await writeFile(target, 'old');
      const where = output ? ['--output', target, at(source)] : [at(source), target];
      const room = free(mnt);
      const r = await runCli([...command, ...flags(), ...where]);
      const warned = output
        ? `scpipe: warning: ${target}: the file is 3 MiB, and its file system has ${room} free: the download fails once it is full, unless the file system compresses it; ` +
          'stop it, then make room or give --output on another disk\n'
        : '';
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `${warned}scpipe: ${target}: No space left on device (the file is 3 MiB, and its file system has ${room} free)\n`,
      });
      expect(await readdir(mnt)).toEqual(['got']);
      expect(await readFile(target, 'utf8')).toBe('old');
    });
  });
});

// A temporary file that cannot be removed after a failed write (a file
// system gone read-only after an error; here an append-only directory on a
// full ext4, where files are made but never removed) holds what came: it is
// named. User sees the write error, then where the partial file is, exit 1.
describe('a local temporary file that cannot be removed', () => {
  it.each([['-O'], ['-s']])('get --output names it after the write error (%s)', async (protocol) => {
    requireLoopExt4();
    const source = join(await userDir(sshd.user, 'stuck-temp'), 'big.bin');
    await writeFile(source, Buffer.alloc(16 << 20));
    await chmod(source, 0o644);
    const image = join(sides.local, 'fs.img');
    const mnt = join(sides.local, 'mnt');
    await mkdir(mnt);
    execFileSync('truncate', ['-s', '8M', image]);
    execFileSync('mkfs.ext4', ['-q', image]);
    execFileSync('mount', ['-o', 'loop', image, mnt]);
    try {
      execFileSync('chattr', ['+a', mnt]);
      const room = free(mnt);
      const r = await runCli(['get', protocol, ...userFlags(), '--output', join(mnt, 'got'), remote(sshd, sshd.user, source)]);
      const left = (await readdir(mnt)).filter((n) => n.startsWith('.got.scpipe-'));
      expect(left).toHaveLength(1);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `scpipe: warning: ${join(mnt, 'got')}: the file is 16 MiB, and its file system has ${room} free: the download fails once it is full, unless the file system compresses it; ` +
          'stop it, then make room or give --output on another disk\n' +
          `scpipe: ${join(mnt, 'got')}: No space left on device (the file is 16 MiB, and its file system has ${free(mnt)} free); ` +
          `the partial file is left in ${join(mnt, left[0]!)} (removing it failed: Operation not permitted)\n`,
      });
    } finally {
      execFileSync('chattr', ['-a', mnt]);
      execFileSync('umount', [mnt]);
    }
  });
});
