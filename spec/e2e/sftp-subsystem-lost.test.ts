// A connection lost while the sftp subsystem opens (its channel, the
// subsystem request, the SFTP version) is a lost connection, not a refusal:
// put and cp connect again within --retries and ask for SFTP again, also
// under --protocol auto, where only a refusal means SCP.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { remotePath, userDir, type TestSshd } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startSlowAnswersRelay, startTcpRelay } from '../helpers/tcp-relay';
import { sshFlagsVia, startCli, type CliResult } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-subsystem-lost-');

// Where the first connection is cut: as the channel is asked for; once sshd
// has started the subsystem (its answer held back); as the client sends SFTP's INIT.
type Stage = 'channel' | 'subsystem' | 'init';

/**
 * Runs scpipe (args from `command`, given the flags and the remote
 * directory) through a relay that holds sshd's answers back on the first
 * connection, and cuts that connection at `stage`; later connections pass.
 */
async function cutAt(stage: Stage, command: (flags: string[], dir: string) => string[], stdin?: Buffer): Promise<{ r: CliResult; dir: string }> {
  const account = sshd.user;
  const dir = await userDir(account, 'lost');
  const first: Socket[] = [];
  let cutOnNextSend = false;
  const cut = (): void => first.forEach((s) => s.destroy());
  const relay = await startTcpRelay(sshd.port, (client, upstream) => {
    const held = first.length === 0;
    if (held) first.push(client, upstream);
    client.on('data', (d: Buffer) => (held && cutOnNextSend ? cut() : upstream.write(d)));
    upstream.on('data', (d: Buffer) => (held ? setTimeout(() => client.write(d), 400) : client.write(d)));
  });
  try {
    const flags = [...sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), account), '-v'];
    const logFrom = sshd.logText().length;
    const run = startCli(command(flags, `${account.name}@127.0.0.1:${remotePath(account, dir)}`), { stdin, timeoutMs: 60_000 });
    await waitFor(() => run.stderr().includes('sftp: opening the sftp subsystem'), 'the subsystem asked for', 30_000);
    if (stage === 'channel') cut();
    else {
      await waitFor(() => sshd.logText().slice(logFrom).includes("Starting session: subsystem 'sftp'"), 'sshd starting the subsystem', 10_000);
      // Its answer reaches the client 400 ms later; the client's next packet is SFTP's INIT.
      if (stage === 'subsystem') cut();
      else cutOnNextSend = true;
    }
    return { r: await run.done, dir };
  } finally {
    await relay.close();
  }
}

const RETRY = /connection lost while opening the sftp subsystem; retry 1 of 5 in 1 s\n/;

describe('a connection lost while the sftp subsystem opens', () => {
  it('put --protocol sftp, lost once sshd started the subsystem: retried over SFTP, stored whole, nothing else left', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const { r, dir } = await cutAt('subsystem', (flags, at) => ['put', ...flags, '--protocol', 'sftp', `${at}/f`], data);
    expect(r.stderr).toMatch(RETRY);
    expect(r.stderr).toContain('protocol: sftp (--protocol sftp)');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  }, 90_000);

  it('put under auto, lost at SFTP\'s INIT: retried over SFTP again, not over SCP', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 1);
    const { r, dir } = await cutAt('init', (flags, at) => ['put', ...flags, `${at}/f`], data);
    expect(r.stderr).toMatch(RETRY);
    expect(r.stderr).toContain('protocol: sftp (the sftp subsystem opened)');
    expect(r.stderr).not.toContain('protocol: scp');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  }, 90_000);

  it('put --retries 0, lost as the channel is asked for: exit 1 at once, saying so, nothing made', async () => {
    const { r, dir } = await cutAt('channel', (flags, at) => ['put', ...flags, '--retries', '0', `${at}/f`], Buffer.from('x'));
    expect(r.stderr).toMatch(/\nscpipe: connection lost while opening the sftp subsystem\n$/);
    expect(r.stderr).not.toContain('retry');
    expect(r.stderr).not.toContain('protocol: scp');
    expect(r.status).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('cp of a local file under auto, lost once sshd started the subsystem: retried over SFTP, stored', async () => {
    const file = join(local(), 'up');
    writeFileSync(file, 'five!');
    const { r, dir } = await cutAt('subsystem', (flags, at) => ['cp', ...flags, file, `${at}/f`]);
    expect(r.stderr).toMatch(RETRY);
    expect(r.stderr).toContain('protocol: sftp (the sftp subsystem opened)');
    expect(r.stderr).not.toContain('protocol: scp');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('five!');
  }, 90_000);

  it('cp of a remote file under auto, lost at SFTP\'s INIT: retried over SFTP, stored whole', async () => {
    const data = randomBytes(1024 * 1024 + 3);
    const out = join(local(), 'down');
    const { r } = await cutAt('init', (flags, at) => {
      const [, path] = at.split(':');
      writeFileSync(join(path!, 'src'), data);
      return ['cp', ...flags, `${at}/src`, out];
    });
    expect(r.stderr).toMatch(RETRY);
    expect(r.stderr).toContain('protocol: sftp (the sftp subsystem opened)');
    expect(r.stderr).not.toContain('protocol: scp');
    expect(r.status).toBe(0);
    expect(readFileSync(out).equals(data)).toBe(true);
    expect(readdirSync(local()).sort()).toEqual(['down', 'known_hosts']);
  }, 90_000);
});

/**
 * put --parallel `parallel` of `size` bytes through a relay that holds back
 * sshd's answers on connection `link` (0 the first), and cuts that connection
 * once sshd has started a second sftp subsystem: as further channels open.
 */
async function cutAsChannelsOpen(server: TestSshd, link: number, parallel: number, size: number): Promise<{ r: CliResult; dir: string; data: Buffer }> {
  const dir = await userDir(server.user, 'lanes');
  const relay = await startSlowAnswersRelay(server.port, (i) => i === link);
  try {
    const flags = [...sshFlagsVia(server, relay.port, join(local(), 'known_hosts'), server.user), '-v', '--parallel', String(parallel)];
    const logFrom = server.logText().length;
    const data = randomBytes(size);
    const run = startCli(['put', ...flags, `${server.user.name}@127.0.0.1:${remotePath(server.user, dir)}/f`], { stdin: data, timeoutMs: 90_000 });
    const started = (): number => server.logText().slice(logFrom).match(/Starting session: subsystem 'sftp'/g)?.length ?? 0;
    await waitFor(() => started() >= 2 && relay.links.length > link, 'sshd starting a second subsystem', 30_000);
    relay.links[link]!.forEach((s) => s.destroy());
    return { r: await run.done, dir, data };
  } finally {
    await relay.close();
  }
}

const LANE_LOST = 'sftp: a further channel did not open: connection lost while opening the sftp subsystem\n';

describe('further channels of an upload, lost as they open', () => {
  // The connection goes while the further channels open: the upload resumes
  // over a new connection with all the channels asked for, not only those that had opened.
  it('put --parallel 4, the connection lost as channels 2-4 open: resumed over 4 channels, stored whole', async () => {
    const { r, dir, data } = await cutAsChannelsOpen(sshd, 0, 4, 12 * 1024 * 1024 + 7);
    expect(r.stderr).toContain(LANE_LOST);
    expect(r.stderr).toMatch(/retry 1 of 5 in 1 s\n/);
    expect(r.stderr).toContain('sftp: 4 channel(s), nothing spooled\n');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  }, 90_000);
});

describe('a further channel on a connection of its own, lost as it opens', () => {
  // MaxSessions 1: each channel goes over a further connection (connection-set.ts).
  const single = sshdPerSuite({ maxSessions: 1 });

  it('put --parallel 3: the other channels go on, stored whole, no retry', async () => {
    // The second connection: the first further channel's.
    const { r, dir, data } = await cutAsChannelsOpen(single, 1, 3, 8 * 1024 * 1024 + 1);
    expect(r.stderr).toContain(LANE_LOST);
    expect(r.stderr).not.toContain('retry');
    expect(r.stderr).toContain('sftp: 2 channel(s), nothing spooled\n');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['f']);
    expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
  }, 90_000);
});

describe('a link that goes silent as the sftp subsystem opens', () => {
  // Not closed: nothing comes back at all, so only the keepalive finds the
  // loss. A silent subsystem under auto means SCP (a forced command), but a
  // silent link is a lost connection, made again over SFTP.
  it('put under auto: the keepalive ends it, and the retry goes over SFTP, not SCP', async () => {
    const dir = await userDir(sshd.user, 'silent');
    // The first connection's answers held back a while, then dropped once the link is silent: none reaches the client after the subsystem is asked for.
    const relay = await startSlowAnswersRelay(sshd.port, (i) => i === 0);
    try {
      const flags = [...sshFlagsVia(sshd, relay.port, join(local(), 'known_hosts'), sshd.user), '-v', '-o', 'ServerAliveInterval=5'];
      const data = randomBytes(1024 * 1024 + 9);
      const run = startCli(['put', ...flags, `${sshd.user.name}@127.0.0.1:${remotePath(sshd.user, dir)}/f`], { stdin: data, timeoutMs: 90_000 });
      await waitFor(() => run.stderr().includes('sftp: opening the sftp subsystem'), 'the subsystem asked for', 30_000);
      relay.silence();
      const r = await run.done;
      expect(r.stderr).toContain('sftp: no answer from the server in 10 s; waiting for it, or for the keepalive or --stall-timeout to give up\n');
      expect(r.stderr).toMatch(/connection lost while opening the sftp subsystem: no answer from the server for 15 s \(ServerAliveInterval 5 s × ServerAliveCountMax 3\); retry 1 of 5 in 1 s\n/);
      expect(r.stderr).toContain('protocol: sftp (the sftp subsystem opened)');
      expect(r.stderr).not.toContain('protocol: scp');
      expect(r.status).toBe(0);
      expect(readdirSync(dir)).toEqual(['f']);
      expect(readFileSync(join(dir, 'f')).equals(data)).toBe(true);
    } finally {
      await relay.close();
    }
  }, 90_000);
});
