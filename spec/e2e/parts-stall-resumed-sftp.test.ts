// A parts upload over SFTP (the internal-sftp chroot account) whose part
// stalls twice: once on its first session, and again on the session the
// reconnection opened for it. The second stall is said as the first is: the
// parts it cut short name the stalled part's session, not an unnamed one.
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';
import { sessionPids } from '../helpers/session-pids';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-stall-resumed-');

// The part (f.000002) whose temporary file session `pid` has open, if one.
function partOf(pid: number): string | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /\/\.(f\.\d{6})\.scpipe-\w{6}$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) return m[1];
    }
  } catch {
    // ended since it was listed
  }
  return undefined;
}

it('put --protocol sftp --parallel 4: a part stalled again after the reconnection is named by the parts it cuts short', async () => {
  const dir = await userDir(sshd.sftp, 'parts-stall-resumed');
  const rdir = remotePath(sshd.sftp, dir);
  const part = 4 * 1024 * 1024;
  const data = randomBytes(8 * part);
  // 2 MB/s: each stall is found 3 s after the remote had the stalled part's
  // bytes, and meanwhile the others are in flight on the same connection (the
  // parts besides the stalled one, 28 MiB, take about 14 s), so both stalls cut
  // some short. Which stall a line tells of is read from where it stands
  // relative to the reconnection (-v), not from its retry count: a part cut
  // short by the first stall may have finished before the second.
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const run = startCli(['put', '-v', '--protocol', 'sftp', '--part-size', '4M', '--parallel', '4', '--stall-timeout', '3', '--retries', '3', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 150_000 });
    let stalled: string | undefined;
    let first: number[] = [];
    await waitFor(async () => {
      first = await sessionPids(sshd);
      const pid = first.find((p) => partOf(p) !== undefined);
      if (first.length < 4 || pid === undefined) return false;
      stalled = partOf(pid);
      link.stop(pid);
      return true;
    }, 'four sftp sessions', 60_000);
    // The same part's session on the new connection: stopped too.
    await waitFor(async () => {
      const pid = (await sessionPids(sshd)).find((p) => !first.includes(p) && partOf(p) === stalled);
      if (pid === undefined) return false;
      link.stop(pid);
      return true;
    }, `${stalled} resumed on a new connection`, 60_000);
    const r = await run.done;
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n');
    const stall = 'the remote moved no byte for 3 s';
    // The stalled part's own lines: its first stall, then its second.
    const own = lines.findIndex((l) => l.startsWith(`scpipe: ${stalled}: `) && l.includes(stall) && /; retry 1 of 3 in/.test(l));
    expect(own).toBeGreaterThanOrEqual(0);
    expect(lines.some((l) => l.startsWith(`scpipe: ${stalled}: `) && l.includes(stall) && /; retry 2 of 3 in/.test(l))).toBe(true);
    // The reconnection: the first connection made after the first stall.
    const reconnected = lines.findIndex((l, i) => i > own && /authenticated to /.test(l));
    expect(reconnected).toBeGreaterThan(own);
    const cut = lines.map((l, i) => ({ l, i })).filter(({ l }) => /a stall on its sftp session/.test(l));
    // Each line of a part cut short by another's stall names the part that stalled...
    for (const { l } of cut) expect(l).toMatch(/a stall on its sftp session for \S+\/f\.\d{6}: the remote moved no byte for 3 s/);
    // ...the second stall (on the session the reconnection opened) as the first.
    const named = cut.filter(({ l }) => l.includes(`a stall on its sftp session for ${rdir}/${stalled}: ${stall}`));
    expect(named.filter(({ i }) => i < reconnected).length).toBeGreaterThan(0);
    expect(named.filter(({ i }) => i > reconnected).length).toBeGreaterThan(0);
    await expectPartsSet(dir, 8, data);
  }, 2_000_000);
}, 180_000);
