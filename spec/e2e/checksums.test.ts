// The stream's SHA-256, taken in the same pass, end to end against real
// sshd: put, get and cp write it as sha256sum does (--checksum-file,
// --checksum). get's checks of a download (--check, --expect-sha256):
// get-checksums.test.ts. Each test says what the user sees and what is left
// on both sides.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, lchown, mkdir, open, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, chunks, homeOf, remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sums-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sha256sumCheck = (file: string, cwd: string): string => execFileSync('sha256sum', ['-c', '--strict', file], { cwd, encoding: 'utf8' });

describe.each([
  ['over SCP (-O, the rssh-like account)', () => sshd.rssh, ['-O']],
  ['over SFTP (the internal-sftp jail)', () => sshd.sftp, []],
  ['as a parts set (--part-size 1M)', () => sshd.rssh, ['--part-size', '1M']],
])('put --checksum-file %s', (_how, account, extra) => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(account(), 'sums');
    rdir = remotePath(account(), dir);
  });
  const at = (p: string): string => remote(sshd, account(), p);

  it.each([0, 1, 3 * 1024 * 1024 + 17])('%i bytes: writes "HEX  NAME" that sha256sum -c accepts beside the remote file, and --json says the same sum', async (size) => {
    const data = randomBytes(size);
    const sums = join(local(), 'f.sha256');
    const r = await runCli(['put', ...sshFlags(sshd, account()), ...extra, '--json', '--checksum-file', sums, at(`${rdir}/f.bin`)], { stdin: Readable.from(chunks(data, 65536)) });
    // (An empty stream is stored, with a warning of its own: put.test.ts.)
    expect(r.stderr).toEqual(size === 0 ? expect.stringContaining('warning: the input was empty') : '');
    expect(r.status).toBe(0);
    const line = `${sha(data)}  f.bin\n`;
    expect(await readFile(sums, 'utf8')).toBe(line);
    expect(JSON.parse(r.stdout.toString()).sha256).toBe(sha(data));
    if (extra[0] === '--part-size') {
      // The stream is the parts in order: restored, it checks against the line.
      await writeFile(join(local(), 'f.bin'), execFileSync('sh', ['-c', 'cat f.bin.[0-9]*'], { cwd: dir, maxBuffer: 1 << 26 }));
      expect(sha256sumCheck(sums, local())).toBe('f.bin: OK\n');
    } else {
      await writeFile(join(dir, 'f.sha256'), line);
      expect(sha256sumCheck('f.sha256', dir)).toBe('f.bin: OK\n');
    }
  });
});

// --checksum: the same lines on stderr, for a look or a log; the data's
// streams (put's --json on stdout, get's bytes) are left alone.
describe('--checksum prints the sum on stderr as sha256sum does', () => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(sshd.rssh, 'sums-say');
    rdir = remotePath(sshd.rssh, dir);
  });
  const flags = (): string[] => sshFlags(sshd, sshd.rssh);
  const at = (p: string): string => remote(sshd, sshd.rssh, p);
  const data = randomBytes(1024 * 1024 + 3);

  it.each([
    ['SCP', ['-O']],
    ['SFTP', ['--protocol', 'sftp']],
    ['a parts set', ['--part-size', '256K']],
  ])('put over %s: one line, the sum of the stream; nothing on stdout', async (_how, extra) => {
    const r = await runCli(['put', ...flags(), ...extra, '--checksum', at(`${rdir}/f.bin`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: `${sha(data)}  f.bin\n` });
    expect(r.stdout.length).toBe(0);
  });

  it('put to two targets: a line for each name', async () => {
    const r = await runCli(['put', ...flags(), '-O', '--checksum', at(`${rdir}/a.bin`), at(`${rdir}/b.bin`)], { stdin: data });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${sha(data)}  a.bin\n${sha(data)}  b.bin\n`);
  });

  // A name sha256sum escapes (backslash, newline): the line is the one
  // sha256sum writes, so a log of it checks the file, not another name.
  // A tab is written as it is, as sha256sum writes it (its -c reads no `\t`).
  it.each([
    ['a backslash', 'b\\s.bin', '\\', 'b\\\\s.bin'],
    ['a newline', 'n\nl.bin', '\\', 'n\\nl.bin'],
    ['a tab', 't\tb.bin', '', 't\tb.bin'],
    ['a tab and a newline', 't\tn\nl.bin', '\\', 't\tn\\nl.bin'],
  ])('put of a name with %s: the line sha256sum writes, and sha256sum -c accepts it', async (_what, name, mark, written) => {
    const r = await runCli(['put', ...flags(), '--checksum', at(`${rdir}/${name}`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: `${mark}${sha(data)}  ${written}\n` });
    await writeFile(join(dir, 'said.sha256'), r.stderr);
    expect(sha256sumCheck('said.sha256', dir)).toMatch(/^[^\n]*: OK\n$/);
  });

  it('get: the bytes on stdout, the line on stderr, and sha256sum -c accepts it beside them', async () => {
    await writeFile(join(dir, 'g.bin'), data);
    const r = await runCli(['get', ...flags(), '-O', '--checksum', at(`${rdir}/g.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: `${sha(data)}  g.bin\n` });
    expect(r.stdout.equals(data)).toBe(true);
    await writeFile(join(local(), 'g.bin'), r.stdout);
    await writeFile(join(local(), 'g.sha256'), r.stderr);
    expect(sha256sumCheck('g.sha256', local())).toBe('g.bin: OK\n');
  });

  it('cp of two files down: a line for each, by local path', async () => {
    await writeFile(join(dir, 'a.bin'), 'a');
    await writeFile(join(dir, 'b.bin'), data);
    const r = await runCli(['cp', ...flags(), '-O', '--checksum', at(`${rdir}/a.bin`), at(`${rdir}/b.bin`), local()]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${sha(Buffer.from('a'))}  ${join(local(), 'a.bin')}\n${sha(data)}  ${join(local(), 'b.bin')}\n`);
  });
});

describe('put --checksum-file, the edges', () => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(sshd.rssh, 'sums-edge');
    rdir = remotePath(sshd.rssh, dir);
  });
  const flags = (): string[] => sshFlags(sshd, sshd.rssh);
  const at = (p: string): string => remote(sshd, sshd.rssh, p);

  it('--size over SCP: the sum is of the bytes sent', async () => {
    const data = randomBytes(200_000);
    const sums = join(local(), 's.sha256');
    const r = await runCli(['put', ...flags(), '-O', '--size', String(data.length), '--checksum-file', sums, at(`${rdir}/sized.bin`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  sized.bin\n`);
  });

  it('a name with a newline is escaped as sha256sum escapes it, and sha256sum -c finds the file', async () => {
    const data = Buffer.from('line\n');
    const sums = join(local(), 'nl.sha256');
    const r = await runCli(['put', ...flags(), '--checksum-file', sums, at(`${rdir}/a\nb`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(sums, 'utf8')).toBe(`\\${sha(data)}  a\\nb\n`);
    await writeFile(join(dir, 'nl.sha256'), await readFile(sums));
    expect(sha256sumCheck('nl.sha256', dir)).toBe('\\a\\nb: OK\n');
  });

  // As `sha256sum f > FIFO`: the line waits for a reader, however late, and goes to it whole.
  it('a FIFO as the checksum file: its reader, opened once the sum is taken, gets the line, exit 0', async () => {
    const data = randomBytes(100_000);
    const fifo = join(local(), 'sums');
    execFileSync('mkfifo', [fifo]);
    const run = startCli(['put', ...flags(), '-v', '--checksum-file', fifo, at(`${rdir}/fifo.bin`)], { stdin: data });
    await waitFor(() => run.stderr().includes('scpipe: sha256 '), 'the sum taken');
    const line = await readFile(fifo, 'utf8'); // the open waits for the writer; the read, for its close
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(line).toBe(`${sha(data)}  fifo.bin\n`);
  });

  it('--checksum-file - writes the line to stdout', async () => {
    const r = await runCli(['put', ...flags(), '--checksum-file', '-', at(`${rdir}/out.bin`)], { stdin: 'abc' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe(`${sha(Buffer.from('abc'))}  out.bin\n`);
  });

  it.each([
    ['a full disk', '> /dev/full', 'No space left on device'],
    ['a reader that exited', '| true', 'Broken pipe'],
  ])('--checksum-file - to a stdout that cannot take it (%s): exit 1, saying the sum was not written', async (_why, redirect, reason) => {
    const cli = shellQuote([process.execPath, CLI, 'put', ...flags(), '--checksum-file', '-', at(`${rdir}/lost.bin`)]);
    // `| true` has exited by the time the file is stored; pipefail gives scpipe's status.
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `printf abc | ${cli} ${redirect}`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stderr).toContain(`the transfer is done, but --checksum-file - (stdout) could not be written: ${reason}`);
    expect(r.status).toBe(1);
    expect(await readFile(join(dir, 'lost.bin'), 'utf8')).toBe('abc');
  });

  // `>&-`: the line went nowhere, with exit 0.
  const toStdout = (redirect: string, name: string): { status: number | null; stderr: string } => {
    const cmd = `printf abc | ${shellQuote([process.execPath, CLI, 'put', ...flags(), '--checksum-file', '-', at(`${rdir}/${name}`)])} ${redirect}`;
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    return { status: r.status, stderr: r.stderr };
  };

  it('--checksum-file - with stdout closed: exit 2 before anything is sent', async () => {
    const r = toStdout('>&-', 'closed.bin');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes): --checksum-file - would write the line nowhere');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a checksum file that cannot be written: exit 1 before anything is sent, no remote file', async () => {
    const r = await runCli(['put', ...flags(), '--checksum-file', join(local(), 'missing', 'x.sha256'), at(`${rdir}/never.bin`)], { stdin: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: --checksum-file ${join(local(), 'missing', 'x.sha256')}: ${join(local(), 'missing')}: No such file or directory\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  // A valid name of 235-255 bytes failed at the end: its temporary name
  // (`.NAME.scpipe-` and 12 more) was over 255 bytes. One over 255 bytes
  // failed at the end too, after the whole upload.
  it('a checksum file of a 255-byte name is written; of 256, exit 1 before anything is sent', async () => {
    const long = join(local(), 'k'.repeat(255));
    const ok = await runCli(['put', ...flags(), '--checksum-file', long, at(`${rdir}/f.bin`)], { stdin: 'abc' });
    expect(ok).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(long, 'utf8')).toBe(`${sha(Buffer.from('abc'))}  f.bin\n`);
    expect(await readdir(local())).toEqual(['k'.repeat(255)]);
    const tooLong = `${long}k`;
    const r = await runCli(['put', ...flags(), '--checksum-file', tooLong, at(`${rdir}/never.bin`)], { stdin: 'abc' });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: --checksum-file ${tooLong}: File name too long\n` });
    expect(await readdir(dir)).toEqual(['f.bin']);
  });

  // `sums -> sums.2026-12`, as `sha256sum > sums` and --output write through it.
  // Before: the link was replaced by a file, sums.2026-12 kept the last run's.
  it('a checksum file that is a symlink of ours is written through, the link kept', async () => {
    const dated = join(local(), 'sums.2026-12');
    await writeFile(dated, 'the last run\n');
    await symlink('sums.2026-12', join(local(), 'sums'));
    const r = await runCli(['put', ...flags(), '--checksum-file', join(local(), 'sums'), at(`${rdir}/l.bin`)], { stdin: 'abc' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(dated, 'utf8')).toBe(`${sha(Buffer.from('abc'))}  l.bin\n`);
    expect(await readlink(join(local(), 'sums'))).toBe('sums.2026-12');
    expect((await readdir(local())).sort()).toEqual(['sums', 'sums.2026-12']);
  });

  it("another user's symlink at the checksum file's name in a sticky directory: exit 1 before anything is sent", async () => {
    const shared = join(local(), 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const mine = join(local(), 'mine');
    await writeFile(mine, 'keep\n');
    const link = join(shared, 'sums');
    await symlink(mine, link);
    await lchown(link, 65534, 65534);
    const r = await runCli(['put', ...flags(), '--checksum-file', link, at(`${rdir}/never.bin`)], { stdin: 'abc' });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: --checksum-file ${link}: not followed: a symbolic link of another user (uid 65534) in ${shared}, a sticky directory others can write to: remove it or give another name\n` });
    expect(await readFile(mine, 'utf8')).toBe('keep\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a directory given as the checksum file: exit 1 before anything is sent, no remote file', async () => {
    const r = await runCli(['put', ...flags(), '--checksum-file', local(), at(`${rdir}/never.bin`)], { stdin: 'abc' });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: --checksum-file ${local()}: Is a directory\n` });
    expect(await readdir(dir)).toEqual([]);
  });

  // The checksum file's disk fills while the upload runs. User sees "the
  // transfer is done, but --checksum-file … could not be written: No space
  // left on device", exit 1. Left: the file stored remotely; the last run's
  // checksum file as it was, not an empty one; no temporary file.
  it('a checksum file that cannot be written at the end keeps the last run\'s sums', async () => {
    const small = join(local(), 'small');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      const sums = join(small, 'f.sha256');
      await writeFile(sums, 'the last run\n');
      await writeFile(join(small, 'filler'), Buffer.alloc(60 * 1024)).catch(() => undefined);
      await writeFile(join(small, 'filler2'), Buffer.alloc(16 * 1024)).catch(() => undefined); // to the last block
      const data = randomBytes(10_000);
      const r = await runCli(['put', ...flags(), '--checksum-file', sums, at(`${rdir}/f.bin`)], { stdin: data });
      expect(r.status).toBe(1);
      // The line is not lost with the file: hours of upload made it.
      expect(r.stderr).toBe(`${sha(data)}  f.bin\nscpipe: the transfer is done, but --checksum-file ${sums} could not be written: No space left on device (its lines are above)\n`);
      expect(await readFile(sums, 'utf8')).toBe('the last run\n');
      expect((await readdir(small)).sort()).toEqual(['f.sha256', 'filler', 'filler2']);
      expect(await readdir(dir)).toEqual(['f.bin']);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('--checksum-file - with --json: exit 2, both would write to stdout', async () => {
    const r = await runCli(['put', ...flags(), '--json', '--checksum-file', '-', at(`${rdir}/x.bin`)], { stdin: 'abc' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--checksum-file - and --json would both write to stdout');
    expect(await readdir(dir)).toEqual([]);
  });
});

// Run by a user who is not root (root may write into any directory). A FIFO
// or device is written in place, as `sha256sum > FIFO` writes it, so its
// directory's mode does not count; the check made before connecting refused
// one in a directory of root's: "--checksum-file …/run/sums: …/run:
// Permission denied", exit 1, before anything was sent.
it('not as root: a FIFO as the checksum file in a directory the user may not write gets the line, exit 0', async () => {
  const dir = await userDir(sshd.user, 'sums-fifo-dir');
  const as = sshd.rssh; // its uid: any but root's
  const { home, flags } = await homeOf(as, local(), sshd, sshd.user);
  await mkdir(join(local(), 'run'), { mode: 0o755 });
  const fifo = join(local(), 'run', 'sums');
  execFileSync('mkfifo', ['-m', '666', fifo]);
  const reading = readFile(fifo, 'utf8');
  const r = await runCli(['put', ...flags, '--checksum-file', fifo, remote(sshd, sshd.user, `${dir}/f.bin`)], { stdin: 'abc', user: as, env: { HOME: home }, cwd: home });
  // A run that never opened the FIFO leaves the read waiting for a writer: one of ours ends it.
  await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((fh) => fh.close(), () => undefined);
  expect({ status: r.status, stderr: r.stderr, line: await reading }).toEqual({ status: 0, stderr: '', line: `${sha(Buffer.from('abc'))}  f.bin\n` });
  expect(await readFile(join(dir, 'f.bin'), 'utf8')).toBe('abc');
});

// stderr a socket, as a systemd service's is (journald's), and as the
// tests' harness gives it: open(2) of /dev/stderr fails there (ENXIO),
// where `sha256sum > /dev/stderr` writes through the descriptor it has.
// It said "the transfer is done, but --checksum-file /dev/stderr could not
// be written: No such device or address", exit 1.
it.each([
  ['/dev/stderr', 'stderr'],
  ['/dev/stdout', 'stdout'],
  ['/dev/fd/2', 'stderr'],
] as const)('--checksum-file %s where it is a socket gets the line, exit 0', async (file, stream) => {
  const dir = await userDir(sshd.user, 'sums-socket');
  const r = await runCli(['put', ...sshFlags(sshd, sshd.user), '--checksum-file', file, remote(sshd, sshd.user, `${dir}/f.bin`)], { stdin: 'abc' });
  const line = `${sha(Buffer.from('abc'))}  f.bin\n`;
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({ status: 0, stdout: stream === 'stdout' ? line : '', stderr: stream === 'stderr' ? line : '' });
});
