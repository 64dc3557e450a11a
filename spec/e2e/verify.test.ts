// put --verify: the stored file is read back and its SHA-256 compared with
// the one taken as the bytes went. Against real sshd for the honest cases;
// a remote that stores other bytes than it was sent (a failing disk) is a
// remote `scp` that flips a byte after writing (the normal account's
// --scp-path), and for SFTP the in-process lying server.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { waitFor } from '../helpers/async';
import { startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';

const sshd = sshdPerSuite();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each([
  ['over SCP (-O, the rssh-like account)', () => sshd.rssh, ['-O'], /scpipe: verify: read back \S+\/v\.bin in \d+\.\d\d s: SHA-256 as sent\n/],
  ['over SFTP (the internal-sftp jail), before the rename', () => sshd.sftp, [], /scpipe: verify: read back \S+\/\.v\.bin\.scpipe-\w{6} in \d+\.\d\d s: SHA-256 as sent\n/],
  ['as a parts set', () => sshd.rssh, ['--part-size', '1M'], /scpipe: verify: read back \S+\/v\.bin \(5 part\(s\)\) in \d+\.\d\d s: every part and the whole stream as sent\n/],
  ['as a parts set on the sftp-only host (over SFTP both ways)', () => sshd.sftp, ['--part-size', '1M'], /scpipe: verify: read back \S+\/v\.bin \(5 part\(s\)\) in \d+\.\d\d s: every part and the whole stream as sent\n/],
])('put --verify %s', (_how, account, extra, said) => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(account(), 'verify');
    rdir = remotePath(account(), dir);
  });

  it('reads the stored file back; -v says it matched; exit 0 and the file byte-exact', async () => {
    const data = randomBytes(4 * 1024 * 1024 + 3);
    const r = await runCli(['put', ...sshFlags(sshd, account()), ...extra, '--verify', '-v', remote(sshd, account(), `${rdir}/v.bin`)], { stdin: data });
    expect(r.stderr).toMatch(said);
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('scpipe: ') || /error|fail|cannot/i.test(l))).toEqual(['']);
    expect(r.status).toBe(0);
    if (extra[0] === '--part-size') {
      // Five parts of 1 MiB (the last 3 bytes over 4 MiB) and the manifest, nothing else; the parts are the stream.
      const parts = ['v.bin.000000', 'v.bin.000001', 'v.bin.000002', 'v.bin.000003', 'v.bin.000004'];
      expect((await readdir(dir)).sort()).toEqual([...parts, 'v.bin.sha256']);
      expect(Buffer.concat(await Promise.all(parts.map((p) => readFile(join(dir, p))))).equals(data)).toBe(true);
      expect(await readFile(join(dir, 'v.bin.sha256'), 'utf8')).toContain(`# sha256 ${sha(data)}\n`);
    } else {
      expect((await readFile(join(dir, 'v.bin'))).equals(data)).toBe(true);
      expect(await readdir(dir)).toEqual(['v.bin']);
    }
  });
});

// put --verify -O of `data` to the normal account, whose remote scp is `script` (--scp-path).
async function putVerifyThrough(script: string, data: Buffer, extra: string[] = [], at?: string): Promise<{ r: Awaited<ReturnType<typeof runCli>>; dir: string; rdir: string }> {
  const account: TestAccount = sshd.user;
  const dir = at ?? (await userDir(account, 'verify-scp'));
  const rdir = remotePath(account, dir);
  const scp = join(dir, 'remote-scp');
  await writeFile(scp, script);
  await chmod(scp, 0o755);
  const r = await runCli(['put', ...sshFlags(sshd, account), '-O', '--scp-path', scp, '--verify', ...extra, remote(sshd, account, `${rdir}/v.bin`)], { stdin: data });
  return { r, dir, rdir };
}

describe('put --verify, a remote that stores other bytes than it was sent', () => {
  // User sees: exit 1, "PATH: read back, its SHA-256 is X, not Y as sent; the
  // remote file cannot be trusted: remove or overwrite it". Left: the
  // altered file remotely (scp -t wrote it in place), nothing locally.
  it('over SCP: exit 1, and the message says the remote file cannot be trusted', async () => {
    // Runs the real scp; after a sink run, flips the first byte of the file it wrote.
    const data = randomBytes(1024 * 1024);
    const { r, dir, rdir } = await putVerifyThrough('#!/bin/sh\nscp "$@" || exit\ncase "$1" in -t) for last; do :; done; printf X | dd of="$last" bs=1 count=1 conv=notrunc 2>/dev/null;; esac\n', data);
    const stored = await readFile(join(dir, 'v.bin'));
    expect(stored[0]).toBe(0x58);
    expect(r.stderr).toBe(`scpipe: ${rdir}/v.bin: read back, its SHA-256 is ${sha(stored)}, not ${sha(data)} as sent; the remote file cannot be trusted: remove or overwrite it\n`);
    expect(r.status).toBe(1);
  });

  // --json gave "sha256": null here, though the sum as sent is in the
  // message. User sees now: that sum in the summary, exit 1.
  it('over SCP with --json: the summary gives the SHA-256 as sent', async () => {
    const data = randomBytes(64 * 1024);
    const { r } = await putVerifyThrough('#!/bin/sh\nscp "$@" || exit\ncase "$1" in -t) for last; do :; done; printf X | dd of="$last" bs=1 count=1 conv=notrunc 2>/dev/null;; esac\n', data, ['--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`read back, its SHA-256 is [0-9a-f]{64}, not ${sha(data)} as sent; the remote file cannot be trusted`));
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 1, sha256: sha(data), error: { code: 'ERR_CHECKSUM' } });
  });

  // A parts set whose second part the remote altered. User sees: exit 1,
  // "DIR/v.bin: read back, part v.bin.000001 does not match its SHA-256 in
  // the manifest; the parts set cannot be trusted". Left: the set remotely.
  it('a parts set: exit 1, naming the part that differs, and saying the set cannot be trusted', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    // Flipped as the manifest goes, once every part was confirmed: after the
    // part's own scp it could come later than the read-back.
    const dir = await userDir(sshd.user, 'verify-scp');
    const flipSecond = `#!/bin/sh\ncase "$1" in -t) for last; do :; done; case "$last" in *.00000?) ;; *) printf X | dd of=${shellQuote([join(dir, 'v.bin.000001')])} bs=1 count=1 conv=notrunc 2>/dev/null;; esac;; esac\nexec scp "$@"\n`;
    const { r, rdir } = await putVerifyThrough(flipSecond, data, ['--part-size', '1M'], dir);
    expect(r.stderr).toBe(`scpipe: ${rdir}/v.bin: read back, part v.bin.000001 does not match its SHA-256 in the manifest; the parts set cannot be trusted\n`);
    expect(r.status).toBe(1);
  });

  // An upload-only archive (scp -f refused). User sees: exit 1, "PATH was
  // stored, but reading it back to verify it failed: …". Left: the file,
  // whole, remotely, and the --checksum-file line of the sum taken as it was sent.
  it('over SCP to a host that refuses downloads: exit 1 saying the file was stored but not verified; --checksum-file is written', async () => {
    const data = randomBytes(100_000);
    const sums = join(await userDir(sshd.user, 'verify-sums'), 'v.sha256');
    const { r, dir, rdir } = await putVerifyThrough('#!/bin/sh\ncase "$1" in -f) echo "archive: downloads are not allowed" >&2; exit 1;; esac\nexec scp "$@"\n', data, ['--checksum-file', sums]);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  v.bin\n`);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${rdir}/v\\.bin was stored, but reading it back to verify it failed: .*\\n`));
    expect(r.stderr).toContain('archive: downloads are not allowed');
    expect(r.status).toBe(1);
    expect((await readFile(join(dir, 'v.bin'))).equals(data)).toBe(true);
  });

  // SIGINT while the stored file is read back (the remote's scp -f is
  // slow). User sees "interrupted by SIGINT; PATH was stored, but reading it
  // back to verify it failed", exit 130. Left: the file, whole, remotely.
  it('SIGINT in the read-back over SCP: exit 130, saying the file was stored', async () => {
    const account: TestAccount = sshd.user;
    const dir = await userDir(account, 'verify-int');
    const rdir = remotePath(account, dir);
    const scp = join(dir, 'remote-scp');
    await writeFile(scp, '#!/bin/sh\ncase "$1" in -f) exec sleep 600;; esac\nexec scp "$@"\n');
    await chmod(scp, 0o755);
    const data = randomBytes(100_000);
    const run = startCli(['put', ...sshFlags(sshd, account), '-O', '-v', '--scp-path', scp, '--verify', remote(sshd, account, `${rdir}/v.bin`)], { stdin: data, timeoutMs: 60_000 });
    await waitFor(() => run.stderr().includes('remote-scp\' -f') || run.stderr().includes('remote-scp -f'), 'the read-back to start', 30_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`\\nscpipe: interrupted by SIGINT; ${rdir}/v\\.bin was stored, but reading it back to verify it failed\\n$`));
    expect((await readFile(join(dir, 'v.bin'))).equals(data)).toBe(true);
  });

  describe('over SFTP', () => {
    let fake: HostileSftp | undefined;
    afterEach(async () => {
      await fake?.stop();
      fake = undefined;
    });

    // User sees: exit 1, "...; the upload was not renamed into place, and
    // the target is as it was". Left remotely: the old target only (the
    // temporary file removed, no rename).
    it('exit 1 before the rename: the temporary file is removed and the target is never replaced', async () => {
      fake = await startHostileSftp({
        stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined),
        list: () => undefined,
        // The first byte flipped: a fixed 'X' matched one random input in 256.
        storeWrite: (_path, offset, data) => (offset === 0 ? Buffer.concat([Buffer.from([data[0]! ^ 0xff]), data.subarray(1)]) : data),
      });
      const data = randomBytes(600_000);
      const r = await runCli(['put', ...fake.args(), '--verify', 'backup@127.0.0.1:/d/v.bin'], { stdin: data });
      expect(r.status).toBe(1);
      const altered = Buffer.concat([Buffer.from([data[0]! ^ 0xff]), data.subarray(1)]);
      expect(r.stderr).toBe(`scpipe: /d/v.bin: read back, its SHA-256 is ${sha(altered)}, not ${sha(data)} as sent; the upload was not renamed into place, and the target is as it was\n`);
      expect(fake.uploads.ops.some((op) => op.startsWith('rename'))).toBe(false);
      expect([...fake.uploads.files.keys()]).toEqual([]);
    });
  });
});

// SIGINT while the SFTP upload is read back, before the rename. User sees
// "interrupted by SIGINT", exit 130. Left: the old target as it was, no
// temporary file (docs/failures.md "--verify").
describe('put --verify over SFTP, SIGINT in the read-back', () => {
  it('exit 130; the target is as it was and the temporary file is removed', async () => {
    const dir = await userDir(sshd.sftp, 'verify-sftp-int');
    await writeFile(join(dir, 'v.bin'), 'old');
    await chown(join(dir, 'v.bin'), sshd.sftp.uid, sshd.sftp.gid);
    const data = randomBytes(16 * 1024 * 1024);
    // -l 40000: 5 MB/s each way, so the read-back takes seconds.
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '-l', '40000', '--verify', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/v.bin`)], { stdin: data, timeoutMs: 90_000 });
    const whole = async (): Promise<boolean> => {
      const temp = (await readdir(dir)).find((n) => n.startsWith('.v.bin.scpipe-'));
      return temp !== undefined && (await stat(join(dir, temp)).catch(() => undefined))?.size === data.length;
    };
    await waitFor(whole, 'the whole upload in the temporary file', 60_000);
    await new Promise((r) => setTimeout(r, 500));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGINT/);
    expect(await readdir(dir)).toEqual(['v.bin']);
    expect(await readFile(join(dir, 'v.bin'), 'utf8')).toBe('old');
  }, 120_000);
});

// The connection lost in the SFTP read-back, no retries. User sees the loss
// and that the upload is left whole under its temporary name (not "partial":
// every byte was acknowledged), exit 1. Left: the old target, and that file.
describe('put --verify over SFTP, the connection lost in the read-back with --retries 0', () => {
  it('exit 1, naming the temporary file as the whole upload; the target is as it was', async () => {
    const dir = await userDir(sshd.sftp, 'verify-sftp-lost');
    await writeFile(join(dir, 'v.bin'), 'old');
    await chown(join(dir, 'v.bin'), sshd.sftp.uid, sshd.sftp.gid);
    const data = randomBytes(16 * 1024 * 1024);
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '-l', '40000', '--retries', '0', '--verify', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/v.bin`)], { stdin: data, timeoutMs: 90_000 });
    let temp: string | undefined;
    const whole = async (): Promise<boolean> => {
      temp = (await readdir(dir)).find((n) => n.startsWith('.v.bin.scpipe-'));
      return temp !== undefined && (await stat(join(dir, temp)).catch(() => undefined))?.size === data.length;
    };
    await waitFor(whole, 'the whole upload in the temporary file', 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`; the upload, whole but not renamed into place, is left in \\S+/${temp!.replace(/\./g, '\\.')}\n$`));
    expect(await readFile(join(dir, 'v.bin'), 'utf8')).toBe('old');
    expect((await readFile(join(dir, temp!))).equals(data)).toBe(true);
  }, 120_000);
});

// User sees: a retry line for the read-back, then exit 0. Left: the file,
// whole, remotely (it is not sent again: only the read-back starts over).
describe('put --verify, a connection lost during the read-back', () => {
  it('over SCP: reads it back again over a new connection, and the upload is not sent again', async () => {
    await sshd.setRsshAllowed(['scp']);
    const dir = await userDir(sshd.rssh, 'verify-lost');
    const data = randomBytes(16 * 1024 * 1024);
    // -l 40000: 5 MB/s each way, so the read-back takes seconds.
    const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '-l', '40000', '--verify', '-v', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/v.bin`)], { stdin: data, timeoutMs: 90_000 });
    await waitFor(() => /exec: scp -f /.test(run.stderr()), 'the read-back to start', 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.stderr).toMatch(/; retry 1 of 5 in 1 s\n/);
    expect(r.stderr.match(/exec: scp -t /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/scpipe: verify: read back \S+\/v\.bin in \d+\.\d\d s: SHA-256 as sent\n/);
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'v.bin'))).equals(data)).toBe(true);
  }, 120_000);
});
