// put to several targets at once: the stream is read once and each target
// gets all of it, over the protocol it allows (here SCP to the rssh-like
// account, SFTP to the internal-sftp jail), against real sshd. One target
// that fails does not stop the others. Each test says what the user sees
// and what is left on both sides.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, type CliResult, chunks, endlessInput, pastedFlags, remote, runCli, runCliWithFile, runOnTerminal, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { killAll } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-many-');
const spool = tempDirPerTest('scpipe-test-many-spool-', { mustEndEmpty: true });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// The test sshd's processes running as `uid`: an account's session and what it runs (its scp).
const processesOf = async (uid: number): Promise<number[]> => {
  const pids = await sshd.connectionPids();
  const mine = await Promise.all(pids.map(async (pid) => /^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] === String(uid)));
  return pids.filter((_, i) => mine[i]);
};

let scpDir: string;
let sftpDir: string;
beforeEach(async () => {
  await sshd.setRsshAllowed(['scp']);
  scpDir = await userDir(sshd.rssh, 'many');
  sftpDir = await userDir(sshd.sftp, 'many');
});
// Both accounts' keys: each login takes the one it knows.
const flags = (): string[] => [...sshFlags(sshd, sshd.rssh), '-i', sshd.sftp.keyPath];
const toScp = (name: string): string => remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/${name}`);
const toSftp = (name: string): string => remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/${name}`);

describe('put to several targets', () => {
  it('one stream, read once, lands whole on each: SCP on one host, SFTP on the other; -v names each; one checksum line', async () => {
    const data = randomBytes(40 * 1024 * 1024 + 7); // more than the split holds ahead
    const sums = join(local(), 'b.sha256');
    const r = await runCli(['put', ...flags(), '-v', '--json', '--checksum-file', sums, toScp('b.bin'), toSftp('b.bin')], { stdin: Readable.from(chunks(data, 65536)), timeoutMs: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`scpipe: ${toScp('b.bin')}: sent ${data.length} bytes over scp in \\d+\\.\\d\\d s\\n`));
    expect(r.stderr).toMatch(new RegExp(`scpipe: ${toSftp('b.bin')}: sent ${data.length} bytes over sftp in \\d+\\.\\d\\d s\\n`));
    expect((await readFile(join(scpDir, 'b.bin'))).equals(data)).toBe(true);
    expect((await readFile(join(sftpDir, 'b.bin'))).equals(data)).toBe(true);
    expect(await readdir(sftpDir)).toEqual(['b.bin']);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  b.bin\n`);
    const json = JSON.parse(r.stdout.toString());
    expect(json).toMatchObject({ ok: true, exit_status: 0, destinations: [toScp('b.bin'), toSftp('b.bin')], failed: [], bytes: data.length, sha256: sha(data) });
  });

  // --remove-stale with several targets said what it removed but not what
  // it kept. User sees now: "TARGET: kept PATH: written to N s ago, …" for a
  // fresh leftover on the SFTP target, exit 0. Left: that leftover and b.bin.
  // --memory is the run's: the SCP targets share one spool, which has all
  // of it, so 3 MiB to two targets under --memory 4M stays in RAM (nothing
  // said), and 5 MiB spills (here to a tmpfs TMPDIR, which is said).
  it('--memory is the whole run\'s: two SCP targets\' one spool has it all, and a stream past it spills', async () => {
    const tmp = await mkdtemp('/dev/shm/scpipe-test-many-');
    try {
      for (const [mib, spills] of [[3, false], [5, true]] as const) {
        const data = randomBytes(mib * 1024 * 1024);
        const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '--memory', '4M', toScp('m1.bin'), toScp('m2.bin')], {
          stdin: Readable.from(chunks(data, 65536)), env: { TMPDIR: tmp }, timeoutMs: 60_000,
        });
        if (spills) expect(r.stderr).toMatch(/^scpipe: warning: spooling in \/dev\/shm\/scpipe-test-many-\w+, a file system in RAM/);
        else expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        for (const name of ['m1.bin', 'm2.bin']) expect(sha(await readFile(join(scpDir, name)))).toBe(sha(data));
        expect(await readdir(tmp)).toEqual([]);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('--remove-stale says a leftover it keeps, naming the target', async () => {
    await writeFile(join(sftpDir, '.b.bin.scpipe-AAAAAA'), 'x');
    const r = await runCli(['put', ...flags(), '--remove-stale', toScp('b.bin'), toSftp('b.bin')], { stdin: 'data' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${toSftp('b.bin')}: kept ${remotePath(sshd.sftp, sftpDir)}/\\.b\\.bin\\.scpipe-AAAAAA: written to \\d+ s ago, another upload may still be writing it`));
    expect((await readdir(sftpDir)).sort()).toEqual(['.b.bin.scpipe-AAAAAA', 'b.bin']);
  });

  // User sees: exit 0 and one warning naming both targets. Left: an empty file on each.
  it('an empty stream is stored on each, with one warning naming them', async () => {
    const r = await runCli(['put', ...flags(), toScp('e.bin'), toSftp('e.bin')], { stdin: Buffer.alloc(0), timeoutMs: 60_000 });
    expect(r).toMatchObject({
      status: 0,
      stderr: `scpipe: warning: the input was empty: stored an empty file on ${toScp('e.bin')}, ${toSftp('e.bin')} (if a program feeding the pipe failed, give it after -- and nothing is stored when it fails)\n`,
    });
    expect((await readFile(join(scpDir, 'e.bin'))).length).toBe(0);
    expect((await readFile(join(sftpDir, 'e.bin'))).length).toBe(0);
  });

  // A service given no input (stdin /dev/null): said as such, with how to mean it.
  it('/dev/null on stdin is stored on each, with a warning that says it was /dev/null', async () => {
    const r = await runCliWithFile(['put', ...flags(), toScp('n.bin'), toSftp('n.bin')], '/dev/null');
    expect(r).toMatchObject({
      status: 0,
      stderr: `scpipe: warning: the input was empty: stored an empty file on ${toScp('n.bin')}, ${toSftp('n.bin')} (stdin is /dev/null, as for a service given no input; to store an empty file on purpose, give --size 0)\n`,
    });
    expect((await readFile(join(scpDir, 'n.bin'))).length).toBe(0);
    expect((await readFile(join(sftpDir, 'n.bin'))).length).toBe(0);
  });

  // User sees: one line, "scpipe: TARGET: open: No such file (the directory DIR is not there, or is a file; to make it: …)",
  // exit 1. Left: the file whole on the other host; nothing on the failed one.
  it('a target that fails is said on its own line, and the other still gets the whole stream', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const bad = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing/b.bin`);
    const r = await runCli(['put', ...flags(), '--json', toScp('b.bin'), bad], { stdin: data, timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 1, destinations: [toScp('b.bin'), bad], failed: [bad], bytes: data.length, error: { code: 'ERR_NO_SUCH_FILE' } });
    expect(r.stderr).toBe(`scpipe: ${bad}: open: No such file (the directory ${remotePath(sshd.sftp, sftpDir)}/missing is not there, or is a file; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(flags())} ${remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing`)})\n`);
    expect((await readFile(join(scpDir, 'b.bin'))).equals(data)).toBe(true);
    expect(await readdir(sftpDir)).toEqual([]);
  });

  // User sees: "scpipe: TARGET: open: No such file" as soon as that target
  // fails, while the stream still flows to the other (a backup may run for
  // hours), and not again at the end; exit 1. Left: the file whole on the
  // other host.
  it('a target that fails is said at once, not when the stream ends', async () => {
    const first = randomBytes(1024 * 1024);
    const rest = randomBytes(2 * 1024 * 1024);
    const bad = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing/b.bin`);
    const input = new PassThrough();
    const run = startCli(['put', ...flags(), toScp('b.bin'), bad], { stdin: input, timeoutMs: 60_000 });
    input.write(first);
    await waitFor(() => run.stderr().includes(`scpipe: ${bad}: open: No such file (the directory ${remotePath(sshd.sftp, sftpDir)}/missing is not there, or is a file; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(flags())} ${remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing`)})\n`), 'the failure said', 30_000);
    expect(run.child.exitCode).toBeNull(); // still reading the stream
    input.end(rest);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${bad}: open: No such file (the directory ${remotePath(sshd.sftp, sftpDir)}/missing is not there, or is a file; to make it: mkdir empty && scpipe cp -r empty ${pastedFlags(flags())} ${remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing`)})\n`);
    expect((await readFile(join(scpDir, 'b.bin'))).equals(Buffer.concat([first, rest]))).toBe(true);
    expect(await readdir(sftpDir)).toEqual([]);
  });

  // User sees, on a terminal: one progress line naming each target
  // (user@host here, as both are 127.0.0.1), erased at the end.
  it('a terminal shows one progress line with every target', async () => {
    const file = join(local(), 'in.bin');
    const data = randomBytes(6 * 1024 * 1024);
    await writeFile(file, data);
    const args = ['put', ...flags(), toScp('t.bin'), toSftp('t.bin')];
    const { status, out } = await runOnTerminal(`stty cols 300; cat ${shellQuote([file])} | ${shellQuote([process.execPath, CLI, ...args])}`);
    expect(status).toBe(0);
    const scpLabel = `${sshd.rssh.name}@${sshd.host}`;
    const sftpLabel = `${sshd.sftp.name}@${sshd.host}`;
    expect(out).toContain(`read 6 MiB `);
    expect(out).toMatch(new RegExp(`\\| ${scpLabel} done \\| ${sftpLabel} done\x1b\\[K\r\x1b\\[K`)); // the last state, then erased
    expect((await readFile(join(scpDir, 't.bin'))).equals(data)).toBe(true);
    expect((await readFile(join(sftpDir, 't.bin'))).equals(data)).toBe(true);
  });

  // User sees: the producer's failure, once, and "nothing was sent"; exit 1.
  // Left: nothing on either host (the SCP spool was never sent, the SFTP
  // temporary file removed).
  it('a producer after -- that fails: said once, nothing left on either host', async () => {
    const r = await runCli(['put', ...flags(), toScp('p.bin'), toSftp('p.bin'), '--', 'sh', '-c', 'head -c 3000000 /dev/zero; exit 3']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe("scpipe: the input command exited with status 3: sh -c 'head -c 3000000 /dev/zero; exit 3'; nothing was stored\n");
    expect(await readdir(scpDir)).toEqual([]);
    expect(await readdir(sftpDir)).toEqual([]);
  });

  // A target that cannot log in (no such account), beside two that the
  // producer's failure spoils. User sees the refusal, then the producer's
  // failure on each of the two, in the same shape; exit 1 (the first failed target's).
  // Left: nothing on either host.
  it('a producer that fails beside a target refused for its own reason: both said, each once', async () => {
    const refused = `nobody@${sshd.host}:/x.bin`;
    const r = await runCli(['put', ...flags(), toScp('p.bin'), toSftp('p.bin'), refused, '--', 'sh', '-c', 'head -c 3000000 /dev/zero; sleep 1; exit 3']);
    expect(r.stderr.split('\n').filter((l) => l !== '').sort()).toEqual([
      `scpipe: ${refused}: nobody@${sshd.host}: Permission denied (tried publickey; the server accepts publickey)`,
      `scpipe: ${toScp('p.bin')}: the input command exited with status 3: sh -c 'head -c 3000000 /dev/zero; sleep 1; exit 3'; nothing was stored`,
      `scpipe: ${toSftp('p.bin')}: the input command exited with status 3: sh -c 'head -c 3000000 /dev/zero; sleep 1; exit 3'; nothing was stored`,
    ]);
    expect(r.status).toBe(1);
    expect(await readdir(scpDir)).toEqual([]);
    expect(await readdir(sftpDir)).toEqual([]);
  });

  it('the same host twice, under two names, as parts on one and a file on the other; --json counts the parts', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    const r = await runCli(['put', ...flags(), '--json', '--part-size', '1M', toScp('set'), toScp('also')], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: true, parts: 4, protocol: 'scp', bytes: data.length, sha256: sha(data) });
    expect((await readdir(scpDir)).sort()).toEqual(['also.000000', 'also.000001', 'also.000002', 'also.000003', 'also.sha256', 'set.000000', 'set.000001', 'set.000002', 'set.000003', 'set.sha256']);
  });

  // User sees: one line, "interrupted by SIGINT", exit 130. Left: nothing
  // on either host (the SFTP temporary file removed; the SCP spool, never
  // finished, never sent) and the spool directory empty.
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129], // the terminal or SSH session that ran it is gone
  ] as const)('%s while the stream flows: exit %i, said once, nothing left on either host', async (signal, status) => {
    const endless = endlessInput();
    try {
      const run = startCli(['put', ...flags(), '--spool-dir', spool(), toScp('s.bin'), toSftp('s.bin')], { stdin: endless, timeoutMs: 60_000 });
      const inTemp = async (): Promise<boolean> => {
        const [temp] = await readdir(sftpDir);
        return temp !== undefined && (await stat(join(sftpDir, temp))).size > 0;
      };
      await waitFor(inTemp, 'data in the SFTP temporary file', 30_000);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.stderr).toBe(`scpipe: interrupted by ${signal}\n`);
      expect(r.status).toBe(status);
      expect(await readdir(sftpDir)).toEqual([]);
      expect(await readdir(scpDir)).toEqual([]);
    } finally {
      endless.destroy();
    }
  });

  // The first target refused at once (no such account), then SIGINT while
  // the others flow. User sees the refusal once and "interrupted by
  // SIGINT"; exit 130, not the refusal's 255. Left: nothing on either host.
  it('SIGINT after the first target was refused: exit 130, each said once', async () => {
    const endless = endlessInput();
    const refused = `nobody@${sshd.host}:/x.bin`;
    try {
      const run = startCli(['put', ...flags(), '--spool-dir', spool(), refused, toScp('s.bin'), toSftp('s.bin')], { stdin: endless, timeoutMs: 60_000 });
      await waitFor(async () => (await readdir(sftpDir)).length > 0 && run.stderr().includes('Permission denied'), 'the refusal and the SFTP upload under way', 30_000);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.stderr).toBe(`scpipe: ${refused}: nobody@${sshd.host}: Permission denied (tried publickey; the server accepts publickey)\nscpipe: interrupted by SIGINT\n`);
      expect(r.status).toBe(130);
      expect(await readdir(sftpDir)).toEqual([]);
      expect(await readdir(scpDir)).toEqual([]);
    } finally {
      endless.destroy();
    }
  });

  // With --size the SCP target (given second) writes its file in place as the bytes come;
  // SIGINT then leaves it cut short under the target's own name. User sees
  // that target's line saying so (as put to that one target alone says),
  // not only "interrupted by SIGINT"; exit 130. Left: the cut-short file on
  // the SCP host, nothing on the SFTP one.
  it('SIGINT while an SCP target writes in place: that target is said cut short, exit 130', async () => {
    const endless = endlessInput();
    try {
      const run = startCli(['put', ...flags(), '--size', String(1 << 30), toSftp('c.bin'), toScp('c.bin')], { stdin: endless, timeoutMs: 60_000 });
      const written = async (): Promise<boolean> => ((await stat(join(scpDir, 'c.bin')).catch(() => undefined))?.size ?? 0) > 0;
      await waitFor(written, 'data in the SCP target', 30_000);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.status).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`^scpipe: ${toScp('c.bin')}: interrupted by SIGINT; the remote file \\S+/c\\.bin is left cut short: at most \\d+ of ${1 << 30} bytes written`, 'm'));
      expect(await readdir(scpDir)).toEqual(['c.bin']);
      expect(await readdir(sftpDir)).toEqual([]);
    } finally {
      endless.destroy();
    }
  });

  // SIGINT once the SFTP target has stored the whole stream, while the SCP
  // target's server is stalled (its session processes stopped): the run of
  // `args` to the SFTP then the SCP target `name`, as scpipe ended it.
  async function interruptedAfterSftpStored(args: string[], name: string, data: Buffer): Promise<CliResult> {
    const input = new PassThrough();
    const run = startCli([...args, toSftp(name), toScp(name)], { stdin: input, timeoutMs: 90_000 });
    input.write(data.subarray(0, 1024 * 1024));
    await waitFor(async () => (await readdir(sftpDir)).length > 0, 'the SFTP upload under way', 30_000);
    // The SCP target may still be logging in on a loaded machine: wait for its session's processes.
    let rsshPids: number[] = [];
    await waitFor(async () => (rsshPids = await processesOf(sshd.rssh.uid)).length > 0, "the SCP target's session", 30_000);
    killAll(rsshPids, 'SIGSTOP');
    try {
      input.end(data.subarray(1024 * 1024));
      await waitFor(async () => (await readdir(sftpDir)).includes(name), 'the SFTP target stored', 30_000);
      run.child.kill('SIGINT');
      return await run.done;
    } finally {
      killAll(rsshPids);
    }
  }

  // User sees exit 130, a line saying the SFTP target stored the stream
  // whole, and, as when a target fails otherwise, --checksum-file holds its sum.
  it('SIGINT after one target stored the stream: --checksum-file is written for it, exit 130', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const sums = join(local(), 'k.sha256');
    const r = await interruptedAfterSftpStored(['put', ...flags(), '--spool-dir', spool(), '--checksum-file', sums], 'k.bin', data);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${toSftp('k.bin')}: stored whole before the signal\n`));
    expect((await readFile(join(sftpDir, 'k.bin'))).equals(data)).toBe(true);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  k.bin\n`);
  }, 60_000);

  // The same with --json: the target that stored the stream is not among the failed.
  it('SIGINT after one target stored the stream, --json: failed names only the other target', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const r = await interruptedAfterSftpStored(['put', '--json', ...flags(), '--spool-dir', spool()], 'j.bin', data);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${toSftp('j.bin')}: stored whole before the signal\n`, 'm'));
    const summary = JSON.parse(r.stdout.toString()) as { ok: boolean; failed: string[]; destinations: string[] };
    expect(summary).toMatchObject({ ok: false, destinations: [toSftp('j.bin'), toScp('j.bin')], failed: [toScp('j.bin')] });
  }, 60_000);

  it('a word before -- that is not a remote target: exit 2, and nothing runs', async () => {
    const r = await runCli(['put', ...flags(), toScp('x'), 'tar'], { stdin: 'x' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unexpected argument "tar": put takes remote targets ([user@]host:path)');
    expect(await readdir(scpDir)).toEqual([]);
  });
});
