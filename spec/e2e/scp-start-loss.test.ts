// A put over SCP whose link goes silent after the login, before the remote
// scp answered: the input is already spooled and nothing was sent, so the
// keepalive's loss is retried over a new connection like one while spooling.
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

it('put --protocol scp, the link silent once logged in: the keepalive ends it, retried, stored whole', async () => {
  const dir = await userDir(sshd.user, 'scp-start');
  // The first connection's answers held back a while, then dropped once the link is silent: the remote scp's never arrives.
  const relay = await startSlowAnswersRelay(sshd.port, (i) => i === 0);
  try {
    const flags = [...sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user), '-v', '--protocol', 'scp', '-o', 'ServerAliveInterval=2'];
    const data = randomBytes(1024 * 1024 + 3);
    const run = startCli(['put', ...flags, `${sshd.user.name}@127.0.0.1:${remotePath(sshd.user, dir)}/f`], { stdin: data, timeoutMs: 60_000 });
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

it('put --size from a pipe, the link silent once logged in: nothing was read from the pipe, so retried, stored whole', async () => {
  const dir = await userDir(sshd.user, 'scp-start');
  let silent = false;
  let connections = 0;
  const relay = await startTcpRelay(sshd.port, (client, upstream) => {
    const held = connections++ === 0;
    client.on('data', (d: Buffer) => (held && silent ? undefined : upstream.write(d)));
    // Answers held back a while, then dropped once the link is silent: the remote scp's never arrives.
    upstream.on('data', (d: Buffer) => (held ? setTimeout(() => silent || client.write(d), 400) : client.write(d)));
  });
  try {
    const known = knownHostsFor(sshd, relay.port, join(local(), 'known_hosts'));
    const flags = [...sshFlags({ ...sshd, port: relay.port, knownHostsPath: known }, sshd.user), '-v', '--protocol', 'scp', '-o', 'ServerAliveInterval=2'];
    const data = randomBytes(1024 * 1024 + 3);
    const run = startCli(['put', ...flags, '--size', String(data.length), `${sshd.user.name}@127.0.0.1:${remotePath(sshd.user, dir)}/f`], { stdin: data, timeoutMs: 60_000 });
    await waitFor(() => run.stderr().includes('exec: scp -t'), 'the remote scp asked for', 30_000);
    silent = true;
    const r = await run.done;
    expect(r.stderr).toMatch(/connection lost before the command started: no answer from the server for 6 s \(ServerAliveInterval 2 s × ServerAliveCountMax 3\); retry 1 of 5 in 1 s\n/);
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  } finally {
    await relay.close();
  }
}, 60_000);
