// A restore of a set whose connection is lost for good (--retries 0, the
// sshd serving it killed in the middle of a part): the message names the
// part it was fetching, as it names a missing one, so the user knows where
// the restore stopped.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { openSpoolFilesIn } from '../helpers/open-files';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-lost-spool-', { mustEndEmpty: true });
const outDir = tempDirPerTest('scpipe-lost-out-');

const MiB = 1024 * 1024;

describe('get of a set over a connection lost for good', () => {
  // User sees exit 1 and `part g.bin.000000: connection lost in the middle
  // of a file`; left: nothing at --output (no temporary file), and the set
  // on the server as it was.
  it('over SCP to --output: the message names the part being fetched', async () => {
    const dir = await userDir(sshd.rssh, 'lost');
    await put(connectOptions(sshd, sshd.rssh), `${dir}/g.bin`, Readable.from([randomBytes(3 * 16 * MiB)]), { partSize: 16 * MiB, spoolDir: spoolDir() });
    const before = readdirSync(dir).sort();
    const spool = spoolDir();
    const out = outDir();
    // 5 MB/s, 1 MiB of RAM: the first part spills to the spool well before it is whole.
    const run = startCli(['get', ...sshFlags(sshd, sshd.rssh), '-O', '-l', '40000', '--retries', '0', '--parallel', '1', '--memory', '1M', '--spool-dir', spool, '--output', join(out, 'g.bin'), remote(sshd, sshd.rssh, `${dir}/g.bin`)], { timeoutMs: 60_000 });
    await waitFor(() => openSpoolFilesIn(spool, run.child.pid!).length > 0, 'the first part spilling to the spool', 30_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: part g\.bin\.000000: connection lost in the middle of a file/);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(before);
  }, 90_000);
});
