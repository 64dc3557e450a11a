// `scpipe put --part-size` end to end through the rssh-restricted account:
// the remote `cat NAME.[0-9]*` is the input, `sha256sum -c NAME.sha256`
// passes in the remote directory; a failing producer leaves no manifest;
// a spool directory far smaller than the stream is enough. Over SFTP:
// parts-sftp.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { unmount, withTmpfs } from '../helpers/tmpfs';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'partscli');
});

const flags = (): string[] => sshFlags(sshd, sshd.rssh);
const at = (p: string): string => remote(sshd, sshd.rssh, p);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// Deterministic pseudo-random bytes from a seed (so a failure can be reproduced).
const producer = (bytes: number, seed = 'x'): string[] => [
  'sh', '-c', `openssl enc -aes-128-ctr -nosalt -pass pass:${seed} -pbkdf2 </dev/zero 2>/dev/null | head -c ${bytes}`,
];
const catParts = (name: string): Buffer => execFileSync('sh', ['-c', `cat ${name}.[0-9]*`], { cwd: dir, maxBuffer: 1 << 30 });
const checkManifest = (name: string): string => execFileSync('sha256sum', ['-c', '--strict', `${name}.sha256`], { cwd: dir, encoding: 'utf8' });

describe('scpipe put --part-size', () => {
  // 13 parts (names past .000009, the last one short); --memory holds 4 of
  // them, so with --parallel 4 (5 held) some spill to --spool-dir and some
  // stay in RAM, as 16M parts do under the default 64M. Parts of 1M show it
  // as well as larger ones would.
  it.each([1, 4])('sends 12 MiB with --parallel %i: parts in glob order are the stream, sha256sum -c passes', async (parallel) => {
    const size = 12 * 1024 * 1024 + 12345;
    const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--memory', '4M', '--part-size', '1M', '--parallel', String(parallel), '-v', at(`${dir}/big.bin`), '--', ...producer(size)], { timeoutMs: 120_000 });
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /^scpipe: part \d+ /.test(l));
    expect(lines).toHaveLength(13);
    expect(lines.find((l) => l.startsWith('scpipe: part 12 '))).toMatch(/big\.bin\.000012: 12\.\d+ KiB over channel \d in [\d.]+ s/);
    const lanes = new Set(lines.map((l) => /over channel (\d+)/.exec(l)![1]));
    expect(lanes.size).toBeLessThanOrEqual(parallel);
    const expected = execFileSync(producer(size)[0]!, producer(size).slice(1), { maxBuffer: 1 << 30 });
    expect(sha(catParts('big.bin'))).toBe(sha(expected));
    expect(checkManifest('big.bin').trim().split('\n')).toHaveLength(13);
    expect(readdirSync(dir)).toHaveLength(14);
    const got = await runCli(['get', ...flags(), '--memory', '4M', '--parallel', String(parallel), at(`${dir}/big.bin`)], { timeoutMs: 120_000 });
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(sha(got.stdout)).toBe(sha(expected));
  }, 180_000);

  it('get of a set with a part removed: exit 1 naming it, stdout has the parts before it only', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/r.bin`)], { stdin: data })).status).toBe(0);
    rmSync(join(dir, 'r.bin.000002'));
    const got = await runCli(['get', ...flags(), '--retries', '0', at(`${dir}/r.bin`)]);
    expect(got.status).toBe(1);
    expect(got.stderr).toMatch(/^scpipe: part r\.bin\.000002: remote: scp: .*r\.bin\.000002: No such file or directory; the set's first 2097152 bytes, each part checked against the manifest, had already been written out, and nothing after them; /);
    expect(got.stdout.length).toBe(2 * 1024 * 1024);
    expect(got.stdout.equals(data.subarray(0, 2 * 1024 * 1024))).toBe(true);
  });

  // The parts after a missing one were neither fetched nor checked: the
  // message names the next by its name (a glob needs a remote shell, which
  // scpipe serve has not) and the command that fetches it, which, pasted, does.
  // It fetches it as the run did: over the protocol, at the rate and with the retries given.
  it('get of a set with a part removed says how to save the parts after it, and that works as said', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/r.bin`)], { stdin: data })).status).toBe(0);
    rmSync(join(dir, 'r.bin.000002'));
    const given = ['-O', '-l', '80000', '--retries', '0'];
    for (const output of [[], ['--output', join(spoolDir(), 'r.bin')]]) {
      const got = await runCli(['get', ...flags(), ...given, ...output, at(`${dir}/r.bin`)]);
      expect(got.status).toBe(1);
      expect(got.stderr).toContain(
        `; the parts after it, r.bin.000003..r.bin.000004, were not fetched: each is a file of its own (\`scpipe get --output r.bin.000003 ${given.join(' ')} ${pastedFlags(flags())} ${at(`${dir}/r.bin.000003`)}\` fetches the first), ` +
          'and `sha256sum -c r.bin.sha256` names each bad one in a directory that holds them and the manifest\n',
      );
      expect(readdirSync(spoolDir())).toEqual([]);
    }
    const got = await runCli(['get', ...flags(), ...given, at(`${dir}/r.bin`)]);
    const pasted = /`scpipe (get --output .*)` fetches the first/.exec(got.stderr)![1]!;
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${pasted}`], { encoding: 'utf8' }).split('\n').slice(0, -1);
    const saved = await mkdtemp(join(tmpdir(), 'scpipe-test-saved-'));
    try {
      expect(await runCli(words, { cwd: saved })).toMatchObject({ status: 0, stderr: '' });
      expect(readdirSync(saved)).toEqual(['r.bin.000003']);
      expect(readFileSync(join(saved, 'r.bin.000003')).equals(data.subarray(3 * 1024 * 1024, 4 * 1024 * 1024))).toBe(true);
    } finally {
      await rm(saved, { recursive: true, force: true });
    }
  });

  it('--parallel 8 says no MaxListenersExceededWarning (its lanes all listen to one internal signal)', async () => {
    const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '8', at(`${dir}/p8.bin`), '--', ...producer(12 * 1024 * 1024)]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
  });

  // A set holds at most 4194304 parts: 4 GiB at --part-size 1K. From a pipe
  // that was taken silently and a long stream stopped hours in; now said
  // once the stream passes 256 parts, and not for a shorter one.
  it('a pipe in parts under 64K: warned once the stream passes 256 parts, with the most the set may hold', async () => {
    const data = randomBytes(257); // one part past the 256: each part is an scp session
    const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1', '--parallel', '8', at(`${dir}/tiny.bin`)], { stdin: data, timeoutMs: 60_000 });
    expect(r).toMatchObject({
      status: 0,
      stderr: 'scpipe: warning: --part-size 1: a set holds at most 4194304 parts, so this one stops once the stream passes 4 MiB (exit 1, the parts sent left without a manifest); for a longer stream give a larger --part-size (a 2 TB stream wants parts of a GiB or so)\n',
    });
    expect(catParts('tiny.bin').equals(data)).toBe(true);
    const short = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1', '--parallel', '8', at(`${dir}/tiny2.bin`)], { stdin: data.subarray(0, 256), timeoutMs: 60_000 });
    expect(short).toMatchObject({ status: 0, stderr: '' });
  }, 120_000);

  // --parallel 10 to 64 (allowed: 1 to 64) holds that many exec requests at
  // once on one connection: stderr holds no Node warning of a "memory leak".
  it('put and get with --parallel 12: no MaxListenersExceededWarning on stderr', async () => {
    const data = randomBytes(12 * 64 * 1024 + 1);
    const put = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '64k', '--parallel', '12', at(`${dir}/l.bin`)], { stdin: data });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    const got = await runCli(['get', ...flags(), '--parallel', '12', at(`${dir}/l.bin`)]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  it('needs local room for parallel + 1 parts only: 32 MiB through a 8 MiB tmpfs spool directory', async () => {
    await withTmpfs('8m', async (small) => {
      const size = 32 * 1024 * 1024; // four times the spool directory
      const r = await runCli(['put', ...flags(), '--spool-dir', small, '--memory', '0', '--part-size', '2M', '--parallel', '2', at(`${dir}/b.bin`), '--', ...producer(size, 'y')], { timeoutMs: 120_000 });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(sha(catParts('b.bin'))).toBe(sha(execFileSync(producer(size, 'y')[0]!, producer(size, 'y').slice(1), { maxBuffer: 1 << 30 })));
      expect(checkManifest('b.bin').trim().split('\n')).toHaveLength(16);
      expect(readdirSync(small)).toEqual([]);
    });
  }, 180_000);

  // Restoring parts of 40M with --parallel 2: up to three held, 120 MiB,
  // fetched side by side, so each may outgrow its share of the 64 MiB of RAM.
  // $TMPDIR on a 16 MiB tmpfs (as /tmp often is a small RAM disk): warnings
  // that not even one part at a time has room there and that they take
  // memory there, then exit 1, and the message says where they were held,
  // the room they need and what to do; --spool-dir elsewhere restores the
  // set, with no warning.
  it('get of a set: the parts fetched ahead go to --spool-dir; a full one says so', async () => {
    await withTmpfs('16m', async (small) => {
      const size = 120 * 1024 * 1024;
      expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '40M', at(`${dir}/t.bin`), '--', ...producer(size, 't')], { timeoutMs: 120_000 })).status).toBe(0);
      const full = await runCli(['get', ...flags(), '--parallel', '2', at(`${dir}/t.bin`)], { env: { ...process.env, TMPDIR: small }, timeoutMs: 120_000 });
      expect(full.status).toBe(1);
      // Said first: the room is short; then: the default spool directory is a tmpfs, so the parts held there take memory.
      // The first part goes out whole; the second may too, where it came into RAM after the first went.
      expect(full.stderr).toMatch(new RegExp(`^scpipe: warning: the spool directory ${small} has 16 MiB free, and --parallel 2 may hold up to 120 MiB of parts there, --parallel 1 up to 80 MiB: fetching with --parallel 1, and the run fails if the spool fills \\(--spool-dir or TMPDIR with room, or more --memory\\)\nscpipe: warning: spooling in ${small}, a file system in RAM \\(tmpfs, 16 MiB free\\): the parts fetched ahead take memory there past --memory, \\(--parallel \\+ 1\\) parts at most; --spool-dir on a disk \\(e\\.g\\. /var/tmp\\) avoids it\nscpipe: cannot write spool file in ${small}: No space left on device \\(wrote [^)]*\\); the set's first (41943040|83886080) bytes, each part checked against the manifest, had already been written out, and nothing after them; the parts fetched ahead are held there, \\(--parallel \\+ 1\\) parts at most, here 2 of 40 MiB, up to 80 MiB of them \\(a part that outgrows the 64 MiB of --memory goes there whole\\): give --spool-dir on a disk with that room \\(--parallel 1 holds the fewest\\)\n$`));
      const got = await runCli(['get', ...flags(), '--parallel', '2', '--spool-dir', spoolDir(), at(`${dir}/t.bin`)], { env: { ...process.env, TMPDIR: small }, timeoutMs: 120_000 });
      expect(got).toMatchObject({ status: 0, stderr: '' });
      expect(sha(got.stdout)).toBe(sha(execFileSync(producer(size, 't')[0]!, producer(size, 't').slice(1), { maxBuffer: 1 << 30 })));
      expect(readdirSync(small)).toEqual([]);
    });
  }, 180_000);

  // get --memory: the RAM the parts fetched ahead take before they spill.
  // Three parts of 8M held at most (--parallel 2) fit get's default 64 MiB,
  // so a 4 MiB tmpfs $TMPDIR is never touched; with --memory 0 every part
  // goes there and none fits: exit 1, as above. A size beyond the
  // machine's RAM is exit 2 before connecting.
  it('get --memory sets the RAM for the parts fetched ahead', async () => {
    await withTmpfs('4m', async (small) => {
      const size = 24 * 1024 * 1024;
      expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '8M', at(`${dir}/m.bin`), '--', ...producer(size, 'm')], { timeoutMs: 120_000 })).status).toBe(0);
      const env = { ...process.env, TMPDIR: small };
      const inRam = await runCli(['get', ...flags(), '--parallel', '2', at(`${dir}/m.bin`)], { env, timeoutMs: 120_000 });
      expect(inRam).toMatchObject({ status: 0, stderr: '' });
      expect(inRam.stdout.length).toBe(size);
      const spilled = await runCli(['get', ...flags(), '--parallel', '2', '--memory', '0', at(`${dir}/m.bin`)], { env, timeoutMs: 120_000 });
      expect(spilled.status).toBe(1);
      expect(spilled.stderr).toContain(`cannot write spool file in ${small}: No space left on device`);
      expect(readdirSync(small)).toEqual([]);
      const tooMuch = await runCli(['get', ...flags(), '--memory', '1000T', at(`${dir}/m.bin`)]);
      expect(tooMuch.status).toBe(2);
      expect(tooMuch.stderr).toContain("--memory 1000T is more than this machine's RAM");
    });
  }, 180_000);

  it('a producer that fails: exit 1, the parts sent stay, no manifest, and the message says what is there', async () => {
    const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '2', at(`${dir}/f.bin`), '--', 'sh', '-c', 'head -c 3500000 /dev/zero; exit 3']);
    expect(r.status).toBe(1);
    // Two parts upload at once, so either may be the one confirmed when the producer fails.
    expect(r.stderr).toMatch(/^scpipe: the input command exited with status 3: .*; the parts set f\.bin is incomplete \(no manifest f\.bin\.sha256\): \d part\(s\) confirmed remotely: f\.bin\.00000\d/m);
    const files = readdirSync(dir);
    expect(files).not.toContain('f.bin.sha256');
    expect(files.every((f) => /^f\.bin\.00000[0-3]$/.test(f))).toBe(true);
  });

  // SIGINT while parts go over SCP: each scp -t has written part of its
  // file, which an scp-only account cannot remove. User sees "interrupted by
  // SIGINT; the parts set s.bin is incomplete …; left cut short remotely:
  // s.bin.00000N (at most W of 4194304 bytes)…", exit 130, then the parts
  // sent whole but unconfirmed and those that may be left empty. Left: every
  // part file with bytes that is not whole is named, each holding no more
  // than it is said to; one said empty is empty or not there; no manifest.
  it('SIGINT mid-part: the message names the parts left cut short', async () => {
    const run = startCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '4M', '--parallel', '2', '-l', '40000', at(`${dir}/s.bin`)], { stdin: randomBytes(20 * 1024 * 1024) });
    await waitFor(() => readdirSync(dir).some((f) => statSync(join(dir, f)).size > 0), 'a part begun remotely', 30_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    const cut = readdirSync(dir).filter((f) => statSync(join(dir, f)).size < 4 * 1024 * 1024).sort();
    expect(cut.length).toBeGreaterThan(0);
    const begun = cut.filter((f) => statSync(join(dir, f)).size > 0);
    expect(readdirSync(dir)).not.toContain('s.bin.sha256');
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGINT; the parts set s\.bin is incomplete \(no manifest s\.bin\.sha256\): [^\n]*\n$/);
    const group = (head: string): string => new RegExp(`; ${head}: ([^;]*)`).exec(r.stderr.trimEnd())?.[1] ?? '';
    // "s.bin.000000..s.bin.000002, s.bin.000004": ranges, each part once.
    const names = (list: string): string[] => (list === '' ? [] : list.split(', ').flatMap((range) => {
      const [from, to = from] = range.split('..').map((n) => Number(n!.slice(-6)));
      return Array.from({ length: to! - from! + 1 }, (_, i) => `s.bin.${String(from! + i).padStart(6, '0')}`);
    }));
    const short = [...group('left cut short remotely').matchAll(/(s\.bin\.\d{6}) \(at most (\d+) of 4194304 bytes\)/g)].map(([, name, most]) => ({ name: name!, most: Number(most) }));
    const whole = names(group('all bytes handed to the connection, none confirmed \\(whole or cut short remotely, in no manifest\\)'));
    const empty = names(group('may be left empty remotely \\([^)]*\\)'));
    expect([...short.map((p) => p.name), ...whole, ...empty]).toEqual(expect.arrayContaining(begun));
    const onDisk = new Set(readdirSync(dir));
    for (const { name, most } of short) if (onDisk.has(name)) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(most);
    for (const name of empty) if (onDisk.has(name)) expect(statSync(join(dir, name)).size).toBe(0);
  });

  // The spool disk fills while a part is on its way: that part's scp -t is
  // stopped mid-file. User sees "cannot write spool file …; the parts set
  // c.bin is incomplete …: no part confirmed; c.bin.000000 left cut short
  // (or, -l holding what was handed to the connection, all of it handed); the parts waiting to be sent are held in the spool
  // directory …: give --spool-dir on a larger disk, …", exit 1 (before, the
  // part left behind was not named, nor the way past a full spool).
  it('a spool disk that fills while a part goes: the message names the part left cut short', async () => {
    // Room for the two parts held at the start (spool-room.ts); something
    // else then takes 3 MiB of it (`filler`), as on a shared disk.
    await withTmpfs('8m', async (small) => {
      // Part 0 is spooled, then sent slowly (1 MB/s); part 1 fills the spool while it goes,
      // produced once part 0's first bytes are stored, however long the login takes.
      const first = shellQuote([join(dir, 'c.bin.000000')]);
      const filler = shellQuote([join(small, 'filler')]);
      const producer = `(head -c 4194304 /dev/zero; i=0; while [ ! -s ${first} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; ` +
        `head -c 3145728 /dev/zero > ${filler}; head -c 4194304 /dev/zero) 2>/dev/null`;
      const r = await runCli(['put', ...flags(), '--spool-dir', small, '--memory', '0', '--part-size', '4M', '--parallel', '1', '-l', '8000', at(`${dir}/c.bin`), '--',
        'sh', '-c', producer]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^scpipe: cannot write spool file in ${small}: No space left on device \\(wrote [0-9.]+ [KM]iB\\); the parts set c\\.bin is incomplete \\(no manifest c\\.bin\\.sha256\\): no part confirmed; (left cut short remotely: c\\.bin\\.000000 \\(at most \\d+ of 4194304 bytes\\)|all bytes handed to the connection, none confirmed \\(whole or cut short remotely, in no manifest\\): c\\.bin\\.000000); the parts waiting to be sent are held in the spool directory, two at most with --parallel 1 \\(the fewest\\): give --spool-dir on a larger disk, or a smaller --part-size\n$`));
      expect(readdirSync(dir)).toEqual(['c.bin.000000']);
      expect(statSync(join(dir, 'c.bin.000000')).size).toBeLessThan(4 * 1024 * 1024);
      expect(readdirSync(small)).toEqual(['filler']);
    });
  });

  // The remote disk fills during a part: scp -t keeps what it wrote of it,
  // and an scp-only account cannot remove it. User sees the remote's "No
  // space left on device", then "…: 2 part(s) confirmed remotely: …; left
  // cut short remotely: d.bin.000002 (fewer than its 1048576 bytes: its write
  // failed remotely)", exit 1 (the last was not said; then, it was said sent whole).
  it('a remote disk that fills during a part: the message names that part as left cut short, with the command that frees its space', async () => {
    const small = join(dir, 'small-disk');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=2560k,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
    try {
      const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '1', at(`${small}/d.bin`)], { stdin: randomBytes(5 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`scpipe: remote: scp: ${small}/d.bin.000002: No space left on device; the remote file ${small}/d.bin.000002 is left cut short, holding what fit, and its space: remove it, or store an empty file over it: ` +
        `\`scpipe put -O --size 0 ${pastedFlags(flags())} ${at(`${small}/d.bin.000002`)} < /dev/null\`; ` +
        'the parts set d.bin is incomplete (no manifest d.bin.sha256): ' +
        '2 part(s) confirmed remotely: d.bin.000000..d.bin.000001; left cut short remotely: d.bin.000002 (fewer than its 1048576 bytes: its write failed remotely)\n');
      expect(readdirSync(small).sort()).toEqual(['d.bin.000000', 'd.bin.000001', 'd.bin.000002']);
      expect(statSync(join(small, 'd.bin.000002')).size).toBeGreaterThan(0);
      // That command, where nothing can be removed: the part is emptied, its space freed.
      const emptied = await runCli(['put', '-O', '--size', '0', ...flags(), at(`${small}/d.bin.000002`)], { stdin: '' });
      expect(emptied).toMatchObject({ status: 0, stderr: '' });
      expect(statSync(join(small, 'd.bin.000002')).size).toBe(0);
    } finally {
      await unmount(small);
    }
  });

  // The same set put to two targets at once: the one whose disk filled gets the same command.
  it('several targets, a remote disk that fills during a part on one: that target is given the command that frees the space', async () => {
    const small = join(dir, 'small-disk-many');
    mkdirSync(small);
    const other = join(dir, 'other-many');
    mkdirSync(other);
    execFileSync('chown', [`${sshd.rssh.uid}`, other]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=2560k,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
    try {
      const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '1', at(`${small}/d.bin`), at(`${other}/d.bin`)], { stdin: randomBytes(5 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`: \`scpipe put -O --size 0 ${pastedFlags(flags())} ${at(`${small}/d.bin.000002`)} < /dev/null\``);
    } finally {
      await unmount(small);
    }
  });

  // Parts in flight together: the disk fills under one, and the others are
  // cut short too, each holding what reached it. Every one of them gets the
  // command that frees its space, not only the one the disk filled under first.
  it('a remote disk that fills under parts in flight together: the command for each part left cut short', async () => {
    const small = join(dir, 'small-disk-parallel');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=2560k,uid=${sshd.rssh.uid}`, 'tmpfs', small]);
    try {
      // Four parts of 1 MiB at once, paced so that all are on their way when the 2.5 MiB fill:
      // two of them at most are stored whole, and the others hold what reached them.
      const r = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', '--parallel', '4', '-l', '4000', at(`${small}/p.bin`)], { stdin: randomBytes(5 * 1024 * 1024) });
      expect(r.status).toBe(1);
      const listed = /; left cut short remotely: ([^;\n]*)/.exec(r.stderr)?.[1] ?? '';
      const cut = [...listed.matchAll(/(p\.bin\.\d{6}) \(/g)].map((m) => m[1]!);
      expect(cut.length).toBeGreaterThanOrEqual(2);
      const commands = [...r.stderr.matchAll(/`scpipe put -O --size 0 [^`]* (\S+) < \/dev\/null`/g)].map((m) => m[1]!);
      expect(commands.sort()).toEqual(cut.map((name) => at(`${small}/${name}`)));
      // Each command, where nothing can be removed: every part cut short is emptied, its space freed.
      for (const target of commands) {
        expect(await runCli(['put', '-O', '--size', '0', ...flags(), target], { stdin: '' })).toMatchObject({ status: 0, stderr: '' });
      }
      for (const name of cut) expect(statSync(join(small, name)).size).toBe(0);
    } finally {
      await unmount(small);
    }
  });

  // put sends any name without a newline; the manifest's "# part NAME SIZE"
  // lines then hold a space, a CR or U+2028, and get must still read them.
  it.each([['a space', 'db dump.zst'], ['a CR', 'db\rdump'], ['U+2028', 'db\u2028dump']])('a set whose name holds %s: get restores it', async (_what, name) => {
    const data = randomBytes(2 * 1024 * 1024 + 7);
    const put = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/${name}`)], { stdin: data });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    expect(checkManifest(name).trim().split('\n')).toHaveLength(3);
    const got = await runCli(['get', ...flags(), at(`${dir}/${name}`)]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  // A manifest that went through a Windows editor: sha256sum -c still checks
  // the parts, and get restores the set (it said "incomplete (no "# end" line)").
  it('a manifest with CRLF line ends: get restores the set', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/w.bin`)], { stdin: data })).status).toBe(0);
    const manifest = join(dir, 'w.bin.sha256');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/\n/g, '\r\n'));
    expect(checkManifest('w.bin').trim().split('\n')).toHaveLength(3);
    const got = await runCli(['get', ...flags(), at(`${dir}/w.bin`)]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  // A private backup (put --mode 0600) restored with -p: the set's mode
  // and the time it was completed (its manifest's "# time"), as scp -p
  // keeps a file's; before, -p gave every set 0644, wider than asked.
  it('get -p --output of a set keeps its mode (put --mode 0600) and the time it was completed', async () => {
    const data = randomBytes(300 * 1024);
    expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '100k', '--mode', '0600', at(`${dir}/m.bin`)], { stdin: data })).status).toBe(0);
    const time = /^# time (\S+)$/m.exec(readFileSync(join(dir, 'm.bin.sha256'), 'utf8'))![1]!;
    const out = join(await mkdtemp(join(tmpdir(), 'scpipe-test-out-')), 'm.bin');
    try {
      expect(await runCli(['get', ...flags(), '-p', '--output', out, at(`${dir}/m.bin`)])).toMatchObject({ status: 0, stderr: '' });
      expect(readFileSync(out).equals(data)).toBe(true);
      expect(statSync(out).mode & 0o7777).toBe(0o600);
      expect(statSync(out).mtime.toISOString()).toBe(time);
    } finally {
      await rm(join(out, '..'), { recursive: true });
    }
  });

  // An admin's notes in the manifest, which sha256sum -c skips: a line
  // appended after "# end", a "#" line without a space, a
  // comment that begins like one of put's. get restores the set.
  it('a manifest with an admin\'s notes added (after "# end" too): get restores the set', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    expect((await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/n.bin`)], { stdin: data })).status).toBe(0);
    const manifest = join(dir, 'n.bin.sha256');
    const text = readFileSync(manifest, 'utf8').replace('# time', '#checked by bob\n# size of the disk: 4T\n# time');
    writeFileSync(manifest, `${text}# copied to tape 2026-12-05\n`);
    expect(checkManifest('n.bin').trim().split('\n')).toHaveLength(3);
    const got = await runCli(['get', ...flags(), at(`${dir}/n.bin`)]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  // A set of a newer format (a fixture: version 2, its part lines of another
  // form, no "# end"): before, get judged it by version 1's rules and said
  // 'is incomplete (no "# end" line)', as of a broken upload. User sees now:
  // exit 1, the version named; nothing on stdout.
  it('a set of a newer format version: get names the version, whatever else changed', async () => {
    const part = Buffer.from('v2 part\n');
    writeFileSync(join(dir, 'v2.bin.p0'), part);
    writeFileSync(join(dir, 'v2.bin.sha256'), `# scpipe parts 2\n# size ${part.length}\nsha256:${sha(part)} ${part.length} v2.bin.p0\n`);
    const got = await runCli(['get', ...flags(), at(`${dir}/v2.bin`)]);
    expect(got).toMatchObject({ status: 1, stderr: 'scpipe: manifest v2.bin.sha256 is of format version 2, and this scpipe reads version 1: a newer scpipe made it; restore with that one\n' });
    expect(got.stdout.length).toBe(0);
  });

  // A nightly job that reuses one name, stopped part-way: over SCP the old
  // set's parts are written over one by one. User sees that the earlier set
  // is spoilt too, and what to do; exit 143. Left: the old manifest, parts
  // that no longer match it. A run stopped before any part leaves the old
  // set whole, and says so.
  it('a set that replaces an earlier one and fails says that the earlier one is spoilt', async () => {
    const old = randomBytes(8 * 1024 * 1024);
    expect((await runCli(['put', ...flags(), '--part-size', '4M', at(`${dir}/ns`)], { stdin: old })).status).toBe(0);
    const run = startCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '4M', '-l', '40000', at(`${dir}/ns`)], { stdin: randomBytes(8 * 1024 * 1024) });
    const oldPart = readFileSync(join(dir, 'ns.000000'));
    await waitFor(() => !readFileSync(join(dir, 'ns.000000')).subarray(0, 65536).equals(oldPart.subarray(0, 65536)), 'the first part written over', 30_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGTERM; the parts set ns is incomplete, and the earlier set of that name is spoilt: its manifest ns\.sha256 is still there, but parts of it were written over \(.*\); give each run a name of its own, or use --no-clobber\n$/);
    expect(readdirSync(dir)).toContain('ns.sha256');
    // Before any part went: the earlier set stays whole.
    const early = await runCli(['put', ...flags(), '--part-size', '4M', at(`${dir}/fresh`), '--', 'sh', '-c', 'exit 3']);
    expect(early).toMatchObject({ status: 1, stderr: expect.stringMatching(/the parts set fresh is incomplete \(no manifest fresh\.sha256\)/) });
    expect((await runCli(['put', ...flags(), '--part-size', '4M', at(`${dir}/fresh`)], { stdin: old })).status).toBe(0);
    const kept = await runCli(['put', ...flags(), '--part-size', '4M', at(`${dir}/fresh`), '--', 'sh', '-c', 'exit 3']);
    expect(kept).toMatchObject({ status: 1, stderr: expect.stringMatching(/; the parts set fresh was not stored; the earlier set of that name \(fresh\.sha256\) is as it was\n$/) });
    const back = await runCli(['get', ...flags(), at(`${dir}/fresh`)]);
    expect(back.status).toBe(0);
    expect(back.stdout.equals(old)).toBe(true);
  });

  it('refuses --part-size with --size', async () => {
    const r = await runCli(['put', ...flags(), '--part-size', '1M', '--size', '5', at(`${dir}/x`)], { stdin: 'hello' });
    expect(r).toMatchObject({ status: 2, stderr: 'scpipe: --part-size does not go with --size, --name or -p\n' });
  });
});
