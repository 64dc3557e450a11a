// The temporary file a SIGKILLed SFTP upload leaves: named as scpipe's, kept
// by later runs (it may be another upload's, still running), and removed
// when the user asks (`put --remove-stale`) once it is no longer written to.
import { randomBytes } from 'node:crypto';
import { chown, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { endlessInput, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor, waitForSteady } from '../helpers/async';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLatencyProxy } from '../helpers/latency-proxy';
import { statSync } from 'node:fs';
import { STALE_AFTER_S } from '../../lib';
import { formatBytes } from '../../lib/internal';
import { SHORT_TOUCH, SHORT_TOUCH_AFTER_MS } from '../helpers/short-waits';

const sshd = sshdPerSuite();

// The one line for `count` other names' leftovers of 1 byte each, 3 min old (sftp-stale-others.test.ts).
const othersLine = (rdir: string, count: number): string =>
  `scpipe: warning: ${rdir} holds ${count} temporary file${count === 1 ? '' : 's'} (${formatBytes(count)}, the oldest last written 3 min ago) left by uploads of other names that did not finish (.NAME.scpipe-XXXXXX); scpipe never removes those: remove them on the server once no such upload runs (docs/nightly.md)`;

// An upload of `target` SIGKILLed once its temporary file is in `dir`; that file's name.
async function killedUpload(target: string, dir: string): Promise<string> {
  const endless = endlessInput();
  try {
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), target], { stdin: endless });
    await waitFor(async () => (await readdir(dir)).length > 0, 'the temporary file', 30_000);
    run.child.kill('SIGKILL');
    await run.done;
  } finally {
    endless.destroy();
  }
  const [stale] = await readdir(dir);
  // The server may still be writing what the killed client had sent: aged before that ends, the file would look live.
  await waitForSteady(() => statSync(join(dir, stale!)).size, "the killed upload's last writes", 1000);
  return stale!;
}

describe('a stale temporary file after a SIGKILLed SFTP upload', () => {
  // User sees: nothing about it on a plain later run while it may be live
  // (exit 0, the leftover stays); with --remove-stale while it is fresh
  // "scpipe: kept …: written to N s ago, another upload may still be writing
  // it …", exit 0; once it is older, a plain run warns of it ("scpipe:
  // warning: … (SIZE, last written 3 min ago) is left by an upload of this
  // file that did not finish; --remove-stale removes it", exit 0), and
  // --remove-stale says "scpipe: removed /files/…/.t.bin.scpipe-XXXXXX, left by an
  // interrupted upload" and exit 0. Left remotely: t.bin, and after the
  // second --remove-stale nothing else.
  it('stays through a later run, is kept by --remove-stale while fresh, and removed once old', async () => {
    const dir = await userDir(sshd.sftp, 'stale');
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/t.bin`);
    const stale = await killedUpload(target, dir);
    expect(stale).toMatch(/^\.t\.bin\.scpipe-\w{6}$/);

    const plain = await runCli(['put', ...sshFlags(sshd, sshd.sftp), target], { stdin: 'first' });
    expect(plain).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual([stale, 't.bin']);

    const fresh = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'second' });
    expect(fresh.status).toBe(0);
    expect(fresh.stderr).toMatch(new RegExp(`^scpipe: kept ${remotePath(sshd.sftp, dir)}/${stale.replace(/\./g, '\\.')}: written to \\d+ s ago, another upload may still be writing it`));
    expect((await readdir(dir)).sort()).toEqual([stale, 't.bin']);

    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await utimes(join(dir, stale), old, old);
    const size = (await stat(join(dir, stale))).size;
    const warned = await runCli(['put', ...sshFlags(sshd, sshd.sftp), target], { stdin: 'second' });
    expect(warned.status).toBe(0);
    const shown = `${remotePath(sshd.sftp, dir)}/${stale} (${formatBytes(size)}, last written`;
    expect(warned.stderr).toMatch(/^scpipe: warning: .* min ago\) is left by an upload of this file that did not finish; --remove-stale removes it\n$/);
    expect(warned.stderr.startsWith(`scpipe: warning: ${shown} `)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([stale, 't.bin']);
    const asked = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'second' });
    expect(asked.status).toBe(0);
    expect(asked.stderr).toBe(`scpipe: removed ${remotePath(sshd.sftp, dir)}/${stale}, left by an interrupted upload\n`);
    expect(await readdir(dir)).toEqual(['t.bin']);
    expect(await readFile(join(dir, 't.bin'), 'utf8')).toBe('second');
  }, 90_000);
});

describe('a live SFTP upload whose input pauses', () => {
  // An input silent for minutes (an incremental tar walking unchanged
  // files) wrote nothing, so another run's --remove-stale took the live
  // upload's temporary file for a leftover and removed it; the upload then
  // failed at its rename ("rename: No such file"). Its file is aged here
  // instead of waiting 120 s. User sees: --remove-stale keeps it ("kept
  // …"), and the paused upload, once its input ends, exits 0. Left
  // remotely: t.bin holding the paused upload's bytes (renamed last).
  it('keeps its temporary file fresh, so --remove-stale keeps it', async () => {
    const dir = await userDir(sshd.sftp, 'paused');
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/t.bin`);
    const go = join(dir, 'go');
    const head = randomBytes(1024 * 1024);
    const tail = randomBytes(1000);
    await writeFile(join(dir, 'head'), head);
    await writeFile(join(dir, 'tail'), tail);
    const producer = `cat ${join(dir, 'head')}; i=0; while [ ! -e ${go} ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i+1)); done; cat ${join(dir, 'tail')}`;
    const paused = startCli(['put', ...sshFlags(sshd, sshd.sftp), target, '--', 'sh', '-c', producer], { timeoutMs: 120_000, env: SHORT_TOUCH });
    const temp = async (): Promise<string | undefined> => (await readdir(dir)).find((n) => n.startsWith('.t.bin.scpipe-'));
    await waitFor(async () => (await temp()) !== undefined, 'the temporary file', 30_000);
    const name = (await temp())!;
    // Aged once the paused upload has written what it will before its input goes on.
    await waitForSteady(() => statSync(join(dir, name)).size, 'the first bytes written', 1000);
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await utimes(join(dir, name), old, old);
    // Touched within its TOUCH_AFTER_MS (shortened) of the last write, plus the check's own period.
    await waitFor(async () => (await stat(join(dir, name))).mtimeMs > Date.now() - STALE_AFTER_S * 1000, 'the file touched', SHORT_TOUCH_AFTER_MS * 2);
    const other = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'other' });
    expect(other.status).toBe(0);
    expect(other.stderr).toMatch(/^scpipe: kept .*\.t\.bin\.scpipe-\w{6}: written to \d+ s ago, another upload may still be writing it/);
    await writeFile(go, '');
    expect(await paused.done).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(join(dir, 't.bin'))).equals(Buffer.concat([head, tail]))).toBe(true);
  }, 120_000);

  // Its temporary file removed meanwhile (by hand, or by a --remove-stale
  // of a version without the above). User sees, once the input ends: exit 1
  // and what happened, where it said "t.bin: rename: No such file". Left:
  // the old t.bin.
  it('says its temporary file was removed, when it was', async () => {
    const dir = await userDir(sshd.sftp, 'removed');
    const rdir = remotePath(sshd.sftp, dir);
    await writeFile(join(dir, 't.bin'), 'old');
    await chown(join(dir, 't.bin'), sshd.sftp.uid, sshd.sftp.gid);
    const go = join(dir, 'go');
    const producer = `head -c 1048576 /dev/zero; i=0; while [ ! -e ${go} ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i+1)); done; head -c 1000 /dev/zero`;
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${rdir}/t.bin`), '--', 'sh', '-c', producer], { timeoutMs: 60_000 });
    let name: string | undefined;
    await waitFor(async () => (name = (await readdir(dir)).find((n) => n.startsWith('.t.bin.scpipe-'))) !== undefined, 'the temporary file', 30_000);
    await rm(join(dir, name!));
    await writeFile(go, '');
    expect(await run.done).toMatchObject({
      status: 1,
      stderr: `scpipe: ${rdir}/t.bin: the temporary file ${rdir}/${name} was removed during the upload (by hand, or by another run's --remove-stale), so nothing was stored, and the target is as it was\n`,
    });
    expect(await readFile(join(dir, 't.bin'), 'utf8')).toBe('old');
  });
});

describe('put --remove-stale --part-size over SFTP', () => {
  // A parts run killed over SFTP leaves its parts' and manifest's temporary
  // files (`.db.000003.scpipe-XXXXXX`); --remove-stale said nothing and
  // removed none of them. User sees now: a line for each one removed or
  // kept, none for this run's own, exit 0. Left: the set, the fresh
  // leftover, and what is not this set's (another name's, the plain file's).
  it('removes the stale temporary files of the set, and only those', async () => {
    const dir = await userDir(sshd.sftp, 'stale-parts');
    const rdir = remotePath(sshd.sftp, dir);
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    const stale = ['.db.000000.scpipe-AAAAAA', '.db.000007.scpipe-BBBBBB', '.db.sha256.scpipe-CCCCCC'];
    const others = ['.db.scpipe-DDDDDD', '.dbx.000001.scpipe-EEEEEE', '.db.01.scpipe-GGGGGG'];
    for (const name of [...stale, ...others, '.db.000001.scpipe-FFFFFF']) {
      await writeFile(join(dir, name), 'x');
      await chown(join(dir, name), sshd.sftp.uid, sshd.sftp.gid);
      if (name !== '.db.000001.scpipe-FFFFFF') await utimes(join(dir, name), old, old);
    }
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', '--part-size', '1M', remote(sshd, sshd.sftp, `${rdir}/db`)], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r.status).toBe(0);
    // "kept" sorts before "removed".
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(new RegExp(`^scpipe: kept ${rdir}/\\.db\\.000001\\.scpipe-FFFFFF: written to \\d+ s ago, another upload may still be writing it`)),
      ...stale.map((name) => `scpipe: removed ${rdir}/${name}, left by an interrupted upload`).sort(),
      othersLine(rdir, 3),
    ].sort());
    expect((await readdir(dir)).sort()).toEqual(['.db.000001.scpipe-FFFFFF', ...others, 'db.000000', 'db.000001', 'db.000002', 'db.sha256'].sort());
  });
});

describe('put --part-size over SFTP without --remove-stale', () => {
  // A parts run killed over SFTP leaves its parts' and manifest's temporary
  // files; a later run said nothing of them unless given --remove-stale,
  // where a single file's run warns. User sees now: a warning for each one
  // not written to for 120 s ("scpipe: warning: …/.db.000007.scpipe-BBBBBB
  // (1 B, last written 3 min ago) is left by an upload of this file that did
  // not finish; --remove-stale removes it"), none for a fresh one or
  // another name's, exit 0. Left: all of them, and the set.
  it('warns of the stale temporary files of the set, and removes nothing', async () => {
    const dir = await userDir(sshd.sftp, 'stale-parts-warn');
    const rdir = remotePath(sshd.sftp, dir);
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    const stale = ['.db.000000.scpipe-AAAAAA', '.db.000007.scpipe-BBBBBB', '.db.sha256.scpipe-CCCCCC'];
    const others = ['.db.scpipe-DDDDDD', '.dbx.000001.scpipe-EEEEEE', '.db.000001.scpipe-FFFFFF'];
    for (const name of [...stale, ...others]) {
      await writeFile(join(dir, name), 'x');
      await chown(join(dir, name), sshd.sftp.uid, sshd.sftp.gid);
      if (name !== '.db.000001.scpipe-FFFFFF') await utimes(join(dir, name), old, old);
    }
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--part-size', '1M', remote(sshd, sshd.sftp, `${rdir}/db`)], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      ...stale.map((name) => `scpipe: warning: ${rdir}/${name} (${formatBytes(1)}, last written 3 min ago) is left by an upload of this file that did not finish; --remove-stale removes it`),
      othersLine(rdir, 2), // the plain file db's and the set dbx's; the fresh one is this set's
    ].sort());
    expect((await readdir(dir)).sort()).toEqual([...stale, ...others, 'db.000000', 'db.000001', 'db.000002', 'db.sha256'].sort());
  });
});

describe('put --remove-stale of a target whose temporary name is cut to fit 255 bytes', () => {
  // `.NAME.scpipe-XXXXXX` of a name over 240 bytes is cut to fit NAME_MAX,
  // and --remove-stale, looking for the whole name, never found it: the
  // leftover of a killed 2 TB upload stayed, said by no run. User sees now:
  // "removed …", exit 0; left: the target alone.
  it.each([
    ['250 ASCII bytes', 'l'.repeat(250)],
    ['a character of 4 bytes across the cut', `${'l'.repeat(239)}\u{1F600}tail`],
  ])('%s: the leftover of a killed upload is removed', async (_what, name) => {
    const dir = await userDir(sshd.sftp, 'stale-long');
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/${name}`);
    const stale = await killedUpload(target, dir);
    expect(Buffer.byteLength(stale)).toBeLessThanOrEqual(255);
    expect(stale).not.toContain('\uFFFD');
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await utimes(join(dir, stale), old, old);
    const asked = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', target], { stdin: 'second' });
    expect(asked).toMatchObject({ status: 0, stderr: `scpipe: removed ${remotePath(sshd.sftp, dir)}/${stale}, left by an interrupted upload\n` });
    expect(await readdir(dir)).toEqual([name]);
  }, 90_000);

  // An older scpipe cut by UTF-16 units: a 4-byte character at the cut went
  // out half, as U+FFFD (as 5e7921a left `.lll….scpipe-XXXXXX` of a killed
  // upload), and --remove-stale, looking for the whole-character cut, left
  // it (exit 0, no word of it). User sees now: "removed …", exit 0.
  it.each([
    ['a file', `${'l'.repeat(237)}\u{1F600}bbbbb`, [] as string[]],
    ['a parts set', `${'s'.repeat(237)}\u{1F600}`, ['--part-size', '1M']],
  ])('%s: the leftover of an older scpipe, its character cut in half, is removed', async (_what, name, extra) => {
    const dir = await userDir(sshd.sftp, 'stale-legacy');
    const rdir = remotePath(sshd.sftp, dir);
    const stale = `.${name.slice(0, 237)}\uFFFD.scpipe-OLDOLD`;
    expect(Buffer.byteLength(stale)).toBe(255);
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await writeFile(join(dir, stale), 'x');
    await chown(join(dir, stale), sshd.sftp.uid, sshd.sftp.gid);
    await utimes(join(dir, stale), old, old);
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', ...extra, remote(sshd, sshd.sftp, `${rdir}/${name}`)], { stdin: 'new' });
    expect(r).toMatchObject({ status: 0, stderr: `scpipe: removed ${rdir}/${stale}, left by an interrupted upload\n` });
    expect(await readdir(dir)).not.toContain(stale);
  });

  // Bytes that are not UTF-8 where that U+FFFD would be (a 4-byte character
  // cut at a byte) are listed as U+FFFD too; the file under the name
  // written back is not there. User sees: exit 0, the file stored; left:
  // that file, not scpipe's.
  it('a name of bytes that are not UTF-8 there is left, and the put goes on', async () => {
    const dir = await userDir(sshd.sftp, 'stale-legacy-bytes');
    const name = `${'l'.repeat(237)}\u{1F600}bbbbb`;
    const other = Buffer.concat([Buffer.from(`.${'l'.repeat(237)}`), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('.scpipe-OLDOLD')]);
    const otherPath = Buffer.concat([Buffer.from(`${dir}/`), other]);
    await writeFile(otherPath, 'x');
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    await chown(otherPath, sshd.sftp.uid, sshd.sftp.gid);
    await utimes(otherPath, old, old);
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/${name}`)], { stdin: 'new' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(dir, { encoding: 'buffer' })).map((b) => b.toString('hex')).sort()).toEqual([other.toString('hex'), Buffer.from(name).toString('hex')].sort());
  });

  it('a set of a 240-byte name: its parts\' cut temporary names are removed, another set\'s kept', async () => {
    const dir = await userDir(sshd.sftp, 'stale-long-parts');
    const rdir = remotePath(sshd.sftp, dir);
    const name = 's'.repeat(240);
    const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
    const cut = (file: string): string => `.${file.slice(0, 255 - 15)}.scpipe-AAAAAA`;
    const stale = [cut(`${name}.000003`)];
    const others = [`.${'t'.repeat(240)}.scpipe-BBBBBB`];
    for (const file of [...stale, ...others]) {
      await writeFile(join(dir, file), 'x');
      await chown(join(dir, file), sshd.sftp.uid, sshd.sftp.gid);
      await utimes(join(dir, file), old, old);
    }
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--remove-stale', '--part-size', '1M', remote(sshd, sshd.sftp, `${rdir}/${name}`)], { stdin: randomBytes(1024) });
    expect(r).toMatchObject({ status: 0, stderr: `scpipe: removed ${rdir}/${stale[0]}, left by an interrupted upload\n${othersLine(rdir, 1)}\n` });
    expect((await readdir(dir)).sort()).toEqual([...others, `${name}.000000`, `${name}.sha256`].sort());
  });
});

describe('the look for leftovers in a large directory', () => {
  // A drop directory of many files (30,000 here; 200,000 took 48 s at a
  // 20 ms round trip): the listing, 100 names a round trip, went on after
  // the small upload was stored, and the run waited for all of it. User
  // sees: exit 0, nothing on stderr, within seconds (the listing is cut off
  // 1 s after the file is stored). Left remotely: t.txt.
  const FILES = 30_000;
  const RTT_MS = 200;
  it.each([
    ['a file', [] as string[]],
    ['a parts set', ['--part-size', '1M']],
  ])('does not hold a small upload for the whole listing: %s', async (_what, extra) => {
    const dir = await userDir(sshd.sftp, 'many');
    await promisify(execFile)('sh', ['-c', `seq 1 ${FILES} | sed s/^/f/ | xargs touch`], { cwd: dir });
    const proxy = await startLatencyProxy(sshd.port, RTT_MS);
    try {
      const known = join(dir, 'known_hosts_relay');
      await writeFile(known, (await readFile(sshd.knownHostsPath, 'utf8')).replace(`:${sshd.port} `, `:${proxy.port} `));
      const flags = sshFlags(sshd, sshd.sftp).map((f) => (f === String(sshd.port) ? String(proxy.port) : f === `UserKnownHostsFile=${sshd.knownHostsPath}` ? `UserKnownHostsFile=${known}` : f));
      const started = Date.now();
      const r = await runCli(['put', ...flags, ...extra, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/t.txt`)], { stdin: 'small' });
      const took = Date.now() - started;
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(dir, extra.length > 0 ? 't.txt.000000' : 't.txt'), 'utf8')).toBe('small');
      // The whole listing takes a round trip per 100 names, which no machine
      // shortens; half of that leaves room for a loaded one (at 100 ms, a
      // bound of 12 s failed at 18 s beside two busy loops).
      expect(took).toBeLessThan(((FILES / 100) * RTT_MS) / 2);
    } finally {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
