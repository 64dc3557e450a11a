// A put over SCP whose link goes silent after the login, before the remote
// scp answered: the input is already spooled and nothing was sent, so the
// keepalive's loss is retried over a new connection like one while spooling.
// With --size the input is not spooled: nothing was read from the pipe yet,
// so the retry still sends it whole.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startSlowAnswersRelay } from '../helpers/tcp-relay';
import { sshFlagsVia, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-scp-start-loss-');

it.each([
  ['spooled', false],
  ['--size from a pipe, not spooled', true],
])('put --protocol scp (%s), the link silent once logged in: the keepalive ends it, retried, stored whole', async (_name, sized) => {
  const dir = await userDir(sshd.user, 'scp-start');
  // The first connection's answers held back a while, then dropped once the link is silent: the remote scp's never arrives.
  const relay = await startSlowAnswersRelay(sshd.port, (i) => i === 0);
  try {
    const flags = [...sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user), '-v', '--protocol', 'scp', '-o', 'ServerAliveInterval=2'];
    const data = randomBytes(1024 * 1024 + 3);
    const size = sized ? ['--size', String(data.length)] : [];
    const run = startCli(['put', ...flags, ...size, `${sshd.user.name}@127.0.0.1:${remotePath(sshd.user, dir)}/f`], { stdin: data, timeoutMs: 60_000 });
    await waitFor(() => run.stderr().includes('exec: scp -t'), 'the remote scp asked for', 30_000);
    relay.silence();
    const r = await run.done;
    expect(r.stderr).toMatch(/connection lost before the command started: no answer from the server for 6 s \(ServerAliveInterval 2 s × ServerAliveCountMax 3\); retry 1 of 5 in 1 s\n/);
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  } finally {
    await relay.close();
  }
}, 60_000);
