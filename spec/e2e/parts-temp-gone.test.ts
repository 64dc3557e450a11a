// A part sent over SFTP whose temporary file is removed while the connection
// is down (by hand, by another run's --remove-stale, by a server that removes
// what a stop cut): the resume cannot go on in it, but the part is still in
// the spool, so it is sent again whole into a new temporary file.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { bandwidthLimit, put, type RetryEvent } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';
import { remote, sshFlags, startCli } from '../helpers/cli';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-spool-', { mustEndEmpty: true });
const MiB = 1024 * 1024;

describe('put --part-size over SFTP, a part\'s temporary file removed while the connection was down', () => {
  // The caller sees two retries of that part: the lost connection, then the
  // temporary file gone (ERR_NO_SUCH_FILE, tempGone), saying that the part goes
  // again whole (it said "nothing was stored"); the put resolves.
  // Left remotely: the whole set, no temporary file; locally: an empty spool.
  it('sends that part again whole from the spool, and the set is whole', async () => {
    const jailed = await userDir(sshd.sftp, 'temp-gone');
    const data = randomBytes(3 * 4 * MiB + 5);
    const temps = (): string[] => readdirSync(jailed).filter((f) => /\.scpipe-\w{6}$/.test(f));
    const retries: RetryEvent[] = [];
    // Removed as the first retry is announced, before its wait: the resume finds no file.
    const onRetry = (e: RetryEvent): void => {
      if (retries.push(e) === 1) for (const f of temps()) rmSync(join(jailed, f));
    };
    const running = put({ ...connectOptions(sshd, sshd.sftp), bandwidth: bandwidthLimit(160_000) }, `${remotePath(sshd.sftp, jailed)}/g.bin`, Readable.from([data]), {
      partSize: 4 * MiB, parallel: 1, spoolDir: spoolDir(), memoryLimit: MiB, backoffMs: [0], onRetry,
    });
    const written = (f: string): number => statSync(join(jailed, f), { throwIfNoEntry: false })?.size ?? 0;
    await waitFor(() => temps().some((f) => written(f) > 0), 'a part half-written remotely', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const result = await running;
    expect(result.protocol).toBe('sftp');
    expect(retries.map((e) => e.error)).toEqual([
      expect.objectContaining({ code: 'ERR_LOST_CONNECTION' }),
      expect.objectContaining({ code: 'ERR_NO_SUCH_FILE', tempGone: true, message: expect.stringMatching(/: this upload's temporary file was removed while the connection was down \(by hand, by another run's --remove-stale, or by a server that removed the uploads it cut as it stopped\): the part goes again whole$/) }),
    ]);
    const files = readdirSync(jailed).sort();
    expect(files).toEqual(['g.bin.000000', 'g.bin.000001', 'g.bin.000002', 'g.bin.000003', 'g.bin.sha256']);
    expect(Buffer.concat(files.slice(0, 4).map((f) => readFileSync(join(jailed, f)))).equals(data)).toBe(true);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'g.bin.sha256'], { cwd: jailed });
  }, 120_000);
});

describe('put --part-size over SFTP, a part\'s temporary file removed while it is written', () => {
  // A cleanup script (`find DIR -name '.g.bin*' -delete`) takes the file the
  // part is being written to. User sees: what happened to that part and its
  // retry (that part goes again whole, where the line said "nothing was
  // stored"), then exit 0, where the run ended 1 with the set incomplete. Left
  // remotely: the whole set, byte-exact, no temporary file.
  it('sends that part again whole from the spool, saying so, and the set is whole', async () => {
    const jailed = await userDir(sshd.sftp, 'temp-cut');
    const rdir = remotePath(sshd.sftp, jailed);
    const data = randomBytes(3 * MiB + 5);
    const temps = (): string[] => readdirSync(jailed).filter((f) => /\.scpipe-\w{6}$/.test(f));
    // -l 4000: 500 kB/s, two seconds a part, so the part is taken while it is written.
    const run = startCli(['put', ...sshFlags(sshd, sshd.sftp), '--protocol', 'sftp', '--part-size', '1M', '--parallel', '1', '-l', '4000', remote(sshd, sshd.sftp, `${rdir}/g.bin`)], { stdin: data, timeoutMs: 90_000 });
    const written = (f: string): number => statSync(join(jailed, f), { throwIfNoEntry: false })?.size ?? 0;
    let taken: string | undefined;
    await waitFor(() => (taken = temps().find((f) => written(f) > 0)) !== undefined, 'a part half-written remotely', 60_000);
    rmSync(join(jailed, taken!));
    const r = await run.done;
    const part = taken!.replace(/^\.(.*)\.scpipe-\w{6}$/, '$1');
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${escapeRegExp(`${rdir}/${part}`)}: the temporary file ${escapeRegExp(`${rdir}/${taken}`)} was removed during the upload \\(by hand, or by another run's --remove-stale\\): the part goes again whole; retry 1 of \\d+ in \\d+ s\\n$`));
    expect(r.status).toBe(0);
    const files = readdirSync(jailed).sort();
    expect(files).toEqual(['g.bin.000000', 'g.bin.000001', 'g.bin.000002', 'g.bin.000003', 'g.bin.sha256']);
    expect(Buffer.concat(files.slice(0, 4).map((f) => readFileSync(join(jailed, f)))).equals(data)).toBe(true);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'g.bin.sha256'], { cwd: jailed });
  }, 120_000);
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
