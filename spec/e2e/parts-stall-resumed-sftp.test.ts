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
  // 2 MB/s over four parts: none of the parts in flight finishes between the two stalls.
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const run = startCli(['put', '--protocol', 'sftp', '--part-size', '4M', '--parallel', '4', '--stall-timeout', '3', '--retries', '3', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 150_000 });
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
    const cut = r.stderr.split('\n').filter((l) => /a stall on its sftp session/.test(l));
    // Each line of a part cut short by another's stall names the part that stalled...
    for (const line of cut) expect(line).toMatch(/a stall on its sftp session for \S+\/f\.\d{6}: the remote moved no byte for 3 s/);
    // ...the second stall (on the session the reconnection opened) as the first.
    const again = `a stall on its sftp session for ${rdir}/${stalled}: the remote moved no byte for 3 s`;
    expect(cut.filter((l) => l.includes(again) && /; retry 1 of 3 in/.test(l)).length).toBeGreaterThan(0);
    expect(cut.filter((l) => l.includes(again) && /; retry 2 of 3 in/.test(l)).length).toBeGreaterThan(0);
    await expectPartsSet(dir, 8, data);
  }, 2_000_000); // 2 MB/s over four parts: none of the parts in flight finishes between the two stalls
}, 180_000);
