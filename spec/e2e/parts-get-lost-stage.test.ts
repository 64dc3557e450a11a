// A restore of a set whose connection is lost for good (--retries 0, the
// sshd serving it killed) while a part fetched ahead is at a record
// boundary: before its remote scp sent a byte, or after the part came
// whole but before the remote ended. The message said a bare "connection
// lost", where a loss mid-part says "in the middle of a file": it says
// where now. The remote scp is OpenSSH's, run by a wrapper that waits
// (before it, or after it, for part 000004 only) and leaves a mark, so the
// sshd is killed at that point and no other.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { tempDirPerTest } from '../helpers/temp-dir';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const outDir = tempDirPerTest('scpipe-lost-stage-out-');

const MiB = 1024 * 1024;

describe('get --output of a set, the connection lost for good at part 000004', () => {
  it.each([
    ['before', 'before the transfer started'],
    ['after', "after the file's data came whole, before the remote's exit status"],
  ])('%s its remote scp: the message says where it was lost', async (when, where) => {
    const dir = await userDir(sshd.user, `lost-${when}`);
    await put(connectOptions(sshd, sshd.user), `${dir}/g.bin`, Readable.from([randomBytes(8 * MiB)]), { partSize: MiB });
    const mark = join(await userDir(sshd.user, 'mark'), 'waiting');
    const wait = `case "$*" in *.000004) : > '${mark}'; sleep 60;; esac`;
    const scp = join(dir, 'scp-waits');
    await writeFile(scp, when === 'before' ? `#!/bin/sh\n${wait}\nexec scp "$@"\n` : `#!/bin/sh\nscp "$@"\nst=$?\n${wait}\nexit $st\n`, { mode: 0o755 });
    const out = outDir();
    const run = startCli(['get', ...sshFlags(sshd, sshd.user), '-O', '--scp-path', scp, '--retries', '0', '--output', join(out, 'g.bin'), remote(sshd, sshd.user, `${dir}/g.bin`)], { timeoutMs: 60_000 });
    await waitFor(() => existsSync(mark), 'the remote scp of part 000004 waiting', 30_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: part g.bin.000004: connection lost ${where}\n`);
    expect(readdirSync(out)).toEqual([]);
  }, 90_000);
});
