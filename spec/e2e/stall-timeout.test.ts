// --stall-timeout: a remote that keeps its connection alive but takes or
// answers nothing (an `scp -t` hung on NFS or a tape, an SFTP server that
// stops answering) fails the transfer after that long, as a lost connection
// that names what was waited for: exit 1, retried under --retries. A slow
// producer or a slow local reader is not the remote's stall.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { userDir } from '../helpers/sshd';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { heldReplies } from '../helpers/held-reply';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { waitFor } from '../helpers/async';

const relay = heldReplies(); // OpenSSH's scp -t and sftp-server behind a relay that holds one reply
const sshd = sshdPerSuite({ sftpSubsystem: relay.path });
afterAll(() => relay.remove());
beforeEach(() => sshd.setRsshAllowed(['scp', 'sftp']));
afterEach(async () => {
  await relay.release();
  await sshd.setRsshAllowed(['scp']);
});

const STALLED = (what: string) => new RegExp(`: the remote moved no byte for 1 s while scpipe waited for ${what} \\(--stall-timeout\\)`);

it('put -O: a remote scp -t that never acknowledges the data fails after the limit, exit 1; the file it wrote stays', async () => {
  const dir = await userDir(sshd.user, 'stall-ack');
  await relay.hold('ack 3'); // the sink's first \0, the header's, then the data's
  const r = await runCli(['put', '-O', '--stall-timeout', '1', '--retries', '0', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(STALLED("the remote's answer to the file's end"));
  expect(r.stderr).toMatch(/^scpipe: .*connection lost/m);
  expect(await readdir(dir)).toEqual(['f']); // as after any connection lost after the data: scp -t wrote it
});

it('put -s: an SFTP server that never answers the rename fails after the limit, exit 1, as a connection lost there', async () => {
  const dir = await userDir(sshd.user, 'stall-rename');
  await relay.hold('rename');
  const r = await runCli(['put', '-s', '--stall-timeout', '1', '--retries', '0', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^scpipe: \\S+/f: rename: the SFTP session ended: the remote moved no byte for 1 s while scpipe waited for the server's answer to an SFTP rename \\(--stall-timeout\\); the rename's answer was lost, so the upload, whole, is either in place as \\S+/f or left in \\S+/\\.f\\.scpipe-\\w{6}: whichever of the two names exists holds it\\n$`));
  // The relay holds the status of a rename sftp-server made: the name is there, as after a connection lost at that moment.
  expect(await readdir(dir)).toEqual(['f']);
});

it('put -s --retries 1: a rename whose answer stalls is looked at over a new connection, found made: exit 0, f alone', async () => {
  const dir = await userDir(sshd.user, 'stall-rename-retry');
  await relay.hold('rename');
  const r = await runCli(['put', '-s', '-v', '--stall-timeout', '1', '--retries', '1', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/waited for the server's answer to an SFTP rename \(--stall-timeout\); retry 1 of 1/);
  expect(r.stderr).toMatch(/sftp: the rename was done before the connection went: \S+\/f holds all 262144 bytes/);
  expect(r.stderr).not.toMatch(/is left in|answer was lost/);
  expect(await readdir(dir)).toEqual(['f']);
});

it('put -s --retries 1 without -v: a retry that finds the rename made says so in one line on stderr, exit 0', async () => {
  const dir = await userDir(sshd.user, 'stall-rename-said');
  await relay.hold('rename');
  const r = await runCli(['put', '-s', '--stall-timeout', '1', '--retries', '1', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f\tx`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(0);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/waited for the server's answer to an SFTP rename \(--stall-timeout\); retry 1 of 1/);
  // The name the server holds, escaped (a tab is not let through to the terminal).
  expect(lines[1]).toMatch(/^scpipe: \S+\/f\\tx: found complete under its name after reconnecting \(262144 bytes\): the rename was made and only its answer lost, so nothing was sent again$/);
  expect(await readdir(dir)).toEqual(['f\tx']);
});

it('put -O --retries 1: a stall is retried on a new connection, and the retry stores the file, exit 0', async () => {
  const dir = await userDir(sshd.user, 'stall-retry');
  await relay.hold('ack 3');
  const run = startCli(['put', '-O', '--stall-timeout', '1', '--retries', '1', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  await waitFor(() => /retry 1 of 1/.test(run.stderr()), 'the retry after the stall', 30_000);
  await relay.release();
  const r = await run.done;
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/the remote moved no byte for 1 s while scpipe waited for the remote's answer to the file's end/);
  expect(await readdir(dir)).toEqual(['f']);
});

// A producer that thinks (btrfs send) for four times the limit between two chunks.
function thinkingInput(first: Buffer, rest: Buffer, thinkMs: number): Readable {
  let step = 0;
  return new Readable({
    read() {
      step += 1;
      if (step === 1) this.push(first);
      else if (step === 2) setTimeout(() => (this.push(rest), this.push(null)), thinkMs);
    },
  });
}

describe.each([
  ['scp, the size given', ['-O', '--size', String(512 * 1024)]],
  ['sftp', ['-s']],
])('put over %s with --stall-timeout 0.5', (_what, flags) => {
  it('a producer that stops for 2 s is not a stall: exit 0, the file whole', async () => {
    const dir = await userDir(sshd.user, `stall-producer-${flags[0]}`);
    const data = randomBytes(512 * 1024);
    const r = await runCli(['put', ...flags, '--stall-timeout', '0.5', '--retries', '0', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: thinkingInput(data.subarray(0, 1000), data.subarray(1000), 2000) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['f']);
  });
});

it.each(['-O', '-s'])('get %s with --stall-timeout 0.5: a reader that stops for 2 s is not a stall, exit 0, every byte out', async (flag) => {
  const dir = await userDir(sshd.user, `stall-reader${flag}`);
  const data = randomBytes(16 << 20);
  const put = await runCli(['put', '-O', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
  expect(put.status).toBe(0);
  const run = startCli(['get', flag, '--stall-timeout', '0.5', '--retries', '0', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)]);
  run.child.stdout!.pause();
  setTimeout(() => run.child.stdout!.resume(), 2000); // the slow reader of the scenario, not a wait of the test
  const r = await run.done;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.equals(data)).toBe(true);
});

it('put -O --part-size: one part whose scp -t never acknowledges fails the set after the limit, exit 1; no manifest', async () => {
  const dir = await userDir(sshd.user, 'stall-parts');
  await relay.hold('ack 3 only=.000001');
  const r = await runCli(['put', '-O', '--part-size', '64K', '--parallel', '2', '--stall-timeout', '1', '--retries', '0', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(STALLED("the remote's answer to the file's end"));
  expect((await readdir(dir)).filter((n) => n.endsWith('.sha256'))).toEqual([]);
});

// The manifest confirmed whole, then its scp -t never ends: exit 1 as for a
// plain file, but the set is complete. Before, the message said "the parts
// set f is incomplete (no manifest f.sha256)" while get restored it whole.
it('put -O --part-size: the manifest confirmed, its scp\'s exit status held: exit 1, said complete, and get restores it', async () => {
  const dir = await userDir(sshd.user, 'stall-parts-exit');
  const data = randomBytes(256 * 1024);
  await relay.hold('exit only=.sha256');
  const r = await runCli(['put', '-O', '--json', '--part-size', '64K', '--stall-timeout', '1', '--retries', '0', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, timeoutMs: 30_000 });
  expect(r.status).toBe(1);
  const json = JSON.parse(r.stdout.toString()) as { parts: number; error: { code: string; message: string } };
  expect(json).toMatchObject({ parts: 4, error: { code: 'ERR_LOST_CONNECTION' } });
  expect(r.stderr).toBe(`scpipe: ${json.error.message}\n`);
  expect(json.error.message).toMatch(STALLED("the remote's exit status"));
  expect(json.error.message).toMatch(new RegExp(`; the parts set ${dir}/f is complete all the same: its manifest f\\.sha256 was confirmed whole before that$`));
  await relay.release();
  const got = await runCli(['get', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)]);
  expect(got).toMatchObject({ status: 0, stderr: '' });
  expect(got.stdout.equals(data)).toBe(true);
});

// Under openssh the limit counts ssh's login too (it says nothing of its steps), which takes about 1 s here.
it('put -O --transport openssh: a remote scp -t that never acknowledges the data fails after the limit, exit 1', async () => {
  const dir = await userDir(sshd.user, 'stall-openssh');
  await relay.hold('ack 3');
  const r = await runCli(['put', '-O', '--transport', 'openssh', '--stall-timeout', '5', '--retries', '0', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/: the remote moved no byte for 5 s while scpipe waited for the remote's answer to the file's end \(--stall-timeout\)/);
});

it('put -s --transport openssh: an sftp-server that never answers the rename fails after the limit, exit 1', async () => {
  const dir = await userDir(sshd.user, 'stall-openssh-sftp');
  await relay.hold('rename');
  const r = await runCli(['put', '-s', '--transport', 'openssh', '--stall-timeout', '5', '--retries', '0', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: randomBytes(256 * 1024) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/rename: the SFTP session ended: the remote moved no byte for 5 s while scpipe waited for the server's answer to an SFTP rename \(--stall-timeout\)/);
});

it('put -O: a remote that acknowledges the data but never ends (its exit status held) fails after the limit, exit 1; the file stays whole', async () => {
  const dir = await userDir(sshd.user, 'stall-exit');
  const data = randomBytes(256 * 1024);
  await relay.hold('exit'); // scp -t acked every byte and exited; what runs it never ends
  const r = await runCli(['put', '-O', '--stall-timeout', '1', '--retries', '0', '--scp-path', relay.path, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, timeoutMs: 20_000 });
  expect(r.stderr).toMatch(STALLED("the remote's exit status"));
  expect(r.status).toBe(1);
  expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
});

// The remote shell runs the relay by exec (as a ForceCommand wrapper that
// execs does): once it closes its stdout and stderr sshd sends EOF, and only
// the exit status is owed.
const EXEC_RELAY = (): string[] => ['--quote', 'none', '--scp-path', `exec ${relay.path}`];

describe('get -O: a remote scp -f that sends the whole file, its last \\0 and its end, but never exits (its exit status held)', () => {
  it('--output: fails after the limit as a lost connection, exit 1; the old output stays as it was (the commit point is the exit status), no temporary file', async () => {
    const dir = await userDir(sshd.user, 'stall-fexit-file');
    const data = randomBytes(256 * 1024);
    await writeFile(join(dir, 'f'), data);
    await writeFile(join(dir, 'out'), 'the last restore\n');
    await relay.hold('fexit-closed');
    const r = await runCli(['get', '-O', '--stall-timeout', '1', '--retries', '0', ...EXEC_RELAY(), ...sshFlags(sshd, sshd.user), '--output', join(dir, 'out'), remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 20_000 });
    expect(r.stderr).toBe(`scpipe: connection lost after the file's data came whole: the remote moved no byte for 1 s while scpipe waited for the remote's exit status (--stall-timeout)\n`);
    expect(r.status).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['f', 'out']);
    expect(await readFile(join(dir, 'out'), 'utf8')).toBe('the last restore\n');
  });

  it('to a pipe: fails after the limit as a lost connection, exit 1, though every byte went out', async () => {
    const dir = await userDir(sshd.user, 'stall-fexit-pipe');
    const data = randomBytes(256 * 1024);
    await writeFile(join(dir, 'f'), data);
    await relay.hold('fexit-closed');
    const r = await runCli(['get', '-O', '--stall-timeout', '1', '--retries', '0', ...EXEC_RELAY(), ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { timeoutMs: 20_000 });
    expect(r.stderr).toBe(`scpipe: connection lost after the file's data came whole: the remote moved no byte for 1 s while scpipe waited for the remote's exit status (--stall-timeout)\n`);
    expect(r.status).toBe(1);
    expect(r.stdout.equals(data)).toBe(true);
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('--output --retries 1: the stall is retried on a new connection, which stores the file, exit 0', async () => {
    const dir = await userDir(sshd.user, 'stall-fexit-retry');
    const data = randomBytes(256 * 1024);
    await writeFile(join(dir, 'f'), data);
    await relay.hold('fexit-closed');
    const run = startCli(['get', '-O', '--stall-timeout', '1', '--retries', '1', ...EXEC_RELAY(), ...sshFlags(sshd, sshd.user), '--output', join(dir, 'out'), remote(sshd, sshd.user, `${dir}/f`)]);
    await waitFor(() => /retry 1 of 1/.test(run.stderr()), 'the retry after the stall', 30_000);
    await relay.release();
    const r = await run.done;
    expect(r.stderr).toMatch(/^scpipe: \S+\/f: connection lost after the file's data came whole: the remote moved no byte for 1 s while scpipe waited for the remote's exit status \(--stall-timeout\); retry 1 of 1 in 1 s\n$/);
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'out'))).equals(data)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['f', 'out']);
  });
});
