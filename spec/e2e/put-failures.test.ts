// `scpipe put` failing end to end, through the rssh-restricted account of a
// real OpenSSH sshd: what the user sees (the message, the exit status) and
// what is left on either side, for a remote refusal, a wrong key or host key,
// a --size that does not match, a signal, and a spool that cannot be written.
import { randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, endlessInput, pastedFlags, remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { openSpoolFilesIn } from '../helpers/open-files';
import { tempDirPerTest } from '../helpers/temp-dir';
import { unmount } from '../helpers/tmpfs';

/** Bytes a process has read so far, from any descriptor (/proc/PID/io rchar). */
async function bytesRead(pid: number): Promise<number> {
  return Number(/^rchar: (\d+)$/m.exec(await readFile(`/proc/${pid}/io`, 'utf8'))![1]);
}

const sshd = sshdPerSuite();
// Whatever happened, no spool file may be left behind.
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
let dir: string;

beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'put');
});

// Runs `use` with DIR/small-disk a 1 MiB tmpfs the rssh account owns: a remote disk that fills.
async function withFullDisk(use: (small: string) => Promise<void>): Promise<void> {
  const small = join(dir, 'small-disk');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
  try {
    await use(small);
  } finally {
    await unmount(small);
  }
}

// The options of put(): a command a message gives carries them, to reach the same host.
const reach = (): string => pastedFlags(sshFlags(sshd, sshd.rssh));

const put = (path: string, extra: string[] = []): string[] => [
  'put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), ...extra, remote(sshd, sshd.rssh, path),
];

describe('scpipe put failures: what the user sees, what is left', () => {
  // The remote's message named no directory, and an scp-only host has no
  // shell to mkdir in: the message names it and how to make it, which works.
  it('a missing remote directory: exit 1, naming it and how to make it, nothing written', async () => {
    const r = await runCli(put(`${dir}/missing/f.bin`), { stdin: 'data' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${dir}/missing/f.bin: No such file or directory (the directory ${dir}/missing is not there; to make it: mkdir empty && scpipe cp -r empty ${reach()} ${remote(sshd, sshd.rssh, `${dir}/missing`)})\n`);
    expect(await readdir(dir)).toEqual([]);
    const empty = await mkdtemp(join(tmpdir(), 'scpipe-test-empty-'));
    try {
      expect(await runCli(['cp', ...sshFlags(sshd, sshd.rssh), '-r', empty, remote(sshd, sshd.rssh, `${dir}/missing`)])).toMatchObject({ status: 0, stderr: '' });
    } finally {
      await rm(empty, { recursive: true });
    }
    expect(await runCli(put(`${dir}/missing/f.bin`), { stdin: 'data' })).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'missing', 'f.bin'), 'utf8')).toBe('data');
  });

  // A name with a space in it: the command is pasted into a shell, which must read one target.
  it('a missing remote directory with a space in its name: the command that makes it quotes it, and works', async () => {
    const r = await runCli(put(`${dir}/my missing/f.bin`), { stdin: 'data' });
    expect(r.status).toBe(1);
    const made = /; to make it: mkdir empty && scpipe cp -r empty (.*)\)\n$/.exec(r.stderr)?.[1];
    expect(made).toBe(`${reach()} '${remote(sshd, sshd.rssh, `${dir}/my missing`)}'`);
    const empty = await mkdtemp(join(tmpdir(), 'scpipe-test-empty-'));
    try {
      // As the user pastes it: the port, key and known hosts are in it.
      const line = `${shellQuote([process.execPath, CLI, 'cp', '-r', empty])} ${made!}`;
      expect(spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    } finally {
      await rm(empty, { recursive: true });
    }
    expect(await readdir(dir)).toEqual(['my missing']);
  });

  // A parts set's error says more after the hint (the set is incomplete): its command still names the target as typed.
  // Inside single quotes the terminal's `\x1b` would paste as a backslash and three letters: another directory.
  it('a missing remote directory with a control and a bidi mark in its name: the command shows neither raw, and bash makes that directory', async () => {
    const name = 'new\x1b[31m\u202edir';
    const r = await runCli(put(`${dir}/${name}/f.bin`), { stdin: 'data' });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
    const made = /; to make it: mkdir empty && scpipe cp -r empty (.*)\)\n$/.exec(r.stderr)?.[1];
    expect(made).toBeDefined();
    const empty = await mkdtemp(join(tmpdir(), 'scpipe-test-empty-'));
    try {
      const line = `${shellQuote([process.execPath, CLI, 'cp', '-r', empty])} ${made!}`;
      expect(spawnSync('bash', ['-c', line], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    } finally {
      await rm(empty, { recursive: true });
    }
    expect(await readdir(dir)).toEqual([name]);
  });

  it('a missing remote directory under --part-size: exit 1, the command that makes it names the host, nothing written', async () => {
    const r = await runCli(put(`${dir}/gone/s.bin`, ['--part-size', '4K']), { stdin: 'data' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`(the directory ${dir}/gone is not there; to make it: mkdir empty && scpipe cp -r empty ${reach()} ${remote(sshd, sshd.rssh, `${dir}/gone`)}); the parts set s.bin is incomplete`);
    expect(r.stderr).not.toContain('HOST:');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a remote permission error: exit 1, Permission denied', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chown(locked, 0, 0);
    await chmod(locked, 0o755);
    const r = await runCli(put(`${locked}/f.bin`), { stdin: 'data' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${locked}/f.bin: Permission denied\n`);
    expect(await readdir(locked)).toEqual([]);
  });

  // scp -t keeps what it wrote, and on an scp-only host the user cannot
  // list the directory: the message says the file is there, holding the space.
  it('a full remote disk: exit 1, No space left on device, and the cut-short file that holds the space is named', async () => {
    await withFullDisk(async (small) => {
      const r = await runCli(put(`${small}/f.bin`), { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      const target = remote(sshd, sshd.rssh, `${small}/f.bin`);
      expect(r.stderr).toBe(
        `scpipe: remote: scp: ${small}/f.bin: No space left on device; the remote file ${small}/f.bin is left cut short, holding what fit, and its space: ` +
          `remove it, or store an empty file over it: \`scpipe put -O --size 0 ${reach()} ${target} < /dev/null\`\n`,
      );
      const left = (await stat(join(small, 'f.bin'))).size;
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(3 * 1024 * 1024);
      // The command the message gives, where nothing can be removed: an empty file over it frees the space, without a word.
      const emptied = await runCli(put(`${small}/f.bin`, ['-O', '--size', '0']), { stdin: '' });
      expect(emptied).toMatchObject({ status: 0, stderr: '' });
      expect((await stat(join(small, 'f.bin'))).size).toBe(0);
    });
  });

  // Beside another target, the full one is said on its own line, with the
  // same command; the other stores the stream. Exit 1.
  it('a full remote disk beside another target: its line gives the command that frees the space', async () => {
    await withFullDisk(async (small) => {
      const [full, roomy] = [remote(sshd, sshd.rssh, `${small}/f.bin`), remote(sshd, sshd.rssh, `${dir}/f.bin`)];
      const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), full, roomy], { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `scpipe: ${full}: remote: scp: ${small}/f.bin: No space left on device; the remote file ${small}/f.bin is left cut short, holding what fit, and its space: ` +
          `remove it, or store an empty file over it: \`scpipe put -O --size 0 ${reach()} ${full} < /dev/null\`\n`,
      );
      expect((await stat(join(dir, 'f.bin'))).size).toBe(3 * 1024 * 1024);
    });
  });

  // A name with a space and a `$`: the command is given as one shell word, so pasted it stores over that file.
  it('a full remote disk under a name a shell splits: the command quotes it', async () => {
    await withFullDisk(async (small) => {
      const path = `${small}/db $day.bin`;
      const r = await runCli(put(path), { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      const target = remote(sshd, sshd.rssh, path);
      expect(r.stderr).toBe(
        `scpipe: remote: scp: ${path}: No space left on device; the remote file ${path} is left cut short, holding what fit, and its space: ` +
          `remove it, or store an empty file over it: \`scpipe put -O --size 0 ${reach()} '${target}' < /dev/null\`\n`,
      );
      const word = / ('[^']*') < \/dev\/null/.exec(r.stderr)![1]!; // the target, after the options
      expect(execFileSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8', env: { day: 'X' } })).toBe(target);
      expect((await stat(path)).size).toBeGreaterThan(0);
    });
  });

  // An scp:// target with a port: the command says `-P PORT` as words of
  // their own, not inside the target's quotes, and pasted it frees the space.
  it('a full remote disk named by an scp:// URI with a port: the command, pasted into a shell, empties the file', async () => {
    await withFullDisk(async (small) => {
      const path = `${small}/db $day.bin`;
      const uri = `scp://${sshd.rssh.name}@${sshd.host}:${sshd.port}/${path.replace(/ /g, '%20')}`;
      const flags = sshFlags(sshd, sshd.rssh).slice(2); // the port is the URI's
      const r = await runCli(['put', ...flags, '--spool-dir', spoolDir(), uri], { stdin: randomBytes(3 * 1024 * 1024) });
      expect(r.status).toBe(1);
      const target = remote(sshd, sshd.rssh, path);
      expect(r.stderr).toBe(
        `scpipe: remote: scp: ${path}: No space left on device; the remote file ${path} is left cut short, holding what fit, and its space: ` +
          `remove it, or store an empty file over it: \`scpipe put -O --size 0 -P ${sshd.port} ${pastedFlags(flags)} '${target}' < /dev/null\`\n`,
      );
      expect((await stat(path)).size).toBeGreaterThan(0);
      // The words a shell makes of the command, run with the test's keys and known hosts.
      const command = /`scpipe (put .*) < \/dev\/null`/.exec(r.stderr)![1]!;
      const words = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', env: { day: 'X' } }).split('\0').slice(0, -1);
      expect(words).toEqual(['put', '-O', '--size', '0', '-P', String(sshd.port), ...flags, target]);
      expect(await runCli(words, { stdin: '' })).toMatchObject({ status: 0, stderr: '' });
      expect((await stat(path)).size).toBe(0);
    });
  });


  it('a command rssh refuses: exit 1 and rssh\'s message', async () => {
    const r = await runCli(put(`${dir}/f.bin`, ['--scp-path', '/bin/sh']), { stdin: 'data' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This account is restricted by rssh.');
    expect(r.stderr).toMatch(/scpipe: remote command exited with status 1 before the transfer started/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a wrong key: exit 255, Permission denied, fast, while stdin is still open', async () => {
    const endless = endlessInput();
    try {
      const args = ['put', ...sshFlags(sshd, sshd.rssh, [], sshd.wrongKeyPath), '--spool-dir', spoolDir(), remote(sshd, sshd.rssh, `${dir}/f`)];
      const r = await startCli(args, { stdin: endless }).done;
      expect(r.status).toBe(255);
      expect(r.stderr).toMatch(/^scpipe: scpipe-rssh@127\.0\.0\.1: Permission denied/);
      expect(r.ms).toBeLessThan(15000);
    } finally {
      endless.destroy();
    }
  });

  it('an unknown host key under strict checking: exit 255 with the fingerprint', async () => {
    const empty = join(spoolDir(), '..', `scpipe-test-known-${process.pid}`);
    await writeFile(empty, '');
    try {
      // The first -o wins, as in ssh.
      const r = await runCli(['put', '-o', `UserKnownHostsFile=${empty}`, ...put(`${dir}/f`).slice(1)], { stdin: 'x' });
      expect(r.status).toBe(255);
      expect(r.stderr).toContain(sshd.hostKeyFingerprint);
      expect(await readFile(empty, 'utf8')).toBe('');
    } finally {
      await rm(empty, { force: true });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('a closed port: exit 255, Connection refused', async () => {
    const r = await runCli(['put', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', 'x@127.0.0.1:f'], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe('scpipe: connect to host 127.0.0.1 port 1: Connection refused\n');
  });

  // User sees: exit 1, how many bytes came, and that the remote file is
  // not to be trusted. Left remotely: the file, padded with zero bytes to
  // the announced size (OpenSSH's scp -t keeps it when told of the error).
  it('--size larger than the input: exit 1, says how many bytes came and what the remote file holds', async () => {
    const r = await runCli(put(`${dir}/short.bin`, ['--size', '10']), { stdin: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: input ended after 3 bytes, but 10 were announced; the remote file ${dir}/short.bin cannot be trusted (it holds the first 3 bytes, then 7 zero bytes): remove or overwrite it\n`);
    expect(await readFile(join(dir, 'short.bin'))).toEqual(Buffer.concat([Buffer.from('abc'), Buffer.alloc(7)]));
  });

  // A producer that died long before its --size: no gigabyte of zeros is sent.
  // User sees: exit 1 at once, that the remote file is cut short. Left
  // remotely: at most the 3 bytes that came (scp -t writes whole blocks).
  it('--size far larger than the input: exit 1 at once, the remote file cut off, not padded', async () => {
    const r = await runCli(put(`${dir}/cut.bin`, ['--size', '1G']), { stdin: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: input ended after 3 bytes, but 1073741824 were announced; the remote file ${dir}/cut.bin is left cut short: at most 3 of 1073741824 bytes written, over the start of any file of that name (a longer one keeps its bytes past them)\n`);
    expect((await stat(join(dir, 'cut.bin'))).size).toBeLessThanOrEqual(3);
  });

  it('--size with a pipe whose bytes come late: waits for them (no EAGAIN), sends them unspooled', async () => {
    const slow = new PassThrough();
    const run = startCli(put(`${dir}/late.bin`, ['--size', '10', '-v']), { stdin: slow });
    await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t'); // reading has begun
    const before = await bytesRead(run.child.pid!);
    slow.write('abcde');
    // The CLI has taken the first bytes and finds the pipe empty before the rest comes.
    await waitFor(async () => (await bytesRead(run.child.pid!)) >= before + 5, 'the CLI to read the first 5 bytes');
    slow.end('fghij');
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/sent 10 bytes \(spool: none\) set up in \d+\.\d\d s, sent in \d+\.\d\d s( \(\d+ MB\/s\))?\n$/);
    expect(r.stderr).not.toContain('spool: past');
    expect(await readFile(join(dir, 'late.bin'), 'utf8')).toBe('abcdefghij');
  });

  // User sees: exit 1, and that the remote file holds only the announced bytes. Left remotely: those bytes.
  it('--size smaller than the input: exit 1', async () => {
    const r = await runCli(put(`${dir}/long.bin`, ['--size', '2']), { stdin: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: input is longer than the 2 bytes announced; the remote file ${dir}/long.bin cannot be trusted (it holds only the first 2 bytes): remove or overwrite it\n`);
    expect(await readFile(join(dir, 'long.bin'), 'utf8')).toBe('ab');
  });

  it('SIGTERM while spooling: exit 143, spool removed, nothing written remotely', async () => {
    const endless = endlessInput();
    try {
      const run = startCli(put(`${dir}/never.bin`, ['--memory', '1M', '-v']), { stdin: endless });
      await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t'); // remote scp -t is waiting
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.status).toBe(143);
      expect(r.stderr).toMatch(/scpipe: interrupted by SIGTERM\n$/);
    } finally {
      endless.destroy();
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('a repeated option takes its last value (-P, --memory, --spool-dir)', async () => {
    const r = await runCli(['put', '-v', '-P', '1', '--memory', '1M', '--spool-dir', '/nonexistent', ...put(`${dir}/twice.bin`, ['--memory', '1K']).slice(1)], {
      stdin: randomBytes(4096),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/sent 4096 bytes \(spool: disk\) spooled in /); // --memory 1K, not 1M
    expect(r.stderr).toContain(`scpipe: spool: over the memory limit (1 KiB): spilling to a file in ${spoolDir()}\n`); // the last --spool-dir
    expect((await stat(join(dir, 'twice.bin'))).size).toBe(4096);
  });

  it('SIGINT while the input is stalled (the spool thread waiting for bytes): exit 130 at once, nothing left', async () => {
    const stalled = new PassThrough();
    try {
      const run = startCli(put(`${dir}/stalled.bin`, ['--memory', '1K', '-v']), { stdin: stalled });
      stalled.write(Buffer.alloc(64 * 1024)); // spilled; then nothing more
      await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t');
      await waitFor(() => holdsSpoolFile(run.child.pid!, spoolDir()), 'the spool file');
      const killed = Date.now();
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r).toMatchObject({ status: 130, signal: null });
      expect(Date.now() - killed).toBeLessThan(10_000); // without the fix it hung until the 60 s kill
      expect(r.stderr).toMatch(/scpipe: interrupted by SIGINT\n$/);
    } finally {
      stalled.destroy();
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('a full spool disk: exit 1, names the directory and the bytes written, says --part-size gets past it, nothing left on either side', async () => {
    const small = await mkdtemp(join(tmpdir(), 'scpipe-test-fullspool-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', small, '--memory', '0', remote(sshd, sshd.rssh, `${dir}/f.bin`)], {
        stdin: randomBytes(5 * 1024 * 1024),
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^scpipe: cannot write spool file in ${small}: No space left on device \\(wrote [0-9.]+ [KM]iB\\); nothing was sent: over SCP the whole stream is spooled before it goes\\. --part-size \\(e\\.g\\. 1G\\) sends it in parts as it comes, with bounded disk; or give --spool-dir on a larger disk\n$`));
      expect(await readdir(small)).toEqual([]);
    } finally {
      await unmount(small);
      await rm(small, { recursive: true, force: true });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  // A FAT spool disk stops a file at 4 GiB (EFBIG), as `ulimit -f` does
  // here: more room on that disk would not help, a file system that holds
  // larger files would. User sees that, exit 1; nothing left on either side.
  it('a spool past the largest file its file system holds (EFBIG) says so, not "a larger disk"', async () => {
    const cmd = `ulimit -f 1024; head -c ${4 << 20} /dev/zero | ${shellQuote([process.execPath, CLI, 'put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spoolDir(), '--memory', '0', remote(sshd, sshd.rssh, `${dir}/big.bin`)])}`;
    const r = runOnBash(cmd);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: cannot write spool file in ${spoolDir()}: File too large \\(wrote 1 MiB\\); nothing was sent: over SCP the whole stream is spooled before it goes\\. --part-size \\(e\\.g\\. 1G\\) sends it in parts as it comes, each a file of its own; or give --spool-dir on a file system that holds a file of the whole stream \\(FAT holds at most 4 GiB; see also ulimit -f\\)\n$`));
    expect(await readdir(dir)).toEqual([]);
  });

  // A spool disk out of inodes (df shows room, df -i none) says ENOSPC when
  // the spool file is made: --part-size or a larger disk would not help.
  it('a spool directory out of inodes says so, from $TMPDIR (exit 1) and from --spool-dir (exit 2)', async () => {
    const small = await mkdtemp(join(tmpdir(), 'scpipe-test-noinodes-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'nr_inodes=1,size=16m', 'tmpfs', small]);
    try {
      const args = ['put', ...sshFlags(sshd, sshd.rssh), '--memory', '0', remote(sshd, sshd.rssh, `${dir}/f.bin`)];
      const fromTmpdir = await runCli(args, { stdin: randomBytes(1 << 20), env: { TMPDIR: small } });
      const said = 'its file system has no free inode left (df -i), however much room it has: give --spool-dir on another file system';
      const warned = `scpipe: warning: the spool directory ${small} ($TMPDIR): cannot create files there: ${said}: a stream past --memory (0 B) will fail; give --spool-dir\n`;
      expect(fromTmpdir).toMatchObject({ status: 1, stderr: `${warned}scpipe: cannot create spool file in ${small}: No space left on device; nothing was sent: ${said}\n` });
      const given = await runCli([...args, '--spool-dir', small], { stdin: randomBytes(1 << 20) });
      expect(given).toMatchObject({ status: 2, stderr: `scpipe: bad --spool-dir "${small}": cannot create files there: ${said}\n` });
    } finally {
      await unmount(small);
      await rm(small, { recursive: true, force: true });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('SIGINT while sending: exit 130, and the remote file is said to be cut short', async () => {
    const endless = endlessInput();
    try {
      const run = startCli(put(`${dir}/int.bin`, ['--size', String(10 * 2 ** 30)]), { stdin: endless });
      await waitFor(async () => (await readdir(dir)).length > 0); // the remote file exists: data is flowing
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.status).toBe(130);
      expect(r.stderr).toMatch(/^scpipe: interrupted by SIGINT; the remote file \S*\/int\.bin is left cut short: at most \d+ of 10737418240 bytes written, [^\n]*\n$/);
    } finally {
      endless.destroy();
    }
  });
});

/** True when process `pid` holds a spool file in `dir` open. */
function holdsSpoolFile(pid: number, dir: string): boolean {
  return openSpoolFilesIn(dir, pid).length > 0;
}

// `bash -c CMD` as the CLI runs: its exit status and stderr.
function runOnBash(cmd: string): { status: number | null; stderr: string } {
  return spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
}
