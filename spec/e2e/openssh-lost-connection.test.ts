// `--transport openssh` when a connection is lost, interrupted or refused on
// a retry, end to end against the real sshd through the rssh-restricted
// account: the run ends or resumes as with the ssh2 transport, and no ssh
// process is left behind.
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { endlessInput, remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { ChannelOpener } from '../../lib/client/connection';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { dropConnections, exitOnStalledServer } from '../helpers/drop-connections';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { knownHostsFor } from '../helpers/latency-proxy';
import { processesWith } from '../helpers/processes';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'openssh');
const { at } = sides;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flags = (extra: string[] = []): string[] => ['--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, extra)];

describe('--transport openssh: interrupted', () => {
  it('SIGTERM while sending: exit 143, and the ssh process is gone', async () => {
    const endless = endlessInput();
    const target = `${sides.rdir}/never-${process.pid}.bin`;
    try {
      const run = startCli(['put', ...flags(), '--size', String(2 ** 40), at(target)], { stdin: endless });
      await waitFor(async () => (await readdir(sides.rdir)).length > 0); // data is flowing
      expect(processesWith(target, 'ssh')).toHaveLength(1);
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.status).toBe(143);
      await waitFor(async () => processesWith(target, 'ssh').length === 0);
    } finally {
      endless.destroy();
    }
  });
});

describe('--transport openssh: a server that stops answering', () => {
  it('ends the run as the ssh2 transport does (ServerAliveInterval 15 s where the user set none), not hours later', async () => {
    const endless = endlessInput();
    // Without BatchMode, whose ServerAliveInterval is 300 s in ssh.
    const flagsNoBatch = ['-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-F', 'none'];
    const args = ['put', '--transport', 'openssh', ...flagsNoBatch, '-o', 'ServerAliveCountMax=1', '-s', '--retries', '0', at(`${sides.rdir}/stalled`)];
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const run = startCli(args, { stdin: endless });
    const r = await exitOnStalledServer(sshd, sides.rdir, run, endless);
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(45_000);
  }, 60_000);
});

describe('--transport openssh: channels a retry drops', () => {
  it('an ssh we end is a lost connection, not a remote command killed by a signal', async () => {
    await writeFile(join(sides.rdir, 'f'), 'x');
    const opener = new ChannelOpener({
      transport: 'openssh', host: '127.0.0.1', user: sshd.rssh.name, port: sshd.port, identityFiles: [sshd.rssh.keyPath], configFile: 'none',
      options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'],
    });
    const channel = await opener.open(`scp -f '${sides.rdir}/f'`, new AbortController().signal, 'source');
    opener.close(); // as Reconnector.renew() ends the lost connection's channels
    expect(await channel.exit).toEqual({ code: null, signal: null });
  });
});

// An opener closed (a retry dropping a lost connection's channels, a run's
// end) while its first ssh was still logging in and another channel waited
// for it: the first ssh, ended by us, was taken for a session made, and the
// waiting channel then started an ssh of its own that nothing ended.
describe('--transport openssh: an opener closed while its first ssh logs in', () => {
  it('starts no further ssh: the waiting channel fails, and no ssh is left', async () => {
    await writeFile(join(sides.rdir, 'f'), 'x');
    const opener = new ChannelOpener({
      transport: 'openssh', host: '127.0.0.1', user: sshd.rssh.name, port: sshd.port, identityFiles: [sshd.rssh.keyPath], configFile: 'none',
      options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'],
    });
    const ssh = (opener as unknown as { ssh: { children: Set<unknown>; sessionWaiters: unknown[] } }).ssh;
    const signal = new AbortController().signal;
    const first = opener.open(`scp -f '${sides.rdir}/f'`, signal, 'source');
    const second = opener.open(`scp -f '${sides.rdir}/f'`, signal, 'source');
    await waitFor(() => ssh.children.size === 1 && ssh.sessionWaiters.length === 1, 'the first ssh started, the second channel waiting');
    opener.close();
    const firstChannel = await first;
    expect(await firstChannel.exit).toEqual({ code: null, signal: null });
    await expect(second).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    await expect(opener.open(`scp -f '${sides.rdir}/f'`, signal, 'source')).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' }); // nor later
    await waitFor(() => processesWith(`${sides.rdir}/f`, 'ssh').length === 0, 'no ssh left', 10_000);
    expect(ssh.children.size).toBe(0);
  });
});

// A retry after a lost connection that ssh refuses to log in (a host key
// that changed meanwhile, the key taken out of authorized_keys) is final,
// as with the ssh2 transport: before, each ssh exit 255 was taken for a
// host not reached, and the run retried for minutes, each line saying the
// refusal again, to end as a lost connection (exit 1).
describe('--transport openssh: a retry refused', () => {
  // ssh's reason for the cut (its sshd killed): the close, a write into the closed socket, or, unsaid at LogLevel ERROR, how to hear it.
  const LOST = String.raw`(ssh: (client_loop: send disconnect: (Broken pipe|Connection reset by peer)|Connection to 127\.0\.0\.1 closed by remote host\.)|ssh ended \(exit status 255\) without saying why: [^;\n]+)`;
  // Over SFTP, whose stream waits for its producer: the loss comes mid-file, at a known point.
  const cutThenRefuse = async (refuse: () => Promise<void>, knownHosts: string): Promise<{ status: number | null; stderr: string }> => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const input = new PassThrough();
    const run = startCli(['put', '--transport', 'openssh', '-s', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-F', 'none', at(`${sides.rdir}/f`)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(randomBytes(1024 * 1024));
      await waitFor(async () => (await readdir(sides.rdir)).length > 0 && (await stat(join(sides.rdir, (await readdir(sides.rdir))[0]!))).size > 0, 'bytes in the temporary file', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('retry 1 of'), 'the retry line', 30_000);
      await refuse();
      input.end(randomBytes(1024));
      return await run.done;
    } finally {
      input.destroy();
      await sshd.setRsshAllowed(['scp']);
    }
  };

  it('a host key that changed while the connection was down: exit 255 at the first retry, ssh\'s words', async () => {
    const knownHosts = join(sides.local, 'known_hosts');
    await writeFile(knownHosts, await readFile(sshd.knownHostsPath));
    const wrongKey = readFileSync(`${sshd.wrongKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const r = await cutThenRefuse(() => writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`), knownHosts);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(r.stderr).toMatch(new RegExp(String.raw`: write: the SFTP session ended: ${LOST}; retry 1 was refused: ssh: Host key verification failed\.; the partial upload is left in \S+/\.f\.scpipe-\w{6}\n$`));
    expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
  });

  it('the key taken out of authorized_keys while the connection was down: exit 255 at the first retry', async () => {
    const keys = join(sshd.dir, 'authorized_keys', sshd.rssh.name);
    const saved = await readFile(keys);
    try {
      const r = await cutThenRefuse(() => writeFile(keys, ''), sshd.knownHostsPath);
      expect(r.status).toBe(255);
      expect(r.stderr).toMatch(new RegExp(String.raw`: write: the SFTP session ended: ${LOST}; retry 1 was refused: ssh: scpipe-rssh@127\.0\.0\.1: Permission denied \(publickey\)\.; the partial upload is left in \S+/\.f\.scpipe-\w{6}\n$`));
      expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
    } finally {
      await writeFile(keys, saved);
    }
  });
});

describe('--transport openssh: a connection lost mid-transfer over SFTP', () => {
  it('put resumes over new ssh processes: exit 0, the exact bytes, no temporary file, no ssh left', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const data = randomBytes(4 * 1024 * 1024);
    const input = new PassThrough();
    const target = `${sides.rdir}/resumed-${process.pid}.bin`;
    const run = startCli(['put', ...flags(), '-s', at(target)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(data.subarray(0, 2 * 1024 * 1024));
      await waitFor(async () => {
        const names = await readdir(sides.rdir);
        return names.length > 0 && (await stat(join(sides.rdir, names[0]!))).size > 0;
      }, 'bytes in the temporary file', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('retry 1 of 5'), 'the retry line', 30_000);
      input.end(data.subarray(2 * 1024 * 1024));
      const r = await run.done;
      expect(r).toMatchObject({ status: 0 });
      expect(sha(await readFile(join(sides.rdir, `resumed-${process.pid}.bin`)))).toBe(sha(data));
      expect(await readdir(sides.rdir)).toEqual([`resumed-${process.pid}.bin`]);
      await waitFor(async () => processesWith(String(sshd.port), 'ssh').length === 0, 'no ssh left', 10_000);
    } finally {
      input.destroy();
      await sshd.setRsshAllowed(['scp']);
    }
  });
});

describe('--transport openssh: a connection lost mid-download over SFTP', () => {
  it('get reads on over a new ssh from the first byte not yet written: stdout gets every byte once, exit 0', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const data = randomBytes(4 * 1024 * 1024);
    await writeFile(join(sides.rdir, 'g.bin'), data);
    const proxy = await startThrottleProxy(sshd.port, 1_500_000);
    try {
      const args = ['get', '--transport', 'openssh', '-s', '-P', String(proxy.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHostsFor(sshd, proxy.port, join(sides.local, 'known_hosts'))}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-F', 'none', remote(sshd, sshd.rssh, `${sides.rdir}/g.bin`)];
      const run = startCli(args, { timeoutMs: 60_000 });
      let out = 0;
      run.child.stdout!.on('data', (d: Buffer) => (out += d.length));
      await waitFor(() => out >= 512 * 1024, 'bytes on stdout', 30_000);
      await dropConnections(sshd);
      const r = await run.done;
      expect(r.stderr).toMatch(/retry 1 of 5/);
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBe(data.length);
      expect(sha(r.stdout)).toBe(sha(data));
      await waitFor(async () => processesWith(String(proxy.port), 'ssh').length === 0, 'no ssh left', 10_000);
    } finally {
      await proxy.close();
      await sshd.setRsshAllowed(['scp']);
    }
  });
});

// A connection lost after the login, before the remote `scp -f` has sent
// its header (here one that takes its time to start): ssh exits 255 having
// received nothing, which was taken for a host never reached (exit 255, not
// retried). User sees now, as with the ssh2 transport: a retry, exit 0.
describe.each([['openssh'], ['ssh2']])('--transport %s: a connection lost before the remote scp -f answered', (transport) => {
  it('get is retried over a new connection: stdout gets the file once, exit 0', async () => {
    const dir = await userDir(sshd.user, `lost-before-header-${transport}`);
    const slow = join(dir, 'slow-scp');
    // The first run waits before it becomes scp, leaving a mark; a retry is scp at once.
    await writeFile(slow, `#!/bin/sh\nif [ ! -e "$0.started" ]; then touch "$0.started"; sleep 30; fi\nexec scp "$@"\n`);
    await chmod(slow, 0o755);
    await chown(slow, sshd.user.uid, sshd.user.gid);
    const data = randomBytes(64 * 1024);
    await writeFile(join(dir, 'f.bin'), data);
    await chown(join(dir, 'f.bin'), sshd.user.uid, sshd.user.gid);
    const run = startCli(['get', '--transport', transport, ...sshFlags(sshd, sshd.user), '-O', '--scp-path', slow, remote(sshd, sshd.user, join(dir, 'f.bin'))], { timeoutMs: 60_000 });
    await waitFor(() => stat(`${slow}.started`).then(() => true, () => false), 'the remote scp starting', 30_000);
    await dropConnections(sshd);
    const r = await run.done;
    expect(r.stderr).toMatch(/f\.bin: connection lost\b.*; retry 1 of 5 in 1 s\n$/);
    expect(r.stderr).not.toMatch(/could not connect/);
    expect(r.status).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });
});
