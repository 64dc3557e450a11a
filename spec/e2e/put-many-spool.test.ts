// put to several targets over SCP (the rssh-like account, several times):
// the stream is spooled once, and every SCP target replays that one spool,
// also after a dropped connection. What the user sees, what each host
// stores, and that the spool directory holds one file, then none.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { endlessInput, pastedFlags, remote, startCli, sshFlags } from '../helpers/cli';
import { waitFor, waitForSteady } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';
import { openSpoolFilesIn } from '../helpers/open-files';
import { dropConnections } from '../helpers/drop-connections';
import { withTmpfs } from '../helpers/tmpfs';
import { knownHostsFor } from '../helpers/latency-proxy';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { killAll } from '../helpers/drop-connections';

const sshd = sshdPerSuite();
const spool = tempDirPerTest('scpipe-test-many-spool-', { mustEndEmpty: true });
const scratch = tempDirPerTest('scpipe-test-many-spool-hosts-'); // known_hosts for the proxy's port: the spool dir must end empty
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let scpDir: string;
let sftpDir: string;
beforeEach(async () => {
  await sshd.setRsshAllowed(['scp']);
  scpDir = await userDir(sshd.rssh, 'many-spool');
  sftpDir = await userDir(sshd.sftp, 'many-spool');
});
const flags = (): string[] => [...sshFlags(sshd, sshd.rssh), '-i', sshd.sftp.keyPath];
const reach = (): string => pastedFlags(flags()); // as a command a message gives carries them
const toScp = (name: string): string => remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/${name}`);
const toSftp = (name: string): string => remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/${name}`);

describe('put to several SCP targets: one spool', () => {
  // Each SCP target spooled its own copy: two scp-only hosts took twice the
  // spool disk. User sees now: exit 0, each host byte-exact; while the input
  // flows the run holds one spool file open; left: no spool file.
  it('three SCP targets replay one spool file, and each stores the stream byte-exact', async () => {
    const data = randomBytes(24 * 1024 * 1024 + 5); // past what the split holds ahead of its slowest reader
    const input = new PassThrough();
    const names = ['a.bin', 'b.bin', 'c.bin'];
    const run = startCli(['put', ...flags(), '--memory', '0', '--spool-dir', spool(), ...names.map(toScp)], { stdin: input, timeoutMs: 120_000 });
    input.write(data);
    const open = (): number => openSpoolFilesIn(spool(), run.child.pid!).length;
    await waitFor(() => open() > 0, 'a spool file', 30_000);
    await waitForSteady(open, 'the spool files open');
    expect(open()).toBe(1);
    input.end();
    const r = await run.done;
    expect(r).toMatchObject({ status: 0, stderr: '' });
    for (const name of names) expect(sha(await readFile(join(scpDir, name)))).toBe(sha(data));
  });

  // A connection lost while spooling, on every SCP target at once: each
  // retries, replaying the one spool. User sees a retry line for each,
  // exit 0; left: each file byte-exact, no spool file.
  it('after a dropped connection each SCP target sends the shared spool again, byte-exact', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...flags(), '-v', '--memory', '1M', '--spool-dir', spool(), toScp('r1.bin'), toScp('r2.bin')], { stdin: input, timeoutMs: 120_000 });
    input.write(data.subarray(0, 2 * 1024 * 1024));
    // Both chose SCP: a loss before that is a failed connect, not retried.
    await waitFor(() => (run.stderr().match(/: protocol: scp /g) ?? []).length === 2, 'both targets on SCP', 30_000);
    await waitFor(() => openSpoolFilesIn(spool(), run.child.pid!).length > 0, 'the spool spilled to its file', 30_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    input.end(data.subarray(2 * 1024 * 1024));
    const r = await run.done;
    expect(r.stderr).toMatch(/r1\.bin: .*; retry 1 of 5/);
    expect(r.stderr).toMatch(/r2\.bin: .*; retry 1 of 5/);
    expect(r.status).toBe(0);
    for (const name of ['r1.bin', 'r2.bin']) expect((await readFile(join(scpDir, name))).equals(data)).toBe(true);
  });

  // One SCP target refused (its directory is missing: scp -t says so at the
  // file's header, once the spool is whole) while the other replays it. User sees that target's line, exit 1; left:
  // the file whole on the other, no spool file.
  it('an SCP target that fails lets the spool go on for the other', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const bad = remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/missing/f.bin`);
    const r = await startCli(['put', ...flags(), '--memory', '1M', '--spool-dir', spool(), bad, toScp('f.bin')], { stdin: data, timeoutMs: 120_000 }).done;
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe(`scpipe: ${bad}: remote: scp: ${remotePath(sshd.rssh, scpDir)}/missing/f.bin: No such file or directory (the directory ${remotePath(sshd.rssh, scpDir)}/missing is not there; to make it: mkdir empty && scpipe cp -r empty ${reach()} ${remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/missing`)})\n`);
    expect((await readFile(join(scpDir, 'f.bin'))).equals(data)).toBe(true);
    expect(await readdir(scpDir)).toEqual(['f.bin']);
  });

  // One SCP target's remote scp killed while both replay the spool (a slow
  // link), with --retries 0: that target fails, the other replays on to
  // the end. User sees that target's line, exit 1; left: the other's file
  // byte-exact, the failed one cut short, no spool file.
  it('an SCP target that fails mid-way leaves the spool to the other, which stores the stream whole', async () => {
    const proxy = await startThrottleProxy(sshd.port, 4 * 1024 * 1024);
    try {
      const data = randomBytes(12 * 1024 * 1024);
      const hosts = knownHostsFor(sshd, proxy.port, join(scratch(), 'known_hosts'));
      const via = sshFlags({ ...sshd, port: proxy.port, knownHostsPath: hosts }, sshd.rssh);
      const run = startCli(['put', ...via, '--retries', '0', '--memory', '1M', '--spool-dir', spool(), toScp('m1.bin'), toScp('m2.bin')], { stdin: data, timeoutMs: 120_000 });
      const size = async (name: string): Promise<number> => (await stat(join(scpDir, name)).catch(() => undefined))?.size ?? 0;
      await waitFor(async () => (await size('m1.bin')) > 0, 'm1.bin being written', 60_000);
      // The remote scp writing m1.bin (its command line names it).
      const pids = await sshd.connectionPids();
      const named = await Promise.all(pids.map(async (pid) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('m1.bin')));
      killAll(pids.filter((_, i) => named[i]));
      const r = await run.done;
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`scpipe: ${toScp('m1.bin')}: remote command exited with status 137 while sending the file data`); // after the remote's own "Killed"
      expect(r.stderr).not.toContain('m2.bin');
      expect((await readFile(join(scpDir, 'm2.bin'))).equals(data)).toBe(true);
      expect(await size('m1.bin')).toBeLessThan(data.length);
    } finally {
      await proxy.close();
    }
  });

  // No target chooses SCP (one speaks SFTP, one cannot log in): the spool's
  // branch is let go, so the stream, past what the split holds ahead, is not
  // held for it. User sees the failed login, exit 255; left: the SFTP file
  // whole, nothing spooled (no -v spool line).
  it('no SCP target: nothing is spooled, and the SFTP target is not held back', async () => {
    const data = randomBytes(24 * 1024 * 1024);
    const stranger = remote(sshd, { ...sshd.rssh, name: 'scpipe-nobody' }, '/x.bin');
    const r = await startCli(['put', ...flags(), '-v', '--memory', '0', '--spool-dir', spool(), toSftp('n.bin'), stranger], { stdin: data, timeoutMs: 120_000 }).done;
    expect(r.status).toBe(255); // the failed login's
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${stranger}: `, 'm'));
    expect(r.stderr).not.toMatch(/spool: /);
    expect((await readFile(join(sftpDir, 'n.bin'))).equals(data)).toBe(true);
  });

  // SIGINT while the shared spool is fed: exit 130, said once; left: no
  // file on the host, no spool file (and none held open till the end).
  it('SIGINT while the shared spool is fed leaves nothing', async () => {
    const endless = endlessInput();
    try {
      const run = startCli(['put', ...flags(), '--memory', '0', '--spool-dir', spool(), toScp('i1.bin'), toScp('i2.bin')], { stdin: endless, timeoutMs: 60_000 });
      await waitFor(() => openSpoolFilesIn(spool(), run.child.pid!).length > 0, 'the spool file', 30_000);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r).toMatchObject({ status: 130, stderr: 'scpipe: interrupted by SIGINT\n' });
      expect(await readdir(scpDir)).toEqual([]);
    } finally {
      endless.destroy();
    }
  });

  // The spool disk fills: both SCP targets fail with it, said in full once;
  // the SFTP target, which spools nothing, still stores the whole stream.
  // Left: nothing on the SCP host, the file on the SFTP one, an empty tmpfs.
  it('a full spool disk fails every SCP target, said once; an SFTP target beside them lands', async () => {
    await withTmpfs('4m', async (small) => {
      const data = randomBytes(12 * 1024 * 1024);
      const run = startCli(['put', ...flags(), '--memory', '0', '--spool-dir', small, toScp('s1.bin'), toSftp('s.bin'), toScp('s2.bin')], { stdin: data, timeoutMs: 120_000 });
      const r = await run.done;
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      const [first, second] = lines[0]!.startsWith(`scpipe: ${toScp('s1.bin')}`) ? ['s1.bin', 's2.bin'] : ['s2.bin', 's1.bin'];
      expect(lines[0]).toMatch(new RegExp(`^scpipe: ${toScp(first).replace(/[.]/g, '\\.')}: cannot write spool file in ${small}: No space left on device`));
      expect(lines[1]).toBe(`scpipe: ${toScp(second)}: the same spool failure as ${toScp(first)}`);
      expect((await readFile(join(sftpDir, 's.bin'))).equals(data)).toBe(true);
      expect(await readdir(scpDir)).toEqual([]);
      expect(await readdir(small)).toEqual([]);
    });
  });
});
