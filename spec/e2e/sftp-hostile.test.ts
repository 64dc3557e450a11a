// `scpipe cp` against a lying SFTP server (spec/helpers/hostile-sftp.ts):
// names that climb out or hide terminal escapes, listings that never end,
// files longer or shorter than their size, replies out of order, to
// requests never made, or too large. Each lie is refused with exit 1 and a
// typed message (honest reordering is not a lie: it copies byte-exact), and
// nothing is written outside the target, nor left half-written in it.
// Uploads: a server that stores less than it was sent, or refuses a write,
// gets no rename for that file and its temporary file removed.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { GRACE_MS } from '../../cli/signals';
import { waitFor } from '../helpers/async';
import { targetDirPerTest } from '../helpers/temp-dir';
import { runCli, startCli } from '../helpers/cli';
import { startHostileSftp, type FakeEntry, type FakeTree, type HostileSftp } from '../helpers/hostile-sftp';
import { SHORT_GRACE, SHORT_GRACE_MS, SMALL_LISTING, SMALL_MAX_ENTRIES } from '../helpers/short-waits';

let fake: HostileSftp | undefined;
// work()/target is the target; nothing else may appear in work()
const work = targetDirPerTest('scpipe-test-hostile-sftp-', async () => {
  await fake?.stop();
  fake = undefined;
});

// A tree from a map of path → entry; `names` lists a directory (default: its children in the map).
function treeOf(entries: Record<string, FakeEntry>, names?: (path: string, call: number) => string[] | undefined): FakeTree {
  return {
    stat: (path) => entries[path],
    list:
      names ??
      ((path, call) => {
        if (call > 0) return undefined;
        const prefix = path === '/' ? '/' : `${path}/`;
        return Object.keys(entries).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
      }),
  };
}

async function cpFrom(tree: FakeTree, path = '/t', timeoutMs = 60_000): Promise<Awaited<ReturnType<typeof runCli>>> {
  fake = await startHostileSftp(tree);
  return runCli(['cp', ...fake.args(), '-q', '-r', `backup@127.0.0.1:${path}`, join(work(), 'target')], { timeoutMs });
}

const files = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true })).map(String).sort();
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/; // anything but \n reaching the terminal raw

describe('cp over SFTP from a hostile server', () => {
  it('refuses names that climb out, are absolute, hold "/" or control characters; copies the honest ones', async () => {
    const bad = ['../escaped', '/tmp/absolute', 'a/b', 'esc\x1b]0;pwned\x07', 'nl\nname', ''];
    const tree = treeOf(
      { '/t': { kind: 'dir' }, '/t/ok': { kind: 'file', data: Buffer.from('fine') } },
      (path, call) => (path === '/t' && call === 0 ? ['ok', ...bad, '.', '..'] : undefined),
    );
    const r = await cpFrom(tree);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('refusing unsafe name from the remote: "../escaped" (contains "/")');
    expect(r.stderr).toContain('"/tmp/absolute" (contains "/")');
    expect(r.stderr).toContain('"a/b" (contains "/")');
    expect(r.stderr).toContain('"esc\\x1b]0;pwned\\x07" (contains a control character)');
    expect(r.stderr).toContain('"nl\\nname" (contains a control character)');
    expect(r.stderr).toContain('"" (empty)');
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(CONTROL);
    expect(await files(join(work(), 'target'))).toEqual(['t', 't/ok']);
    expect(await readFile(join(work(), 'target', 't', 'ok'), 'utf8')).toBe('fine');
  });

  it('a listing that repeats itself forever fails its directory, after two batches', async () => {
    const tree = treeOf({ '/t': { kind: 'dir' }, '/t/a': { kind: 'file', data: Buffer.from('a') } }, () => ['a', 'b']);
    const r = await cpFrom(tree);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/t: the server listed "a" twice; not copying this directory');
    expect(fake!.readdirs()).toBe(2);
    expect(await files(join(work(), 'target'))).toEqual(['t']);
  });

  it('a listing of new names without end stops at the bound (1,000,000 entries)', async () => {
    // 4,000 names a batch, under ssh2's 256 KiB packet limit: 10 batches to the
    // bound, lowered here to 40,000 (test-waits.test.ts pins the 1,000,000).
    const tree = treeOf({ '/t': { kind: 'dir' } }, (_path, call) => Array.from({ length: 4000 }, (_, i) => `n${call}-${i}`));
    fake = await startHostileSftp(tree);
    const r = await runCli(['cp', ...fake.args(), '-q', '-r', 'backup@127.0.0.1:/t', join(work(), 'target')], { env: SMALL_LISTING });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`/t: the server listed more than ${SMALL_MAX_ENTRIES} entries; not copying this directory`);
    expect(fake!.readdirs()).toBe(SMALL_MAX_ENTRIES / 4000 + 1);
    expect(await files(join(work(), 'target'))).toEqual(['t']);
  });

  it('a listing of names too long for any file system: refused unkept, memory bounded (1,000 names of 100,000 characters in a 48 MB heap)', async () => {
    const long = (call: number): string => `${call}`.padEnd(100_000, 'n');
    const tree = treeOf({ '/t': { kind: 'dir' }, '/t/ok': { kind: 'file', data: Buffer.from('fine') } }, (path, call) =>
      path !== '/t' ? undefined : call < 1000 ? [long(call)] : call === 1000 ? ['ok'] : undefined,
    );
    fake = await startHostileSftp(tree);
    const r = await runCli(['cp', ...fake.args(), '-q', '-r', 'backup@127.0.0.1:/t', join(work(), 'target')], {
      env: { NODE_OPTIONS: '--max-old-space-size=48' },
      timeoutMs: 120_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    const said = r.stderr.split('\n').filter((l) => l !== '');
    expect(said).toHaveLength(1000);
    expect(said[0]).toBe(`scpipe: /t: refusing name from the remote: "0${'n'.repeat(99)}…" (longer than 255 bytes)`);
    expect(await files(join(work(), 'target'))).toEqual(['t', 't/ok']);
  }, 130_000);

  it.each([
    ['longer', 100, 60, /\/f: the file is longer than the 60 bytes its size said \(it grew while being read\)/],
    ['shorter', 60, 100, /\/f: the file ended at 60 of 100 bytes \(it shrank while being read\)/],
  ])('a file %s than its size is refused, and no part of it is left', async (_how, real, said, message) => {
    const tree = treeOf({ '/f': { kind: 'file', data: randomBytes(real), size: said } });
    const r = await cpFrom(tree, '/f');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(await files(join(work(), 'target'))).toEqual([]);
  });

  it('get of a file longer than its size: exit 1, --output left as it was (not a stream silently cut)', async () => {
    fake = await startHostileSftp(treeOf({ '/f': { kind: 'file', data: randomBytes(100), size: 60 } }));
    for (const out of [[], ['--output', join(work(), 'target', 'out')]]) {
      const r = await runCli(['get', ...fake.args(), '-s', '--parallel', '1', '--retries', '0', 'backup@127.0.0.1:/f', ...out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('scpipe: /f: the file is longer than the 60 bytes its size said (it grew while being read)\n');
    }
    expect(await files(join(work(), 'target'))).toEqual([]);
  });

  it('a STATUS message of 100,000 characters with terminal escapes: escaped and cut to 400', async () => {
    const tree: FakeTree = {
      ...treeOf({ '/f': { kind: 'file', data: Buffer.from('never delivered') } }),
      onRead(sftp: SFTPWrapper, reqid) {
        sftp.status(reqid, 4, `disk \x1b]52;c;eA==\x07\r\x1b[2K${'m'.repeat(100_000)}`);
        return true;
      },
    };
    const r = await cpFrom(tree, '/f');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: /f: read: disk \\x1b]52;c;eA==\\x07\\r\\x1b[2K${'m'.repeat(400 - 22)}…\n`);
    expect(await files(join(work(), 'target'))).toEqual([]);
  });

  it('replies in reverse order are matched by id: the copy is byte-exact', async () => {
    const data = randomBytes(40 * 32 * 1024 + 5); // 41 reads of ssh2's 32 KiB guess, all in flight at once
    const held: (() => void)[] = [];
    const tree: FakeTree = {
      ...treeOf({ '/f': { kind: 'file', data } }),
      onRead(sftp: SFTPWrapper, reqid, bytes, offset, length) {
        const answer = (): void => void (offset >= bytes.length ? sftp.status(reqid, 1) : sftp.data(reqid, bytes.subarray(offset, offset + length)));
        if (offset >= bytes.length - 5) {
          answer(); // the end-of-file probe and the tail first,
          for (const h of held.reverse()) h(); // then everything held, last first
          held.length = 0;
        } else held.push(answer);
        return true;
      },
    };
    const r = await cpFrom(tree, '/f');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(join(work(), 'target', 'f'))).equals(data)).toBe(true);
  });

  it('a reply to a request never made is a protocol error, not a hang', async () => {
    const tree: FakeTree = {
      ...treeOf({ '/f': { kind: 'file', data: Buffer.from('never delivered') } }),
      onRead(sftp: SFTPWrapper, reqid) {
        sftp.data(reqid + 1000, Buffer.from('wrong id'));
        return true;
      },
    };
    const r = await cpFrom(tree, '/f');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/SFTP protocol error from the server: a reply to request \d+, which is not outstanding/);
    expect(await files(join(work(), 'target'))).toEqual([]);
  });

  it.each([
    ['a packet larger than 256 KiB is a protocol error', (sftp: SFTPWrapper, reqid: number) => sftp.data(reqid, Buffer.alloc(300 * 1024)), /SFTP protocol error from the server: Packet length \d+ exceeds max length of 262144/],
    // A broken server, as OpenSSH's sftp takes it ("Received more data than asked for"), not bytes to drop.
    ['more bytes than were asked for are a protocol error', (sftp: SFTPWrapper, reqid: number, length: number) => sftp.data(reqid, Buffer.alloc(length + 10)), /SFTP protocol error from the server: a read of \d+ bytes at 0 answered with \d+, more than asked for/],
  ])('%s; nothing is left', async (_what, lie, message) => {
    const tree: FakeTree = {
      ...treeOf({ '/f': { kind: 'file', data: Buffer.alloc(100) } }),
      onRead(sftp: SFTPWrapper, reqid, _data, _offset, length) {
        lie(sftp, reqid, length);
        return true;
      },
    };
    const r = await cpFrom(tree, '/f');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(await files(join(work(), 'target'))).toEqual([]);
  });
});

// scpipe kept the bytes asked for and dropped the rest, so a server padding
// its replies in the middle of a file was copied as if it were sound.
it('get of a file one of whose reads is answered with more than asked: exit 1, a protocol error, nothing under --output', async () => {
  const data = randomBytes(8 * 65536);
  let reads = 0;
  fake = await startHostileSftp({
    ...treeOf({ '/f': { kind: 'file', data } }),
    onRead(sftp: SFTPWrapper, reqid, bytes, offset, length) {
      if (offset >= bytes.length) sftp.status(reqid, 1);
      else sftp.data(reqid, reads++ === 3 ? Buffer.concat([bytes.subarray(offset, offset + length), Buffer.from('extra')]) : bytes.subarray(offset, offset + length));
      return true;
    },
  });
  const r = await runCli(['get', ...fake.args(), '-s', '--parallel', '1', '--retries', '0', 'backup@127.0.0.1:/f', '--output', join(work(), 'target', 'out')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^scpipe: SFTP protocol error from the server: a read of \d+ bytes at \d+ answered with \d+, more than asked for\n$/);
  expect(await files(join(work(), 'target'))).toEqual([]);
});

describe('limits@openssh.com larger than any packet (4 GiB)', () => {
  // OpenSSH's sftp takes the server's limits only up to its own 255 KiB
  // (sftp-client.c); larger requests would be answered in packets over
  // ssh2's 256 KiB bound, or held whole in memory before a write.
  const huge = { maxPacket: 2 ** 32, maxRead: 2 ** 32, maxWrite: 2 ** 32 };

  it('a download asks for 255 KiB at most, and copies byte-exact', async () => {
    const data = randomBytes(1024 * 1024);
    const asked: number[] = [];
    const tree: FakeTree = {
      ...treeOf({ '/f': { kind: 'file', data } }),
      limits: huge,
      onRead(sftp: SFTPWrapper, reqid, bytes, offset, length) {
        asked.push(length);
        if (offset >= bytes.length) sftp.status(reqid, 1);
        else sftp.data(reqid, bytes.subarray(offset, offset + length));
        return true;
      },
    };
    const r = await cpFrom(tree, '/f');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(Math.max(...asked)).toBe(255 * 1024);
    expect((await readFile(join(work(), 'target', 'f'))).equals(data)).toBe(true);
  });

  it('an upload writes 255 KiB at most, and stores byte-exact', async () => {
    const data = randomBytes(1024 * 1024);
    await writeFile(join(work(), 'target', 'a'), data);
    const written: number[] = [];
    fake = await startHostileSftp({
      ...treeOf({ '/up': { kind: 'dir' } }),
      limits: huge,
      storeWrite: (_path, _offset, piece) => (written.push(piece.length), piece),
    });
    const r = await runCli(['cp', ...fake.args(), '-q', join(work(), 'target', 'a'), 'backup@127.0.0.1:/up']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(Math.max(...written)).toBe(255 * 1024);
    expect(fake.uploads.files.get('/up/a')!.equals(data)).toBe(true);
  });
});

describe('cp over SFTP to a hostile server', () => {
  async function cpTo(tree: FakeTree): Promise<Awaited<ReturnType<typeof runCli>>> {
    await writeFile(join(work(), 'target', 'a'), randomBytes(100));
    await writeFile(join(work(), 'target', 'b'), randomBytes(50));
    fake = await startHostileSftp(tree);
    return runCli(['cp', ...fake.args(), '-q', join(work(), 'target', 'a'), join(work(), 'target', 'b'), 'backup@127.0.0.1:/up']);
  }
  const isTempOfA = (path: string): boolean => /^\/up\/\.a\.scpipe-\w{6}$/.test(path);

  it.each([
    ['a server that stored less than it was sent', { writtenSize: (path: string, real: number) => (isTempOfA(path) ? real - 5 : real) }, 'scpipe: /up/a: the server stored 95 of 100 bytes\n'],
    ['a refused write', { failWrite: isTempOfA }, 'scpipe: /up/a: write: write refused\n'],
  ])('%s: that file is not renamed into place and its temporary file is removed; the next one goes', async (_what, lie, message) => {
    const r = await cpTo({ ...treeOf({ '/up': { kind: 'dir' } }), ...lie });
    expect(r).toMatchObject({ status: 1, stderr: message });
    const { ops, files: stored } = fake!.uploads;
    expect([...stored.keys()]).toEqual(['/up/b']);
    expect((await readFile(join(work(), 'target', 'b'))).equals(stored.get('/up/b')!)).toBe(true);
    const tempOfA = ops.find((op) => op.startsWith('open /up/.a.'))!.slice('open '.length);
    expect(ops).toContain(`remove ${tempOfA}`);
    expect(ops.filter((op) => op.startsWith('rename'))).toEqual([expect.stringMatching(/^rename \/up\/\.b\.scpipe-\w{6} \/up\/b$/)]);
  });
});

describe('a server that stops answering', () => {
  // The signal ends the transfer at once; the clean-up (removing the
  // temporary file) would wait for the server for ever: it gets 10 s.
  it('SIGTERM while an OPEN is never answered: exit 143 within the 10 s grace, saying why', async () => {
    fake = await startHostileSftp({ ...treeOf({ '/up': { kind: 'dir' } }), ignoreOpen: () => true });
    const run = startCli(['put', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/up/f'], { stdin: 'data', env: SHORT_GRACE });
    await waitFor(() => fake!.uploads.ops.some((op) => op.endsWith('(not answered)')), 'the OPEN asked for');
    // Timed from the signal: on a loaded machine the start and login took 7 s of a 20 s bound on the whole run.
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toContain(`scpipe: interrupted by SIGTERM; the server did not answer for ${SHORT_GRACE_MS / 1000} s: exiting without it (an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run)\n`);
    expect(performance.now() - signalled).toBeLessThan(SHORT_GRACE_MS + 5_000);
  }, 30_000);

  it('a second signal (Ctrl-C twice) exits at once, saying what the clean-up it cut short may leave', async () => {
    fake = await startHostileSftp({ ...treeOf({ '/up': { kind: 'dir' } }), ignoreOpen: () => true });
    const run = startCli(['put', ...fake.args(), '-s', '-v', '--parallel', '1', 'backup@127.0.0.1:/up/f'], { stdin: 'data' });
    await waitFor(() => fake!.uploads.ops.some((op) => op.endsWith('(not answered)')), 'the OPEN asked for');
    // Timed from the first signal, whose grace the second cuts short: on a
    // loaded machine the start and login took 3.5 s of a 5 s bound on the whole run.
    const signalled = performance.now();
    run.child.kill('SIGINT');
    // Not before the first is seen: two signals pending at once are one, and the run would wait out the grace.
    await waitFor(() => run.stderr().includes('scpipe: interrupted by SIGINT: stopping\n'), 'the first signal seen');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toContain('scpipe: interrupted by SIGINT again: exiting without waiting for the clean-up (an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run)\n');
    expect(performance.now() - signalled).toBeLessThan(GRACE_MS);
  }, 30_000);
});

describe('put over SFTP: the connection lost at the rename', () => {
  // Every byte was acknowledged, and the connection goes at the last step,
  // twice. User sees two retry lines (the second loss came with no byte
  // more acknowledged, so it is the second retry of the same N) and exit 0;
  // left: the target whole, no temporary file, and the data sent once.
  it('twice: each time it connects again and finishes there, with no data sent again', async () => {
    let drops = 0;
    fake = await startHostileSftp({ ...treeOf({ '/up': { kind: 'dir' } }), dropOnRename: () => drops++ < 2 });
    const data = randomBytes(300_000);
    const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/up/f.bin'], { stdin: data, timeoutMs: 60_000 });
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^scpipe: \/up\/f\.bin: .*; retry 1 of 5 in 1 s$/),
      expect.stringMatching(/^scpipe: \/up\/f\.bin: .*; retry 2 of 5 in 5 s$/),
    ]);
    expect(r.status).toBe(0);
    const { ops, files: stored } = fake.uploads;
    expect([...stored.keys()]).toEqual(['/up/f.bin']);
    expect(stored.get('/up/f.bin')!.equals(data)).toBe(true);
    expect(ops.filter((op) => op.startsWith('rename'))).toHaveLength(3);
    expect(ops.filter((op) => op.startsWith('open'))).toHaveLength(3); // made once, reopened twice to finish
  });

  // Lost at every rename, --retries 1: the second loss moved nothing on, so
  // it finds the one retry spent. User sees one retry line, then the error
  // that says so and names both names, exit 1; left: the temporary file
  // whole (the fake keeps it), no target, the data sent once.
  it('every time, with --retries 1: the second loss ends the run, saying the retry was spent', async () => {
    fake = await startHostileSftp({ ...treeOf({ '/up': { kind: 'dir' } }), dropOnRename: () => true });
    const data = randomBytes(300_000);
    const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '1', '--retries', '1', 'backup@127.0.0.1:/up/f.bin'], { stdin: data, timeoutMs: 60_000 });
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toEqual([expect.stringMatching(/^scpipe: \/up\/f\.bin: .*; retry 1 of 1 in 1 s$/), expect.any(String)]);
    expect(lines[1]).toMatch(/^scpipe: \/up\/f\.bin: rename: .*; not retried: 1 retry was spent since a connection last moved the transfer on by 16 MiB; the rename's answer was lost, so the upload, whole, is either in place as \/up\/f\.bin or left in \/up\/\.f\.bin\.scpipe-\w+: whichever of the two names exists holds it$/);
    expect(r.status).toBe(1);
    const { ops, files: stored } = fake.uploads;
    const [temp] = [...stored.keys()];
    expect([...stored.keys()]).toEqual([expect.stringMatching(/^\/up\/\.f\.bin\.scpipe-\w+$/)]);
    expect(stored.get(temp!)!.equals(data)).toBe(true);
    expect(ops.filter((op) => op.startsWith('rename'))).toHaveLength(2);
    expect(ops.filter((op) => op.startsWith('open'))).toHaveLength(2); // made once, reopened once to finish
  });
});
