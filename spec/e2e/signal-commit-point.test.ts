// A signal that lands just as a transfer completes. `scpipe put … && rm
// snapshot` must never remove data that is not stored: a signal before the
// commit point (SCP: the last file's ack; SFTP: the rename's answer) exits
// 130/143 whatever the server did next, and one after it exits 0, saying so.
// The commit point is held open by a relay in front of OpenSSH's own scp -t
// and sftp-server (held-reply.ts), so the signal lands on a known side of it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { remote, sshFlags, startCli, type CliResult } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { heldReplies, type Hold } from '../helpers/held-reply';
import { waitFor } from '../helpers/async';
import { execFileSync } from 'node:child_process';
import { GRACE_MS } from '../../cli/signals';
import { SHORT_GRACE, SHORT_GRACE_MS } from '../helpers/short-waits';

const relay = heldReplies();
const sshd = sshdPerSuite({ sftpSubsystem: relay.path });
afterAll(() => relay.remove());
afterEach(() => relay.release());

const data = randomBytes(256 * 1024);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flags = (): string[] => sshFlags(sshd, sshd.user);
const scp = (): string[] => [...flags(), '--scp-path', relay.path];

/** Runs put with `args`, holds the relay's `what` (`held` times), SIGINT once it is held, lets it go once scpipe has seen the signal. */
async function interruptWhileHeld(what: Hold, args: string[], held = 1): Promise<CliResult> {
  await relay.hold(what);
  const run = startCli(args, { stdin: data });
  await relay.held(held);
  run.child.kill('SIGINT');
  await waitFor(() => run.stderr().includes('scpipe: interrupted by SIGINT: stopping\n'), 'the signal seen');
  await relay.release();
  return run.done;
}

describe('a signal held against the commit point', () => {
  it('SCP: a signal while the last ack is on its way is exit 130, though scp -t wrote every byte', async () => {
    const dir = await userDir(sshd.user, 'before-ack');
    await relay.hold('ack 3'); // the sink's first \0, the header's, then the data's
    const run = startCli(['put', ...scp(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGINT; the remote file \S+\/f is left cut short: at most 262144 of 262144 bytes written \(all handed to the connection, none confirmed\), over the start of any file of that name \(a longer one keeps its bytes past them\)\n$/);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('SCP: SIGKILL while the last ack is on its way leaves no spool file', async () => {
    const dir = await userDir(sshd.user, 'kill');
    const spool = await userDir(sshd.user, 'kill-spool');
    await relay.hold('ack 3');
    const run = startCli(['put', ...scp(), '--memory', '0', '--spool-dir', spool, remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    // The spool is open there, with no name (O_TMPFILE).
    const open = await Promise.all((await readdir(`/proc/${run.child.pid}/fd`)).map((fd) => readlink(`/proc/${run.child.pid}/fd/${fd}`).catch(() => '')));
    expect(open.some((target) => target.startsWith(`${spool}/`))).toBe(true);
    run.child.kill('SIGKILL');
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    expect(await readdir(spool)).toEqual([]);
  });

  it('SCP: a signal after the last ack, while the exit status is awaited, is exit 0, said', async () => {
    const dir = await userDir(sshd.user, 'after-ack');
    await relay.hold('exit');
    const run = startCli(['put', ...scp(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGTERM came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('SCP, several targets: a signal once every target confirmed its file is exit 0, said once', async () => {
    const dirs = [await userDir(sshd.user, 'many-a'), await userDir(sshd.user, 'many-b')];
    await relay.hold('exit');
    const run = startCli(['put', ...scp(), ...dirs.map((d) => remote(sshd, sshd.user, `${d}/f`))], { stdin: data });
    await relay.held(2);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    for (const d of dirs) expect((await readFile(join(d, 'f'))).equals(data)).toBe(true);
  });

  // Its bytes were hashed as they went and the rename was made: the checksum file says what is stored.
  it('SFTP: a signal while the rename is answered is exit 130, saying the file was stored all the same, with its checksum line', async () => {
    const dir = await userDir(sshd.user, 'rename');
    const sums = join(await userDir(sshd.user, 'rename-sums'), 'sums');
    const r = await interruptWhileHeld('rename', ['put', '-s', '-v', '--parallel', '1', '--checksum-file', sums, ...flags(), remote(sshd, sshd.user, `${dir}/f`)]);
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGINT as \S+\/f was renamed into place; the rename was made, so it is stored whole all the same\n$/);
    expect(r.status).toBe(130);
    expect(await readdir(dir)).toEqual(['f']);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
    expect(await readFile(sums, 'utf8')).toBe(`${sha256(data)}  f\n`);
  });

  it('SFTP, --json: a file renamed into place as the signal came is not listed as failed', async () => {
    const dir = await userDir(sshd.user, 'json-rename-one');
    const target = remote(sshd, sshd.user, `${dir}/f`);
    const r = await interruptWhileHeld('rename', ['put', '-s', '-v', '--json', '--parallel', '1', ...flags(), target]);
    expect(r.status).toBe(130);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 130, destinations: [target], failed: [] });
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('SFTP, several targets: each renamed into place as the signal came gets its checksum line', async () => {
    const dirs = [await userDir(sshd.user, 'many-rename-a'), await userDir(sshd.user, 'many-rename-b')];
    const sums = join(await userDir(sshd.user, 'many-rename-sums'), 'sums');
    const r = await interruptWhileHeld('rename', ['put', '-s', '-v', '--parallel', '1', '--checksum-file', sums, ...flags(), ...dirs.map((d) => remote(sshd, sshd.user, `${d}/f`))], 2);
    expect(r.status).toBe(130);
    expect(r.stderr.match(/was renamed into place; the rename was made, so it is stored whole all the same\n/g)).toHaveLength(2);
    for (const d of dirs) expect((await readFile(join(d, 'f'))).equals(data)).toBe(true);
    expect(await readFile(sums, 'utf8')).toBe(`${sha256(data)}  f\n`); // one line a name, as after a success
  });

  // --json: a target the server stored whole as the signal came is not among the failed.
  it('SFTP, several targets, --json: those renamed into place as the signal came are not listed as failed', async () => {
    const dirs = [await userDir(sshd.user, 'json-rename-a'), await userDir(sshd.user, 'json-rename-b')];
    const targets = dirs.map((d) => remote(sshd, sshd.user, `${d}/f`));
    const r = await interruptWhileHeld('rename', ['put', '-s', '-v', '--json', '--parallel', '1', ...flags(), ...targets], 2);
    expect(r.status).toBe(130);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 130, destinations: targets, failed: [] });
    for (const d of dirs) expect((await readFile(join(d, 'f'))).equals(data)).toBe(true);
  });

  it('a second signal while the first waits for the server exits at once', async () => {
    const dir = await userDir(sshd.user, 'twice');
    await relay.hold('rename');
    const run = startCli(['put', '-s', '-v', '--parallel', '1', ...flags(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    run.child.kill('SIGINT');
    await waitFor(() => run.stderr().includes('scpipe: interrupted by SIGINT: stopping\n'), 'the first signal seen');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toContain('scpipe: interrupted by SIGINT again: exiting without waiting for the clean-up');
    expect(r.ms).toBeLessThan(9_000);
  });
});

// The library tells the CLI when the commit point passed (onCommitted): a
// second signal, or the grace exit, after it leaves the data stored all the
// same. Held here by --checksum-file on a FIFO (as `>(gpg …)` is a pipe)
// whose reader comes late: written once put resolved, it blocks in its open,
// and so does the exit (Node waits for its threads), until the reader opens it.
describe('after the commit point, while the run is still busy', () => {
  const fifoIn = (dir: string): string => {
    const fifo = join(dir, 'sums');
    execFileSync('mkfifo', [fifo]);
    return fifo;
  };
  const lastWord = /(again|did not answer|came after)[^\n]*\n$/;
  const readerOf = async (fifo: string, run: { stderr: () => string; done: Promise<CliResult> }): Promise<CliResult> => {
    await waitFor(() => lastWord.test(run.stderr()), 'the exit said', GRACE_MS + 10_000);
    const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      return await run.done;
    } finally {
      await reader.close();
    }
  };
  // Runs scpipe with `args`, sends SIGINT once `ready` (given its stderr so
  // far) holds and again once the first is seen; the run's end, its FIFO read.
  const signalledTwice = async (args: string[], fifo: string, ready: (stderr: string) => boolean, what: string, stdin?: Buffer): Promise<CliResult> => {
    const run = startCli(args, { stdin });
    await waitFor(() => ready(run.stderr()), what);
    run.child.kill('SIGINT');
    await waitFor(() => run.stderr().includes('scpipe: interrupted by SIGINT: stopping\n'), 'the first signal seen');
    run.child.kill('SIGINT');
    return readerOf(fifo, run);
  };
  const sumTaken = (stderr: string): boolean => stderr.includes('scpipe: sha256 ');

  it('a second signal exits 0, said as the first would have been', async () => {
    const dir = await userDir(sshd.user, 'second-after');
    const fifo = fifoIn(await userDir(sshd.user, 'second-after-sums'));
    const r = await signalledTwice(['put', '-v', '--checksum-file', fifo, ...scp(), remote(sshd, sshd.user, `${dir}/f`)], fifo, sumTaken, 'the sum taken, the checksum file being opened', data);
    expect(r.stderr).toMatch(/\nscpipe: sha256 \S+\nscpipe: interrupted by SIGINT: stopping\nscpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n$/);
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['f']);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('SFTP: the grace exit after the rename was answered exits 0', async () => {
    const dir = await userDir(sshd.user, 'grace-after');
    const fifo = fifoIn(await userDir(sshd.user, 'grace-after-sums'));
    const run = startCli(['put', '-s', '-v', '--checksum-file', fifo, ...flags(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, env: SHORT_GRACE });
    await waitFor(() => sumTaken(run.stderr()), 'the sum taken, the checksum file being opened');
    run.child.kill('SIGTERM');
    const r = await readerOf(fifo, run);
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGTERM: stopping\nscpipe: SIGTERM came after the transfer was complete: nothing was cut short, exit 0\n$/);
    expect(r.status).toBe(0);
    expect(r.ms).toBeGreaterThan(SHORT_GRACE_MS);
    expect(await readdir(dir)).toEqual(['f']);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  }, 30_000);

  // Before, the exit itself waited in the FIFO's open until a reader came, though it said exit 0.
  it('a FIFO that no one ever reads: a second signal exits 0 at once, without a reader', async () => {
    const dir = await userDir(sshd.user, 'fifo-unread');
    const fifo = fifoIn(await userDir(sshd.user, 'fifo-unread-sums'));
    const run = startCli(['put', '-v', '--checksum-file', fifo, ...scp(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, timeoutMs: 20_000 });
    await waitFor(() => run.stderr().includes('scpipe: sha256 '), 'the sum taken, the checksum file being opened');
    run.child.kill('SIGINT');
    await waitFor(() => run.stderr().includes('scpipe: interrupted by SIGINT: stopping\n'), 'the first signal seen');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    expect(r.stderr).toMatch(/\nscpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n$/);
    expect((await readFile(join(dir, 'f'))).equals(data)).toBe(true);
  });

  it('get: a second signal once the download was written out whole exits 0, said', async () => {
    const dir = await userDir(sshd.user, 'get-second-after');
    await writeFile(join(dir, 'f'), data);
    const fifo = fifoIn(await userDir(sshd.user, 'get-second-after-sums'));
    const r = await signalledTwice(['get', '-s', '-v', '--checksum-file', fifo, ...flags(), remote(sshd, sshd.user, `${dir}/f`)], fifo, sumTaken, 'the sum taken, the checksum file being opened');
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGINT: stopping\nscpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n$/);
    expect(r.status).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('cp from the remote: a second signal once the file is in place exits 0, said', async () => {
    const dir = await userDir(sshd.user, 'cp-second-after');
    await writeFile(join(dir, 'f'), data);
    const into = await userDir(sshd.user, 'cp-second-after-into');
    const fifo = fifoIn(await userDir(sshd.user, 'cp-second-after-sums'));
    // Signalled once the copy's last -v line is out, not just its file: on a
    // loaded machine that line came between the two lines the signals write.
    const copied = (stderr: string): boolean => existsSync(join(into, 'f')) && stderr.includes('scpipe: sftp: replies read into memory used again: ');
    const r = await signalledTwice(['cp', '-s', '-v', '--checksum-file', fifo, ...flags(), remote(sshd, sshd.user, `${dir}/f`), `${into}/`], fifo, copied, 'the file in place and the copy done');
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGINT: stopping\nscpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n$/);
    expect(r.status).toBe(0);
    expect((await readFile(join(into, 'f'))).equals(data)).toBe(true);
  });
});

describe('a parts set: its commit point is the manifest stored', () => {
  const partFlags = ['--part-size', '64K'];
  const names = ['f.000000', 'f.000001', 'f.000002', 'f.000003', 'f.sha256'];

  it('SCP: a signal once the manifest was confirmed is exit 0, said, and the set is whole', async () => {
    const dir = await userDir(sshd.user, 'parts-scp');
    await relay.hold('exit only=.sha256');
    const run = startCli(['put', ...scp(), ...partFlags, remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(names);
  });

  it('SCP: a signal while the manifest\'s ack is on its way is exit 130, not said to leave no manifest', async () => {
    const dir = await userDir(sshd.user, 'parts-scp-ack');
    await relay.hold('ack 3 only=.sha256');
    const run = startCli(['put', ...scp(), ...partFlags, remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: interrupted by SIGINT; the parts set f is incomplete (unless its manifest f.sha256 reached the disk: it was sent whole, never confirmed): 4 part(s) confirmed remotely: f.000000..f.000003\n');
    expect(r.status).toBe(130);
    // scp -t wrote it whole: the set is complete, which "no manifest" denied.
    expect((await readdir(dir)).sort()).toEqual(names);
    expect(await readFile(join(dir, 'f.sha256'), 'utf8')).toMatch(/# parts 4\n[^]*  f\.000003\n# end\n$/);
  });

  it('SFTP, --json: a parts set whose manifest was renamed into place as the signal came is not listed as failed', async () => {
    const dir = await userDir(sshd.user, 'parts-sftp-json');
    const target = remote(sshd, sshd.user, `${dir}/f`);
    const r = await interruptWhileHeld('rename only=.sha256', ['put', '-s', '-v', '--json', ...flags(), ...partFlags, target]);
    expect(r.status).toBe(130);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 130, destinations: [target], failed: [] });
  });

  it('SFTP: a signal while the manifest is renamed into place is exit 130, saying the set is complete, with its checksum line', async () => {
    const dir = await userDir(sshd.user, 'parts-sftp');
    const sums = join(await userDir(sshd.user, 'parts-sftp-sums'), 'sums');
    const r = await interruptWhileHeld('rename only=.sha256', ['put', '-s', '-v', '--checksum-file', sums, ...flags(), ...partFlags, remote(sshd, sshd.user, `${dir}/f`)]);
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGINT as \S+\/f\.sha256 was renamed into place; the rename was made, so it is stored whole all the same: the parts set \S+\/f is complete\n$/);
    expect(r.status).toBe(130);
    expect((await readdir(dir)).sort()).toEqual(names);
    expect(await readFile(sums, 'utf8')).toBe(`${sha256(data)}  f\n`);
  });
});

// get's commit point: to a file the rename into place, after the remote's
// exit status; to a pipe every byte out, confirmed whole by the remote.
describe('get: a signal before the remote exit status', () => {
  it('SCP to a file: exit 130, and neither the file nor a temporary one is left', async () => {
    const dir = await userDir(sshd.user, 'get-file');
    await writeFile(join(dir, 'f'), data);
    await relay.hold('fexit');
    const run = startCli(['get', ...scp(), '--output', join(dir, 'out'), remote(sshd, sshd.user, `${dir}/f`)]);
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: interrupted by SIGINT\n');
    expect(r.status).toBe(130);
    expect(await readdir(dir)).toEqual(['f']);
  });
});

// Every byte went out, and the remote confirmed them (scp -f's \0 after the
// data; over SFTP, the answers to the reads before the close): the exit
// status can change nothing the reader got, so `set -o pipefail` holds.
describe('get to a pipe: a signal once every byte went out', () => {
  it.each([
    { over: 'SCP', args: (): string[] => scp(), hold: 'fexit', signal: 'SIGTERM' },
    { over: 'SFTP', args: (): string[] => ['-s', '--parallel', '1', ...flags()], hold: 'close', signal: 'SIGINT' },
  ] as const)('$over, held at its $hold: exit 0, every byte out, said', async ({ over, args, hold, signal }) => {
    const dir = await userDir(sshd.user, `get-pipe-${over}`);
    await writeFile(join(dir, 'f'), data);
    await relay.hold(hold);
    const run = startCli(['get', ...args(), remote(sshd, sshd.user, `${dir}/f`)]);
    await relay.held();
    run.child.kill(signal);
    const r = await run.done;
    expect(r.stderr).toBe(`scpipe: ${signal} came after the transfer was complete: nothing was cut short, exit 0\n`);
    expect(r.status).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });
});

// Over SFTP the download's last request is the close; the output file takes
// its name after it, by a local rename.
describe('SFTP downloads: a signal while the close is answered', () => {
  it('get --output: exit 130, the old output as it was, no temporary file', async () => {
    const dir = await userDir(sshd.user, 'sftp-get-file');
    await writeFile(join(dir, 'f'), data);
    await writeFile(join(dir, 'out'), 'the last restore\n');
    await relay.hold('close');
    const run = startCli(['get', '-s', '-v', '--parallel', '1', ...flags(), '--output', join(dir, 'out'), remote(sshd, sshd.user, `${dir}/f`)]);
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toMatch(/\nscpipe: interrupted by SIGINT: stopping\nscpipe: interrupted by SIGINT\n$/);
    expect(r.status).toBe(130);
    expect((await readdir(dir)).sort()).toEqual(['f', 'out']);
    expect(await readFile(join(dir, 'out'), 'utf8')).toBe('the last restore\n');
  });

  // cp renames each file into place before its close: stored, said as after the commit point.
  it('cp from the remote: the file in place before the close, exit 0 at once, said', async () => {
    const dir = await userDir(sshd.user, 'sftp-cp-down');
    const local = await userDir(sshd.user, 'sftp-cp-down-local');
    await writeFile(join(dir, 'f'), data);
    await relay.hold('close');
    const run = startCli(['cp', '-s', ...flags(), remote(sshd, sshd.user, `${dir}/f`), `${local}/`]);
    await relay.held();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGTERM came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    expect(r.ms).toBeLessThan(GRACE_MS);
    expect(await readdir(local)).toEqual(['f']);
    expect((await readFile(join(local, 'f'))).equals(data)).toBe(true);
  });
});

describe('cp', () => {
  it('SCP upload: a signal once the last file was confirmed is exit 0, said', async () => {
    const dir = await userDir(sshd.user, 'cp-up');
    const src = join(await userDir(sshd.user, 'cp-src'), 'a');
    await writeFile(src, data);
    await relay.hold('exit');
    const run = startCli(['cp', '-O', ...scp(), src, remote(sshd, sshd.user, `${dir}/`)]);
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'a'))).equals(data)).toBe(true);
  });

  // With -r the last reply is the directory's end (E) record's, after its files' own.
  it('SCP upload of a tree: a signal while the end of the directory is answered is exit 0, said', async () => {
    const dir = await userDir(sshd.user, 'cp-r-up');
    const src = join(await userDir(sshd.user, 'cp-r-src'), 'tree');
    await mkdir(src);
    await writeFile(join(src, 'a'), data);
    await relay.hold('ack 5'); // the sink's first \0, then D's, C's, the data's and E's
    const run = startCli(['cp', '-r', '-O', ...scp(), src, remote(sshd, sshd.user, `${dir}/`)]);
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('scpipe: SIGINT came after the transfer was complete: nothing was cut short, exit 0\n');
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'tree', 'a'))).equals(data)).toBe(true);
  });
});
