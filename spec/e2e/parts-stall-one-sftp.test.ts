// A parts upload over SFTP (the internal-sftp chroot account) with four
// channels, one of whose sessions stops (SIGSTOP) while the others move: the
// stall ends the connection, the parts in flight go again over a new one.
// The user sees one retry line per part cut short: the stalled part's says
// what it waited for, each other one names the stalled part's session; exit
// 0, and the set stored is the stream, byte-exact.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, firstRetries, stopOneOfFourSessions, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-stall-sftp-');

it('put --protocol sftp --parallel 4: one part\'s session stopped; the others name that part; exit 0, the set whole', async () => {
  const dir = await userDir(sshd.sftp, 'parts-stall-sftp');
  const rdir = remotePath(sshd.sftp, dir);
  const part = 1024 * 1024;
  const data = randomBytes(48 * part);
  // 8 MB/s: the other channels still move when the stall is found.
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const run = startCli(['put', '--protocol', 'sftp', '--part-size', '1M', '--parallel', '4', '--stall-timeout', '3', '--retries', '2', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 120_000 });
    await stopOneOfFourSessions(sshd, link);
    const r = await run.done;
    expect(r.status).toBe(0);
    const retries = firstRetries(r.stderr);
    const naming = retries.map((l) => /the connection was ended for a stall on its sftp session for (\S+\/f\.\d{6}): the remote moved no byte for 3 s/.exec(l)?.[1]);
    const named = new Set(naming.filter((n) => n !== undefined));
    // Every part cut short by another's stall names the same stalled part, whose own line says it stalled.
    expect(named.size).toBe(1);
    const [stalled] = [...named];
    const own = retries.filter((_, i) => naming[i] === undefined);
    expect(own).toHaveLength(1);
    expect(own[0]!.startsWith(`scpipe: ${stalled!.slice(rdir.length + 1)}: `)).toBe(true);
    expect(own[0]).toMatch(/the remote moved no byte for 3 s while scpipe waited for /);
    await expectPartsSet(dir, 48, data);
  });
}, 150_000);
