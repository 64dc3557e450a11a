// `scpipe put host:path -- COMMAND [ARG...]` end to end through the
// rssh-restricted account: the command's output is uploaded only when the
// command exits 0 (cli/input-command.ts), and `--` ends the options of every
// command (cli/stdio-arg.ts).
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
const localDir = tempDirPerTest('scpipe-test-local-');
let dir: string;

beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'putcmd');
});

const flags = (): string[] => sshFlags(sshd, sshd.rssh);
const at = (p: string): string => remote(sshd, sshd.rssh, p);
const put = (path: string, command: string[], extra: string[] = []): string[] => [
  'put', ...flags(), '--spool-dir', spoolDir(), ...extra, at(path), '--', ...command,
];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('scpipe put -- COMMAND', () => {
  it("uploads the command's output when it exits 0; its stderr goes to ours as it is", async () => {
    const r = await runCli(put(`${dir}/ok.txt`, ['sh', '-c', 'printf "hello\\n"; echo "from the command" >&2']));
    expect(r).toMatchObject({ status: 0, stderr: 'from the command\n' });
    expect(await readFile(join(dir, 'ok.txt'), 'utf8')).toBe('hello\n');
  });

  it("gives the command no secret of scpipe's: SCPIPE_PASSWORD and SCPIPE_SERVE_PASSWORD are unset in it", async () => {
    const script = 'printf "%s|%s|%s\\n" "${SCPIPE_PASSWORD-unset}" "${SCPIPE_SERVE_PASSWORD-unset}" "${HOME:+home}"';
    const r = await runCli(put(`${dir}/env.txt`, ['sh', '-c', script]), { env: { SCPIPE_PASSWORD: 'pw', SCPIPE_SERVE_PASSWORD: 'pw2' } });
    expect(r).toMatchObject({ status: 0 });
    expect(await readFile(join(dir, 'env.txt'), 'utf8')).toBe('unset|unset|home\n');
  });

  it('uploads a large output through the disk spool byte-exact, with options after the target', async () => {
    const file = join(localDir(), 'data.bin');
    await writeFile(file, randomBytes(40 * 1024 * 1024 + 5));
    const r = await runCli(put(`${dir}/big.bin`, ['cat', file], ['--memory', '1M']));
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(dir, 'big.bin')))).toBe(sha(await readFile(file)));
  });

  // Nothing is sent: exit 1, the message, and nothing in the remote directory.
  it.each([
    [
      'fails after some output',
      ['sh', '-c', 'head -c 3000000 /dev/zero; exit 3'],
      "the input command exited with status 3: sh -c 'head -c 3000000 /dev/zero; exit 3'",
    ],
    [
      'fails inside a pipeline run with pipefail',
      ['bash', '-o', 'pipefail', '-c', 'printf data; false | cat'],
      "the input command exited with status 1: bash -o pipefail -c 'printf data; false | cat'",
    ],
    [
      'is killed by a signal',
      ['sh', '-c', 'echo partial; kill -9 $$'],
      "the input command was killed by SIGKILL: sh -c 'echo partial; kill -9 $$'",
    ],
    [
      'cannot be run',
      ['scpipe-no-such-command', '--x'],
      'cannot run scpipe-no-such-command --x: command not found',
    ],

  ])('sends nothing when the command %s', async (_what, command, message) => {
    const r = await runCli(put(`${dir}/bad.bin`, command));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${message}; nothing was sent\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("passes the command's arguments as typed, also those that look like numbers", async () => {
    const words = ['0x10', '1e3', '1.50', '007', '-5'];
    const r = await runCli(put(`${dir}/words.txt`, ['printf', '%s\\n', ...words]));
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'words.txt'), 'utf8')).toBe(words.map((w) => `${w}\n`).join(''));
  });

  it('cp -- takes a local name that looks like a number as the name it is, not the number', async () => {
    await writeFile(join(localDir(), '1e3'), 'the file named 1e3');
    await writeFile(join(localDir(), '1000'), 'another file');
    const r = await runCli(['cp', ...flags(), '--', '1e3', at(`${dir}/`)], { cwd: localDir() });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['1e3']);
    expect(await readFile(join(dir, '1e3'), 'utf8')).toBe('the file named 1e3');
  });

  it('with --size streams the output, and a failing command marks the remote file as bad', async () => {
    const r = await runCli(put(`${dir}/sized.txt`, ['sh', '-c', 'echo hello; exit 4'], ['--size', '6']));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "scpipe: the input command exited with status 4: sh -c 'echo hello; exit 4' (after 6 of 6 bytes); " +
        `the remote file ${dir}/sized.txt cannot be trusted: remove or overwrite it\n`,
    );
    // The bytes went as they came; the remote scp was told they are bad (it exits 1) and keeps them.
    expect(await readFile(join(dir, 'sized.txt'), 'utf8')).toBe('hello\n');
  });

  it('with --size uploads a command that exits 0, even when it exits before the connection is up', async () => {
    const r = await runCli(put(`${dir}/sized-ok.txt`, ['printf', 'hello\\n'], ['--size', '6']));
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'sized-ok.txt'), 'utf8')).toBe('hello\n');
  });

  it('on SIGTERM ends the command too, exits 143 and sends nothing', async () => {
    const marker = `scpipe-test-${process.pid}-${Date.now()}`;
    const run = startCli(put(`${dir}/term.bin`, ['bash', '-c', `exec -a ${marker} sleep 30`], ['-v']));
    await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t'); // spooling, connected
    expect(pids(marker)).toHaveLength(1);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/scpipe: interrupted by SIGTERM\n$/);
    expect(pids(marker)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  // systemctl stop and Ctrl-C signal the whole job at once: the command dies of the
  // same signal, and its end often reached put before scpipe's own handler ran.
  it('a SIGTERM that ends the command and scpipe together is an interruption (exit 143), not a failed command', async () => {
    for (let run = 0; run < 5; run++) {
      // Signals scpipe ($PPID) first, then itself: scpipe's signal is pending before the command dies.
      const r = await runCli(put(`${dir}/both.bin`, ['sh', '-c', 'head -c 3000000 /dev/zero; kill -TERM $PPID $$']));
      expect({ run, status: r.status, stderr: r.stderr }).toEqual({ run, status: 143, stderr: 'scpipe: interrupted by SIGTERM\n' });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  // A command that catches the signal and exits with the shell's status for it
  // (a trap, a JVM: 128 + n) was ended by it as surely as one killed by it.
  it('a SIGTERM to both that the command ends on with status 143 (its trap) is an interruption too, not a failed command', async () => {
    for (let run = 0; run < 5; run++) {
      const r = await runCli(put(`${dir}/trap.bin`, ['sh', '-c', 'trap "exit 143" TERM; head -c 3000000 /dev/zero; kill -TERM $PPID $$']));
      expect({ run, status: r.status, stderr: r.stderr }).toEqual({ run, status: 143, stderr: 'scpipe: interrupted by SIGTERM\n' });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("on SIGTERM ends what the command started too: bash -c 'pg_dump | zstd' leaves no pg_dump behind", async () => {
    const marker = `scpipe-test-${process.pid}-${Date.now()}-below`;
    // The stand-in for a producer stalled on a lock: it would outlive bash, and wait on.
    const run = startCli(put(`${dir}/tree.bin`, ['bash', '-o', 'pipefail', '-c', `(exec -a ${marker} sleep 30) | cat`], ['-v']));
    await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t');
    expect(pids(marker)).toHaveLength(1);
    // Its exit, not run.done: the stdio pipes stay open while a leftover holds them.
    const exited = new Promise((resolve) => run.child.once('exit', resolve));
    run.child.kill('SIGTERM');
    expect(await exited).toBe(143);
    await waitFor(() => pids(marker).length === 0, 'the command\'s own children gone', 5_000);
    expect((await run.done).stderr).toMatch(/scpipe: interrupted by SIGTERM\n$/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a put that fails stops the command quietly: only scpipe says why, not the command ("Connection reset by peer")', async () => {
    const big = join(localDir(), 'big.bin');
    await writeFile(big, Buffer.alloc(8 << 20));
    const target = remote(sshd, sshd.sftp, '/no-such-dir/f.bin'); // SFTP fails at the open, while the command writes
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), target, '--', 'sh', '-c', `while :; do cat ${big}; done`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: \/no-such-dir\/f\.bin: open: No such file[^\n]*\n$/);
  });

  // Put leaves its reading loop before it stops the command: the command is signalled first, or it
  // prints "head: error writing 'standard output': Connection reset by peer", as if the network had failed.
  it.each([
    ['an SFTP upload', 'sftp' as const, ['-s']],
    ['a parts set over SCP', 'rssh' as const, ['--part-size', '1M']],
  ])('SIGTERM during %s: only scpipe speaks, exit 143, the command ended', async (_what, kind, extra) => {
    const account = sshd[kind];
    const into = await userDir(account, 'putcmd-term');
    const marker = `scpipe-test-${process.pid}-${Date.now()}-${kind}`;
    const run = startCli(['put', ...sshFlags(sshd, account), ...extra, remote(sshd, account, `${remotePath(account, into)}/f.bin`),
      '--', 'bash', '-c', `exec -a ${marker} head -c 4G /dev/zero`]);
    await waitFor(async () => (await Promise.all((await readdir(into)).map((n) => stat(join(into, n))))).some((s) => s.size > 0), 'bytes stored');
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGTERM[^\n]*\n$/);
    expect(pids(marker)).toEqual([]);
    // SFTP removes its temporary file; scp -t keeps the parts it had begun (the message names them), never a manifest.
    const left = await readdir(into);
    if (kind === 'sftp') expect(left).toEqual([]);
    else expect(left.filter((n) => !/^f\.bin\.\d{6}$/.test(n))).toEqual([]);
  });

  it('refuses a second argument without -- (exit 2), before running or connecting to anything', async () => {
    const r = await runCli(['put', ...flags(), at(`${dir}/x`), 'tar'], { stdin: 'data' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'scpipe: unexpected argument "tar": put takes remote targets ([user@]host:path); to upload a command\'s output, give the command after --\n',
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('-- ends the options', () => {
  it('cp takes a local name that starts with a dash after --', async () => {
    await writeFile(join(localDir(), '-v'), 'dash\n');
    const r = await runCli(['cp', ...flags(), '--', '-v', at(`${dir}/`)], { cwd: localDir() });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, '-v'), 'utf8')).toBe('dash\n');
  });

  it('get takes its source after --', async () => {
    await writeFile(join(dir, 'f.txt'), 'remote\n');
    execFileSync('chown', [String(sshd.rssh.uid), join(dir, 'f.txt')]);
    const r = await runCli(['get', ...flags(), '--', at(`${dir}/f.txt`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('remote\n');
  });
});

// The pids of processes whose command line starts with `name`.
function pids(name: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `^${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
