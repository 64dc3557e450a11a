// put --protocol sftp over a 20 ms round trip (a link across a country),
// the serving sshd killed mid-stream: the run reconnects through the same
// slow link, goes on in its temporary file from what the server had
// acknowledged, and stores the stream byte-exact under its name.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { waitFor } from '../helpers/async';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { startLatencyProxy } from '../helpers/latency-proxy';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-resume-rtt-');
const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('put --protocol sftp at a 20 ms round trip: the serving sshd killed mid-stream', () => {
  // User sees: one retry line, the resume point under -v, the stream's SHA-256, exit 0.
  // Left: the target whole, no temporary file; nothing locally.
  it('reconnects, goes on from the acknowledged bytes, and stores the stream byte-exact', async () => {
    const dir = await userDir(sshd.sftp, 'rtt');
    const data = randomBytes(24 * MiB);
    const proxy = await startLatencyProxy(sshd.port, 20);
    try {
      const input = new PassThrough();
      const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), sshd.sftp);
      const run = startCli(['put', '-v', '--protocol', 'sftp', '--checksum', ...flags, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: input, timeoutMs: 60_000 });
      input.write(data.subarray(0, 12 * MiB));
      await waitFor(async () => {
        const [temp] = await readdir(dir);
        return temp !== undefined && (await stat(join(dir, temp))).size >= 4 * MiB;
      }, 'bytes in the temporary file', 30_000);
      expect(await dropConnections(sshd)).toBeGreaterThan(0);
      await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
      input.end(data.subarray(12 * MiB));
      const r = await run.done;
      expect(r.stderr.split('\n').filter((l) => /; retry \d+ of \d+ in \d+ s$/.test(l))).toHaveLength(1);
      expect(r.stderr).toMatch(/scpipe: sftp: resuming at byte \d+/);
      expect(r.stderr).toContain(`${sha(data)}  r.bin`);
      expect(r.status).toBe(0);
      expect(await readdir(dir)).toEqual(['r.bin']);
      expect(sha(await readFile(join(dir, 'r.bin')))).toBe(sha(data));
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
