// A connection lost while put is still spooling its input (the producer
// still running, nothing sent yet) is said at once and at its stage, not as
// "after the file header" once the input ends: with --retries 0 the run
// fails before the stream ends; with retries, -v says so at once and the
// file goes over a new connection once the input is spooled. The same when
// the connection goes after the login, before the remote scp has answered.
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const STAGE = 'connection lost while the input was being spooled, before the file header (nothing was sent)';

describe('put: a connection lost while spooling', () => {
  it('--retries 0: fails at once, while the input is still open, at the right stage', async () => {
    const dir = await userDir(sshd.user, 'spool-loss');
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '-v', '--retries', '0', remote(sshd, sshd.user, join(dir, 'a.bin'))], { stdin: input });
    input.write(randomBytes(1024 * 1024));
    await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t started', 30_000);
    await dropConnections(sshd);
    const r = await run.done; // the input is never ended: only the loss can end the run
    input.destroy();
    expect(r.status).toBe(1);
    expect(r.stderr.split(`scpipe: ${STAGE}\n`)).toHaveLength(2); // said once, -v or not
    expect(r.stderr).not.toMatch(/after the file header/);
  });

  it('with retries: -v says it at once, the file goes whole over a new connection, and --json counts the retry', async () => {
    const dir = await userDir(sshd.user, 'spool-retry');
    const data = randomBytes(3 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '-v', '--json', remote(sshd, sshd.user, join(dir, 'b.bin'))], { stdin: input });
    input.write(data.subarray(0, 1024 * 1024));
    await waitFor(() => run.stderr().includes('< \\0 (ok)'), 'the remote scp -t started', 30_000);
    await dropConnections(sshd);
    await waitFor(() => run.stderr().includes(`${STAGE}; will reconnect once the input is spooled`), 'the -v line, before the input ends', 30_000);
    input.end(data.subarray(1024 * 1024));
    const r = await run.done;
    expect(r.stderr).toMatch(new RegExp(`b\\.bin: ${STAGE.replace(/[()]/g, '\\$&')}; retry 1 of 5`));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: true, retries: 1 }); // --json counts it
    expect((await readFile(join(dir, 'b.bin'))).equals(data)).toBe(true);
  });

  // Lost after the login, while the remote scp starts (here one that takes
  // its time): nothing was sent, so this too is a loss while spooling. User
  // sees "connection lost before the transfer started; retry 1 of 5", exit 0;
  // the producer is not stopped; left: the whole file.
  it('lost before the remote scp answered: with retries, the file goes over a new connection once the input is spooled', async () => {
    const dir = await userDir(sshd.user, 'start-loss');
    const slow = join(dir, 'slow-scp');
    // The first run waits before it becomes scp, leaving a mark; a retry is scp at once.
    await writeFile(slow, `#!/bin/sh\nif [ ! -e "$0.started" ]; then touch "$0.started"; sleep 30; fi\nexec scp "$@"\n`);
    await chmod(slow, 0o755);
    await chown(slow, sshd.user.uid, sshd.user.gid);
    const data = randomBytes(3 * 1024 * 1024);
    const input = new PassThrough();
    const run = startCli(['put', ...sshFlags(sshd, sshd.user), '-O', '-v', '--scp-path', slow, remote(sshd, sshd.user, join(dir, 'c.bin'))], { stdin: input });
    input.write(data.subarray(0, 1024 * 1024));
    await waitFor(() => access(`${slow}.started`).then(() => true, () => false), 'the remote scp starting', 30_000);
    await dropConnections(sshd);
    await waitFor(() => run.stderr().includes('connection lost before the transfer started; will reconnect once the input is spooled'), 'the -v line, before the input ends', 30_000);
    input.end(data.subarray(1024 * 1024));
    const r = await run.done;
    expect(r.stderr).toMatch(/c\.bin: connection lost before the transfer started; retry 1 of 5/);
    expect(r.status).toBe(0);
    expect((await readFile(join(dir, 'c.bin'))).equals(data)).toBe(true);
  });
});
