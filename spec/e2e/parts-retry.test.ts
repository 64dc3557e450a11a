// A parts upload survives a dropped connection: the sshd processes serving
// it are killed in the middle of a part and once just before the manifest;
// the run reconnects, resends from the spool and completes byte-exact, with
// no part twice or half-written. A full remote disk is final: no retry.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { bandwidthLimit, get, put, type RetryEvent } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections, killAll } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';
import { startHostileSftp } from '../helpers/hostile-sftp';
import { remote, runCli, runCliWithFile, sshFlags } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { openSpoolFilesIn } from '../helpers/open-files';
import { unmount } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-spool-', { mustEndEmpty: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'retry');
});

const target = () => connectOptions(sshd, sshd.rssh);

const MiB = 1024 * 1024;

function expectCompleteSet(name: string, data: Buffer, count: number): void {
  const files = readdirSync(dir).sort();
  expect(files).toEqual([...Array.from({ length: count }, (_, i) => `${name}.${String(i).padStart(6, '0')}`), `${name}.sha256`]);
  const joined = Buffer.concat(files.filter((f) => !f.endsWith('.sha256')).map((f) => readFileSync(join(dir, f))));
  expect(joined.equals(data)).toBe(true);
  execFileSync('sha256sum', ['-c', '--strict', '--quiet', `${name}.sha256`], { cwd: dir });
}

describe('parts over a dropped connection', () => {
  it('killed in the middle of a part: reconnects, resends from the spool, completes byte-exact', async () => {
    const data = randomBytes(2 * 32 * MiB + 5);
    const retries: RetryEvent[] = [];
    // 20 MB/s: the kill lands in the middle of a part even when the machine is busy.
    const running = put({ ...target(), bandwidth: bandwidthLimit(160_000) }, `${dir}/k.bin`, Readable.from([data]), {
      partSize: 32 * MiB, parallel: 2, spoolDir: spoolDir(), memoryLimit: 16 * MiB, backoffMs: [0], onRetry: (e) => retries.push(e),
    });
    // A part file that has some bytes but not all: the upload is under way.
    const midPart = (): boolean =>
      readdirSync(dir).some((f) => /\.\d{6}$/.test(f) && statSync(join(dir, f)).size > 0 && statSync(join(dir, f)).size < 32 * MiB);
    await waitFor(midPart, 'a part half-written remotely', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const result = await running;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]!.error).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    expect(result.parts!.parts.some((p) => p.attempts > 1)).toBe(true);
    expect(result.parts!).toMatchObject({ count: 3, resends: result.parts!.parts.reduce((n, p) => n + p.attempts - 1, 0), onDisk: true });
    expectCompleteSet('k.bin', data, 3);
    const download = await get(target(), `${dir}/k.bin`, { spoolDir: spoolDir() });
    const back: Buffer[] = [];
    for await (const chunk of download.body) back.push(chunk as Buffer);
    expect(Buffer.concat(back).equals(data)).toBe(true);
  }, 120_000);

  // A restore cut off in the middle of a part (it is spilling to the spool
  // directory, past 1 MiB of RAM): that part is fetched again, the stream
  // comes out byte-exact with nothing twice, and each retry names its part
  // (the CLI says "k.bin.000001: connection lost …; retry 1 of 5").
  it('get of a set killed in the middle of a part: fetches that part again, byte-exact; the retry names the part', async () => {
    const data = randomBytes(2 * 32 * MiB + 5);
    await put(target(), `${dir}/g.bin`, Readable.from([data]), { partSize: 32 * MiB, parallel: 2, spoolDir: spoolDir() });
    const retries: (RetryEvent & { file?: string })[] = [];
    const spool = spoolDir();
    const download = await get({ ...target(), bandwidth: bandwidthLimit(160_000) }, `${dir}/g.bin`, {
      parallel: 2, spoolDir: spool, memoryLimit: MiB, backoffMs: [0], onRetry: (e) => retries.push(e),
    });
    const back: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of download.body) back.push(chunk as Buffer);
    })();
    await waitFor(() => openSpoolFilesIn(spool).length > 0, 'a part spilling to the spool directory', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    await reading;
    await download.done;
    expect(Buffer.concat(back).equals(data)).toBe(true);
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries) expect(r.file).toMatch(/^g\.bin\.00000[0-2]$/);
  }, 120_000);

  // The sftp-only jail: parts go over SFTP into temporary names. User sees
  // a retry line; left: the whole set, and no temporary file (the part cut
  // short is resumed in place, then renamed).
  it('over SFTP (an sftp-only host), killed in the middle of a part: resumes it, completes byte-exact, no temporary file left', async () => {
    const jailed = await userDir(sshd.sftp, 'retry');
    const rjail = remotePath(sshd.sftp, jailed);
    const data = randomBytes(2 * 32 * MiB + 5);
    const retries: RetryEvent[] = [];
    const running = put({ ...connectOptions(sshd, sshd.sftp), bandwidth: bandwidthLimit(160_000) }, `${rjail}/k.bin`, Readable.from([data]), {
      partSize: 32 * MiB, parallel: 2, spoolDir: spoolDir(), memoryLimit: 16 * MiB, backoffMs: [0], onRetry: (e) => retries.push(e),
    });
    const midPart = (): boolean =>
      readdirSync(jailed).some((f) => /\.scpipe-\w{6}$/.test(f) && statSync(join(jailed, f), { throwIfNoEntry: false })?.size! > 0);
    await waitFor(midPart, 'a part half-written remotely', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const result = await running;
    expect(result.protocol).toBe('sftp');
    expect(retries.length).toBeGreaterThan(0);
    const files = readdirSync(jailed).sort();
    expect(files).toEqual(['k.bin.000000', 'k.bin.000001', 'k.bin.000002', 'k.bin.sha256']);
    expect(Buffer.concat(files.slice(0, 3).map((f) => readFileSync(join(jailed, f)))).equals(data)).toBe(true);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'k.bin.sha256'], { cwd: jailed });
  }, 120_000);

  // Several parts over SFTP lose their one connection at once. Each resumes
  // on the one new connection, made once for all; none renews the connection
  // again under the others (which cost each of them a retry more, with the
  // default backoff over a minute, and could spend their retries). User sees
  // one retry line per part cut off, each "retry 1 of 5"; left: the set.
  it('over SFTP, several parts cut off at once: one new connection for all, and each part resumes at its first retry', async () => {
    const jailed = await userDir(sshd.sftp, 'retry-many');
    const rjail = remotePath(sshd.sftp, jailed);
    const data = randomBytes(4 * 8 * MiB + 5);
    const retries: RetryEvent[] = [];
    const running = put({ ...connectOptions(sshd, sshd.sftp), bandwidth: bandwidthLimit(160_000) }, `${rjail}/m.bin`, Readable.from([data]), {
      partSize: 8 * MiB, parallel: 4, spoolDir: spoolDir(), memoryLimit: 16 * MiB, backoffMs: [0], onRetry: (e) => retries.push(e),
    });
    const written = (f: string): number => statSync(join(jailed, f), { throwIfNoEntry: false })?.size ?? 0;
    const twoUnderWay = (): boolean => readdirSync(jailed).filter((f) => /\.scpipe-\w{6}$/.test(f) && written(f) > 0).length >= 2;
    await waitFor(twoUnderWay, 'two parts half-written remotely', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    await running;
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((e) => e.retry)).toEqual(retries.map(() => 1));
    expect(retries.filter((e) => !e.sharedReconnection)).toHaveLength(1); // one reconnection, for --json's count
    const files = readdirSync(jailed).sort();
    expect(files).toEqual(['m.bin.000000', 'm.bin.000001', 'm.bin.000002', 'm.bin.000003', 'm.bin.000004', 'm.bin.sha256']);
    expect(Buffer.concat(files.slice(0, 5).map((f) => readFileSync(join(jailed, f)))).equals(data)).toBe(true);
  }, 120_000);

  // The connection goes right after the server made a part's temporary file,
  // before its answer: the next attempt removes that file. User sees a retry
  // line, exit 0; left: the set and nothing else.
  it('over SFTP, lost as a part\'s temporary file was made: the retry removes it, and the set completes', async () => {
    let dropped = false;
    const fake = await startHostileSftp({
      stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined),
      list: () => undefined,
      dropOnOpen: (path) => !dropped && /\/\.p\.000001\.scpipe-\w{6}$/.test(path) && (dropped = true),
    });
    try {
      const data = randomBytes(3 * MiB);
      const r = await runCli(['put', ...fake.args(), '-s', '--part-size', '1M', '--parallel', '1', 'backup@127.0.0.1:/d/p'], { stdin: data, timeoutMs: 60_000 });
      expect(r.stderr).toMatch(/^scpipe: p\.000001: .*an empty temporary file may be left in \/d\/\.p\.000001\.scpipe-\w{6}; retry 1 of 5 in 1 s\n$/);
      expect(r.status).toBe(0);
      expect([...fake.uploads.files.keys()].sort()).toEqual(['/d/p.000000', '/d/p.000001', '/d/p.000002', '/d/p.sha256']);
      expect(Buffer.concat(['/d/p.000000', '/d/p.000001', '/d/p.000002'].map((f) => fake.uploads.files.get(f)!)).equals(data)).toBe(true);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual([expect.stringMatching(/^remove \/d\/\.p\.000001\.scpipe-\w{6}$/)]);
    } finally {
      await fake.stop();
    }
  }, 90_000);

  // Lost at every rename of a part, --retries 1: the part's own retry is
  // spent at the second loss, and the part is not sent again whole over the
  // same link. User sees one retry line, then the error saying the retry was
  // spent, exit 1; left: that part's temporary file, whole, and no manifest.
  it('over SFTP, lost at every rename of a part: its spent retries end the run, the part not sent again whole', async () => {
    const fake = await startHostileSftp({
      stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined),
      list: () => undefined,
      dropOnRename: (_from, to) => to === '/d/p.000000',
    });
    try {
      const data = randomBytes(MiB / 2);
      const r = await runCli(['put', ...fake.args(), '-s', '--part-size', '1M', '--parallel', '1', '--retries', '1', 'backup@127.0.0.1:/d/p'], { stdin: data, timeoutMs: 60_000 });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toEqual([expect.stringMatching(/^scpipe: \/d\/p\.000000: .*; retry 1 of 1 in 1 s$/), expect.stringMatching(/; not retried: 1 retry was spent since a connection last moved the transfer on by 16 MiB; the rename's answer was lost, .*; the parts set p is incomplete/)]);
      expect(r.status).toBe(1);
      const temps = [...fake.uploads.files.keys()];
      expect(temps).toEqual([expect.stringMatching(/^\/d\/\.p\.000000\.scpipe-\w{6}$/)]);
      expect(fake.uploads.files.get(temps[0]!)!.equals(data)).toBe(true);
      expect(fake.uploads.ops.filter((op) => op.startsWith('open '))).toEqual([`open ${temps[0]}`, `open ${temps[0]}`]); // made once, reopened once to finish
    } finally {
      await fake.stop();
    }
  }, 90_000);

  // Lost at the first write of a part, every time, --retries 1: the second
  // loss moved nothing on, so the part's own retry is spent, and the part is
  // not begun again whole. User sees one retry line, then the error saying
  // the retry was spent, exit 1; left: the part's temporary file, no manifest.
  it('over SFTP, lost at every first write of a part: its spent retries end the run, the part not begun again', async () => {
    const fake = await startHostileSftp({
      stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined),
      list: () => undefined,
      dropOnWrite: (path, offset) => /\/\.p\.000000\.scpipe-\w{6}$/.test(path) && offset === 0,
    });
    try {
      const r = await runCli(['put', ...fake.args(), '-s', '--part-size', '1M', '--parallel', '1', '--retries', '1', 'backup@127.0.0.1:/d/p'], { stdin: randomBytes(MiB / 2), timeoutMs: 60_000 });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toEqual([expect.stringMatching(/^scpipe: p\.000000: .*; retry 1 of 1 in 1 s$/), expect.stringMatching(/; not retried: 1 retry was spent since a connection last moved the transfer on by 16 MiB; the partial upload is left in \/d\/\.p\.000000\.scpipe-\w{6}; the parts set p is incomplete/)]);
      expect(r.status).toBe(1);
      const temps = [...fake.uploads.files.keys()];
      expect(temps).toEqual([expect.stringMatching(/^\/d\/\.p\.000000\.scpipe-\w{6}$/)]);
      expect(fake.uploads.ops.filter((op) => op.startsWith('open '))).toEqual([`open ${temps[0]}`, `open ${temps[0]}`]); // made once, reopened once to resume
    } finally {
      await fake.stop();
    }
  }, 90_000);

  it('killed just before the manifest: the manifest is sent again and the set completes', async () => {
    const data = randomBytes(3 * MiB);
    let pids: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* producer(): AsyncGenerator<Buffer> {
      yield data.subarray(0, 2 * MiB);
      await gate; // the connection is up: its processes are known
      yield data.subarray(2 * MiB);
    }
    const retries: RetryEvent[] = [];
    const running = put(target(), `${dir}/m.bin`, producer(), {
      partSize: MiB, parallel: 2, spoolDir: spoolDir(), backoffMs: [0], onRetry: (e) => retries.push(e),
      // Called synchronously right before the manifest goes.
      now: () => {
        killAll(pids);
        return new Date('2026-12-03T00:00:00Z');
      },
    });
    // Once a part has arrived the user's session exists: before that, the pids
    // may be only the pre-authentication ones, whose death leaves the connection up.
    await waitFor(() => readdirSync(dir).some((n) => n.startsWith('m.bin.0')), 'the first part', 30_000);
    pids = await sshd.connectionPids();
    expect(pids.length).toBeGreaterThan(0);
    release();
    await running;
    expect(retries.map((e) => (e as RetryEvent & { file: string }).file)).toContain('m.bin.sha256');
    expectCompleteSet('m.bin', data, 3);
    expect(readFileSync(join(dir, 'm.bin.sha256'), 'utf8')).toContain('# time 2026-12-03T00:00:00.000Z\n');
  }, 60_000);

  it('a full remote disk is final: exit with the remote message, no retry, no manifest', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=3m,uid=${sshd.rssh.uid},gid=${sshd.rssh.gid}`, 'tmpfs', dir]);
    try {
      const retries: RetryEvent[] = [];
      const err = await put(target(), `${dir}/f.bin`, Readable.from([randomBytes(6 * MiB)]), {
        partSize: MiB, parallel: 1, spoolDir: spoolDir(), backoffMs: [0], onRetry: (e) => retries.push(e),
      }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_NO_SPACE', remoteMessage: expect.stringMatching(/No space left on device/) });
      expect((err as Error).message).toMatch(/the parts set f\.bin is incomplete \(no manifest f\.bin\.sha256\): \d part\(s\) confirmed remotely: f\.bin\.000000\S*; left cut short remotely: f\.bin\.00000(\d) \((at most \d+ of|fewer than its) 1048576 bytes(: its write failed remotely)?\)$/);
      // Named because it is there: scp -t made it and kept what fit (nothing, here).
      const cut = /(f\.bin\.\d+) \([^()]*\)$/.exec((err as Error).message)![1]!;
      expect(readdirSync(dir).filter((f) => !/^f\.bin\.\d+$/.test(f) || statSync(join(dir, f)).size < MiB)).toEqual([cut]);
      expect(retries).toEqual([]);
      expect(readdirSync(dir)).not.toContain('f.bin.sha256');
    } finally {
      await unmount(dir);
    }
  });
});

// The uploads run at 20 MB/s (a bandwidth limit): a kill lands in the middle
// of the file even when the machine is busy.
describe('single-file put over a dropped connection', () => {
  const halfWritten = (file: string, size: number) => (): boolean => {
    try {
      const now = statSync(join(dir, file)).size;
      return now > 0 && now < size;
    } catch {
      return false;
    }
  };

  it('from the spool: the whole file is sent again after reconnecting', async () => {
    const data = randomBytes(64 * MiB);
    const retries: RetryEvent[] = [];
    const running = put({ ...target(), bandwidth: bandwidthLimit(160_000) }, `${dir}/one.bin`, Readable.from([data]), { spoolDir: spoolDir(), memoryLimit: MiB, backoffMs: [0], onRetry: (e) => retries.push(e), sha256: true });
    await waitFor(halfWritten('one.bin', data.length), 'the file half-written remotely', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    // The sum is of the attempt that completed, not of the bytes sent twice.
    await expect(running).resolves.toMatchObject({ bytes: BigInt(data.length), spooled: 'disk', sha256: createHash('sha256').update(data).digest('hex') });
    expect(retries).toHaveLength(1);
    expect(readFileSync(join(dir, 'one.bin')).equals(data)).toBe(true);
  }, 120_000);

  it('a Uint8Array, or a stream of known size with `reread`: the whole file is sent again from it', async () => {
    const data = randomBytes(64 * MiB);
    for (const [name, input, reread] of [
      ['array.bin', data, undefined],
      ['reread.bin', Readable.from([data]), () => Readable.from([data])],
    ] as const) {
      const retries: RetryEvent[] = [];
      const running = put({ ...target(), bandwidth: bandwidthLimit(160_000) }, `${dir}/${name}`, input, { size: BigInt(data.length), reread, backoffMs: [0], onRetry: (e) => retries.push(e), sha256: true });
      await waitFor(halfWritten(name, data.length), 'the file half-written remotely', 60_000);
      expect(await dropConnections(sshd)).toBeGreaterThan(0);
      await expect(running).resolves.toMatchObject({ bytes: BigInt(data.length), spooled: 'none', sha256: createHash('sha256').update(data).digest('hex') });
      expect(retries).toHaveLength(1);
      expect(readFileSync(join(dir, name)).equals(data)).toBe(true);
    }
  }, 240_000);

  // `scpipe put host:f < FILE`: the file is read again from where stdin
  // began (here 1000 bytes in). User sees the retry line; exit 0; the remote
  // file is the input from that offset, byte-exact.
  it('the CLI with a regular file on stdin: read again from where stdin began', async () => {
    const local = mkdtempSync(join(tmpdir(), 'scpipe-test-file-'));
    try {
      const data = randomBytes(64 * MiB);
      writeFileSync(join(local, 'in'), data);
      const running = runCliWithFile(['put', ...sshFlags(sshd, sshd.rssh), '-l', '160000', remote(sshd, sshd.rssh, `${dir}/file.bin`)], join(local, 'in'), { skip: 1000, timeoutMs: 120_000 });
      await waitFor(halfWritten('file.bin', data.length - 1000), 'the file half-written remotely', 60_000);
      expect(await dropConnections(sshd)).toBeGreaterThan(0);
      const r = await running;
      expect(r.stderr).toMatch(new RegExp(`^scpipe: ${dir}/file\\.bin: connection lost while sending the file data[^\\n]*; retry 1 of 5 in 1 s\\n$`));
      expect(r.status).toBe(0);
      expect(readFileSync(join(dir, 'file.bin')).equals(data.subarray(1000))).toBe(true);
    } finally {
      rmSync(local, { recursive: true });
    }
  }, 120_000);

  it('with a known size and nothing to read again: a lost connection stays final', async () => {
    const data = randomBytes(64 * MiB);
    const retries: RetryEvent[] = [];
    const running = put({ ...target(), bandwidth: bandwidthLimit(160_000) }, `${dir}/sized.bin`, Readable.from([data]), { size: BigInt(data.length), backoffMs: [0], onRetry: (e) => retries.push(e) });
    await waitFor(halfWritten('sized.bin', data.length), 'the file half-written remotely', 60_000);
    await dropConnections(sshd);
    await expect(running).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    expect(retries).toEqual([]);
  }, 120_000);
});
