// `scpipe put --part-size SIZE --parallel N` holds up to N + 1 parts, those
// past --memory in --spool-dir: a spool directory without room for them
// failed with ENOSPC once it filled, maybe hours in, the set left
// incomplete. Now, at the start, it goes on with the parallelism that fits,
// at least one part at a time, and a warning says so. Small tmpfs spool
// directories, the real sshd.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { withTmpfs } from '../helpers/tmpfs';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, runCliWithFile, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'spoolroom');
});

const put = (spool: string, extra: string[], name: string): string[] =>
  ['put', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spool, '--memory', '0', ...extra, remote(sshd, sshd.rssh, `${dir}/${name}`)];

describe('put --part-size: room in the spool directory', () => {
  // User sees: a warning that not even one part at a time has room, and the
  // run goes on; a short stream is stored whole, a longer one fails when the
  // spool fills (exit 1), nothing left in the spool directory.
  it('warns when not even one part at a time fits, stores a stream short enough, and fails a longer one when the spool fills', async () => {
    await withTmpfs('4m', async (small) => {
      const warning =
        `scpipe: warning: the spool directory ${small} has 4 MiB free, and --parallel 2 may hold up to 12 MiB of parts there, --parallel 1 up to 8 MiB: ` +
        'sending with --parallel 1, and a stream that outgrows the room fails when the spool fills (--spool-dir or TMPDIR with room, a smaller --part-size, or more --memory)\n';
      const short = randomBytes(1024 * 1024);
      const ok = await runCli(put(small, ['--part-size', '4M', '--parallel', '2'], 's.bin'), { stdin: short });
      expect(ok).toMatchObject({ status: 0, stderr: warning });
      expect(readdirSync(dir).sort()).toEqual(['s.bin.000000', 's.bin.sha256']);
      expect(readFileSync(join(dir, 's.bin.000000')).equals(short)).toBe(true);
      const r = await runCli(put(small, ['--part-size', '4M', '--parallel', '2'], 'f.bin'), { stdin: randomBytes(10 * 1024 * 1024) });
      expect(r.status).toBe(1);
      expect(r.stderr.startsWith(warning)).toBe(true);
      expect(r.stderr).toMatch(/No space left on device/);
      // It went with --parallel 1 already: what is left to say is a disk with room or smaller parts.
      expect(r.stderr).toMatch(/; the parts waiting to be sent are held in the spool directory, two at most with --parallel 1 \(the fewest\): give --spool-dir on a larger disk, or a smaller --part-size\n$/);
      expect(readdirSync(dir).filter((n) => n.startsWith('f.bin')).includes('f.bin.sha256')).toBe(false);
      expect(readdirSync(small)).toEqual([]);
    });
  });

  it('goes on with the parallelism that fits, with a warning, and stores the whole set', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(9 * 1024 * 1024);
      const r = await runCli(put(small, ['--part-size', '2M', '--parallel', '4', '-v'], 'w.bin'), { stdin: data });
      expect(r.status).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
      expect(warnings).toEqual([
        `scpipe: warning: the spool directory ${small} has 8 MiB free, and --parallel 4 may hold up to 10 MiB of parts there: ` +
          'sending with --parallel 3 (for 4: --spool-dir or TMPDIR with room, a smaller --part-size, or more --memory)',
      ]);
      expect(r.stderr).toMatch(/ as 5 part\(s\) and \S+w\.bin\.sha256 in [\d.]+ s \(\d+ MB\/s\) over 3 channel\(s\)/);
      const parts = readdirSync(dir).filter((n) => /^w\.bin\.\d+$/.test(n)).sort();
      expect(parts).toHaveLength(5);
      expect(Buffer.concat(parts.map((n) => readFileSync(join(dir, n)))).equals(data)).toBe(true);
      expect(readdirSync(small)).toEqual([]);
    });
  });

  it('several targets: the sets share the room, warned of once, and each is stored whole', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(5 * 1024 * 1024);
      const args = put(small, ['--part-size', '2M', '--parallel', '3'], 'a.bin');
      const r = await runCli([...args, remote(sshd, sshd.rssh, `${dir}/b.bin`)], { stdin: data });
      expect(r).toMatchObject({
        status: 0,
        stderr:
          `scpipe: warning: the spool directory ${small} has 8 MiB free, and --parallel 3 may hold up to 16 MiB of parts there (for the 2 parts sets at once): ` +
          'sending with --parallel 1 (for 3: --spool-dir or TMPDIR with room, a smaller --part-size, or more --memory)\n',
      });
      for (const set of ['a.bin', 'b.bin']) {
        const parts = readdirSync(dir).filter((n) => n.startsWith(`${set}.`) && !n.endsWith('.sha256')).sort();
        expect(Buffer.concat(parts.map((n) => readFileSync(join(dir, n)))).equals(data)).toBe(true);
      }
      expect(readdirSync(small)).toEqual([]);
    });
  });

  // --verify reads the set back as get fetches it, --parallel parts ahead:
  // its own warning, worded for the read-back, after the upload's.
  it('--verify: the read-back with fewer parts at once is warned of as a read-back, and the set verifies', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(9 * 1024 * 1024);
      const r = await runCli(put(small, ['--part-size', '2M', '--parallel', '4', '--verify'], 'v.bin'), { stdin: data });
      expect(r).toMatchObject({
        status: 0,
        stderr:
          `scpipe: warning: the spool directory ${small} has 8 MiB free, and --parallel 4 may hold up to 10 MiB of parts there: ` +
          'sending with --parallel 3 (for 4: --spool-dir or TMPDIR with room, a smaller --part-size, or more --memory)\n' +
          `scpipe: warning: the spool directory ${small} has 8 MiB free, and --parallel 4 may hold up to 9 MiB of parts there: ` +
          'reading the set back (--verify) with --parallel 3 (for 4: --spool-dir or TMPDIR with room, or more --memory)\n',
      });
      expect(readdirSync(small)).toEqual([]);
    });
  });

  // The read-backs go on at once, as the uploads did: each fitted to its share of the room.
  it('--verify to several targets: the read-backs share the room, warned of once, after the upload\'s', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(9 * 1024 * 1024);
      const args = put(small, ['--part-size', '2M', '--parallel', '4', '--verify'], 'va.bin');
      const r = await runCli([...args, remote(sshd, sshd.rssh, `${dir}/vb.bin`)], { stdin: data });
      expect(r.status).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l !== '');
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/ \(for the 2 parts sets at once\): sending with --parallel 1 \(for 4: /);
      expect(warnings[1]).toMatch(/ \(for the 2 parts sets at once\): reading the set back \(--verify\) with --parallel 1 \(for 4: --spool-dir or TMPDIR with room, or more --memory\)$/);
      expect(readdirSync(small)).toEqual([]);
    });
  });

  it('says nothing when the spool has room for all the parts held', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(5 * 1024 * 1024);
      const r = await runCli(put(small, ['--part-size', '2M', '--parallel', '3'], 'ok.bin'), { stdin: data });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(readdirSync(dir).sort()).toEqual(['ok.bin.000000', 'ok.bin.000001', 'ok.bin.000002', 'ok.bin.sha256']);
    });
  });

  // A regular file on stdin is spooled in parts too, but its length is
  // known: 5 MiB holds 3 parts of 2 MiB, not the 5 that --parallel 4 may hold.
  it('counts no more than the length of a regular file on stdin', async () => {
    await withTmpfs('8m', async (small) => {
      const data = randomBytes(5 * 1024 * 1024);
      const file = join(await userDir(sshd.rssh, 'spoolroom-src'), 'in.bin');
      writeFileSync(file, data);
      const r = await runCliWithFile(put(small, ['--part-size', '2M', '--parallel', '4'], 'file.bin'), file);
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(readdirSync(dir).sort()).toEqual(['file.bin.000000', 'file.bin.000001', 'file.bin.000002', 'file.bin.sha256']);
      expect(readdirSync(small)).toEqual([]);
    });
  });
});

// `scpipe get` of a set holds up to --parallel + 1 parts, fetched side by
// side, so any of them may outgrow its share of --memory and go to the spool
// whole. Its part sizes are in the manifest: the same start check as put's.
describe('get of a parts set: room in the spool directory', () => {
  const store = async (name: string, data: Buffer, partSize: string): Promise<void> => {
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '--part-size', partSize, remote(sshd, sshd.rssh, `${dir}/${name}`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
  };
  const get = (spool: string, memory: string, parallel: string, name: string): string[] =>
    ['get', ...sshFlags(sshd, sshd.rssh), '--spool-dir', spool, '--memory', memory, '--parallel', parallel, remote(sshd, sshd.rssh, `${dir}/${name}`)];

  // User sees: a warning, then the whole stream, fetched fewer parts at a time.
  it('goes on with fewer parts ahead that fit, with a warning, and restores the whole stream', async () => {
    const data = randomBytes(9 * 1024 * 1024);
    await store('g.bin', data, '2M');
    await withTmpfs('8m', async (small) => {
      const r = await runCli(get(small, '0', '4', 'g.bin'));
      expect(r.stderr.toString()).toBe(
        `scpipe: warning: the spool directory ${small} has 8 MiB free, and --parallel 4 may hold up to 9 MiB of parts there: ` +
          'fetching with --parallel 3 (for 4: --spool-dir or TMPDIR with room, or more --memory)\n',
      );
      expect(r.status).toBe(0);
      expect(r.stdout.equals(data)).toBe(true);
      expect(readdirSync(small)).toEqual([]);
    });
  });

  // User sees: a warning that not even one part at a time is sure to fit,
  // and the run goes on: here each other part stays in RAM, and it restores.
  it('warns when not even one part at a time is sure to fit, and restores a set whose parts fit after all', async () => {
    const data = randomBytes(12 * 1024 * 1024);
    await store('h.bin', data, '3M');
    await withTmpfs('4m', async (small) => {
      const r = await runCli(get(small, '4M', '2', 'h.bin'));
      expect(r.stderr.toString()).toBe(
        `scpipe: warning: the spool directory ${small} has 4 MiB free, and --parallel 2 may hold up to 9 MiB of parts there, --parallel 1 up to 6 MiB: ` +
          'fetching with --parallel 1, and the run fails if the spool fills (--spool-dir or TMPDIR with room, or more --memory)\n',
      );
      expect(r.status).toBe(0);
      expect(r.stdout.equals(data)).toBe(true);
      expect(readdirSync(small)).toEqual([]);
    });
  });

  // User sees: the warning, then exit 1 when the spool fills, and a message
  // with the room the parts held need and what to do (not "a lower --parallel").
  it('says at the start, and when the spool fills, the room the parts need', async () => {
    await store('k.bin', randomBytes(8 * 1024 * 1024), '4M');
    await withTmpfs('2m', async (small) => {
      const r = await runCli(get(small, '0', '4', 'k.bin'));
      expect(r.status).toBe(1);
      expect(r.stdout.length).toBe(0);
      const lines = r.stderr.toString().split('\n');
      expect(lines[0]).toBe(
        `scpipe: warning: the spool directory ${small} has 2 MiB free, and --parallel 4 may hold up to 8 MiB of parts there, --parallel 1 up to 8 MiB: ` +
          'fetching with --parallel 1, and the run fails if the spool fills (--spool-dir or TMPDIR with room, or more --memory)',
      );
      expect(lines[1]).toMatch(
        new RegExp(
          `^scpipe: cannot write spool file in ${small}: No space left on device \\(wrote [^)]*\\); the parts fetched ahead are held there, \\(--parallel \\+ 1\\) parts at most, ` +
            'here 2 of 4 MiB, up to 8 MiB of them \\(a part that outgrows the 0 B of --memory goes there whole\\): give --spool-dir on a disk with that room \\(--parallel 1 holds the fewest\\)$',
        ),
      );
      expect(readdirSync(small)).toEqual([]);
    });
  });
});
