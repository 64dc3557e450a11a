// A remote file that gets shorter while `scp -f` reads it (a log cut, a
// file rewritten in place): OpenSSH's source sends zeros for what it could
// not read, then `\1scp: PATH: Broken pipe` (atomicio's word for an early
// end of file). To stdout those zeros have gone out; the message must say
// that what came is not the file, not read as if stdout's pipe broke.
import { randomBytes } from 'node:crypto';
import { chown, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

describe('get over SCP of a file that gets shorter while it is read', () => {
  it('exit 1, saying the file got shorter and the bytes received are not the file', async () => {
    const dir = await userDir(sshd.rssh, 'shrink');
    const file = join(dir, 'f.bin');
    const data = randomBytes(32 << 20);
    await writeFile(file, data);
    await chown(file, sshd.rssh.uid, sshd.rssh.gid);
    const run = startCli(['get', '-v', ...sshFlags(sshd, sshd.rssh), '-O', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)], { timeoutMs: 60_000 });
    // Not read until the file is cut: the remote scp stops a few MiB in, its reads waiting on ours.
    run.child.stdout!.pause();
    await waitFor(() => run.stderr().includes('receiving f.bin'), 'the file header');
    await truncate(file, 0);
    run.child.stdout!.resume();
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe(
      `scpipe: remote: scp: ${remotePath(sshd.rssh, dir)}/f.bin: Broken pipe (the file got shorter while the remote read it, and sent filler in place of the rest: the bytes received are not the file)`,
    );
    // What went out: the file's start (none, where the cut came before the
    // remote's first read), then the remote's zeros.
    const firstZero = r.stdout.findIndex((b, i) => b !== data[i]);
    expect(firstZero).toBeGreaterThanOrEqual(0);
    expect(r.stdout.subarray(firstZero).every((b) => b === 0)).toBe(true);
  });
});
