// A parts upload over SCP with four channels, one of whose remote scp -t
// stops (SIGSTOP: a process hung on NFS or a tape looks so) while the others
// move: the stall ends the connection, the parts in flight go again over one
// new connection, and only the stopped part is said to have stalled; the
// others name it as the cause. The set stored is the stream, byte-exact.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, firstRetries, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-stall-');

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return []; // ended since it was listed
  }
}

it('put -O --parallel 4: one part\'s scp -t stopped; that part alone is said stalled, the others name it; exit 0, the set whole', async () => {
  const dir = await userDir(sshd.user, 'parts-stall-one');
  const part = 1024 * 1024;
  const data = randomBytes(48 * part);
  // A link of 8 MB/s (6 s or more for the set): the other channels still move when the stall is
  // found, and what the four hold in flight (4 MiB) crosses it well within the limit.
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.user);
    const run = startCli(['put', '-O', '--part-size', '1M', '--parallel', '4', '--stall-timeout', '3', '--retries', '2', ...flags, remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, timeoutMs: 120_000 });
    await waitFor(async () => {
      for (const pid of await sshd.connectionPids()) {
        if (!argvOf(pid).some((a) => a.endsWith('/f.000002'))) continue;
        link.stop(pid);
        return true;
      }
      return false;
    }, 'the scp -t of part 2', 60_000);
    const r = await run.done;
    expect(r.status).toBe(0);
    const retries = firstRetries(r.stderr);
    const own = retries.filter((l) => l.startsWith('scpipe: f.000002: '));
    const others = retries.filter((l) => !l.startsWith('scpipe: f.000002: '));
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^scpipe: f\.000002: connection lost[^:]*: the remote moved no byte for 3 s while scpipe waited for /);
    expect(others.length).toBeGreaterThan(0); // parts in flight on the connection the stall ended
    for (const line of others) {
      expect(line).toMatch(/^scpipe: f\.\d{6}: connection lost[^:]*: the connection was ended for a stall on its channel for the exec of scp -t '\S+\/f\.000002': the remote moved no byte for 3 s/);
    }
    await expectPartsSet(dir, 48, data);
  });
}, 150_000);
