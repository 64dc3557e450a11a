// A parts set over SFTP stopped by a signal while a part is on its way: the
// part's temporary file is removed, and one the server would not remove (a
// directory made read-only meanwhile) is named in the run's message, as a
// part's own failure names it. The link is throttled so the part is still
// being written when the signal comes.
import { readdir, chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { startThrottleProxy } from '../helpers/throttle-proxy';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-parts-signal-');
const spool = tempDirPerTest('scpipe-test-parts-signal-spool-', { mustEndEmpty: true });
const MiB = 1024 * 1024;

describe('put --part-size over SFTP, SIGINT while a part is written', () => {
  it('a temporary file that could not be removed is named: exit 130, it stays remotely, the spool is emptied', async () => {
    const dir = await userDir(sshd.user, 'parts-signal');
    const proxy = await startThrottleProxy(sshd.port, 1_000_000); // some 4 s for the part
    const input = new PassThrough();
    try {
      const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), sshd.user);
      const run = startCli(['put', ...flags, '--protocol', 'sftp', '--part-size', '4M', '--spool-dir', spool(), remote(sshd, sshd.user, `${dir}/p.bin`)], { stdin: input, timeoutMs: 60_000 });
      input.write(Buffer.alloc(4 * MiB + 1, 3)); // the first part whole, the next begun
      const temp = async (): Promise<string | undefined> => (await readdir(dir)).find((n) => n.startsWith('.p.bin.000000.scpipe-'));
      await waitFor(async () => {
        const name = await temp();
        return name !== undefined && (await stat(join(dir, name))).size > 0;
      }, `part 0 being written (stderr so far: ${run.stderr()})`, 30_000);
      await chmod(dir, 0o555); // its owner can no longer remove a name in it
      run.child.kill('SIGINT');
      const r = await run.done;
      const name = (await temp())!;
      expect(r.status).toBe(130);
      const shown = `${dir}/${name}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(r.stderr).toMatch(new RegExp(`^scpipe: interrupted by SIGINT; the parts set p\\.bin is incomplete \\(no manifest p\\.bin\\.sha256\\): no part confirmed; the partial upload is left in ${shown} \\(removing it failed: [^\\n]*Permission denied[^\\n]*\\)\\n$`));
      expect(await readdir(dir)).toEqual([name]);
    } finally {
      input.destroy();
      await chmod(dir, 0o755);
      await proxy.close();
    }
  }, 90_000);
});
