// A restore of a set whose connection is lost for good (--retries 0, the
// sshd serving it killed) while a part fetched ahead is at a record
// boundary: before its remote scp sent a byte (after the part came whole,
// it is stored: the last test). The message said a bare "connection
// lost", where a loss mid-part says "in the middle of a file": it says
// where now. The remote scp is OpenSSH's, run by a wrapper that waits
// (before it, or after it, for part 000004 only) and leaves a mark, so the
// sshd is killed at that point and no other.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
    // After it, the part came whole and is stored (below): a later part names the loss.
    ['before', 'before the transfer started'],
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

// The last part came whole, then its connection went before the remote's exit
// status: its bytes match the manifest's SHA-256, the proof the status would
// add nothing to, so it is stored, as when the status comes (it was exit 1).
describe('get --output of a set, the exit status of its last part lost for good', () => {
  it('the part whose bytes match the manifest is stored: exit 0, the file whole', async () => {
    const dir = await userDir(sshd.user, 'lost-status');
    const data = randomBytes(5 * MiB);
    await put(connectOptions(sshd, sshd.user), `${dir}/g.bin`, Readable.from([data]), { partSize: MiB });
    const marks = await userDir(sshd.user, 'marks');
    // Each part's scp leaves a mark once it sent its part; the last one's waits for the others' (so only its status is lost).
    const others = [0, 1, 2, 3].map((n) => `'${marks}/done.00000${n}'`).join(' ');
    const last = `until ls ${others} >/dev/null 2>&1; do sleep 0.1; done; : > '${marks}/waiting'; sleep 60`;
    const scp = join(dir, 'scp-waits');
    await writeFile(scp, `#!/bin/sh\nscp "$@"\nst=$?\ncase "$*" in *.000004) ${last};; *) : > '${marks}/done.'"\${*##*.}";; esac\nexit $st\n`, { mode: 0o755 });
    const out = outDir();
    const run = startCli(['get', ...sshFlags(sshd, sshd.user), '-O', '--scp-path', scp, '--retries', '0', '--output', join(out, 'g.bin'), remote(sshd, sshd.user, `${dir}/g.bin`)], { timeoutMs: 60_000 });
    await waitFor(() => existsSync(join(marks, 'waiting')), 'the remote scp of part 000004 waiting', 30_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(out, 'g.bin')).equals(data)).toBe(true);
  }, 90_000);
});
