// `--transport openssh`: the same protocol code over the system ssh binary's
// stdio, end to end against the real sshd through the rssh-restricted account.
// -P, -i, -F and -o go to ssh unchanged (here `-F none` is ssh's own "no
// config"); a failed connection is exit 255 with ssh's message.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { endlessInput, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { ChannelOpener } from '../../lib/client/connection';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections, killAll } from '../helpers/drop-connections';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { knownHostsFor } from '../helpers/latency-proxy';

const sshd = sshdPerSuite();
let rdir: string;
let local: string;

beforeEach(async () => {
  rdir = await userDir(sshd.rssh, 'openssh');
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-openssh-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flags = (extra: string[] = []): string[] => ['--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, extra)];
const at = (p: string): string => remote(sshd, sshd.rssh, p);
/** Flags with only the wrong key. */
function wrongKeyFlags(): string[] {
  return ['--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, [], sshd.wrongKeyPath)];
}

describe('--transport openssh: put, get, cp', () => {
  it('put: a stream through the disk spool, byte-exact, with the command rssh accepts', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const spoolDir = await mkdtemp(join(local, 'spool-'));
    const r = await runCli(['put', ...flags(), '--memory', '1M', '--spool-dir', spoolDir, at(`${rdir}/s p.bin`)], {
      stdin: Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]),
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(rdir, 's p.bin')))).toBe(sha(data));
    expect((await stat(join(rdir, 's p.bin'))).uid).toBe(sshd.rssh.uid);
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]).toEqual({ accepted: true, command: `scp -t '${rdir}/s p.bin'` });
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('get: the exact bytes to stdout', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    await writeFile(join(rdir, 'g.bin'), data);
    await chmod(join(rdir, 'g.bin'), 0o644);
    const r = await runCli(['get', ...flags(), at(`${rdir}/g.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(r.stdout)).toBe(sha(data));
  });

  it('get: a missing file is the remote message and exit 1, as with ssh2', async () => {
    const r = await runCli(['get', ...flags(), at(`${rdir}/nope`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${rdir}/nope: No such file or directory\n`);
  });

  it('cp -r -p: a tree up and back down, modes and times kept', async () => {
    const src = join(local, 'tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a b.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'x.bin'), randomBytes(70_000));
    await chmod(join(src, 'sub', 'x.bin'), 0o600);
    for (const p of ['a b.txt', 'sub/x.bin', 'sub', '']) await utimes(join(src, p), 1600000000, 1500000000);

    const up = await runCli(['cp', '-r', '-p', ...flags(), src, at(`${rdir}/up`)]);
    expect(up).toMatchObject({ status: 0, stderr: '' });
    const down = join(local, 'down');
    await mkdir(down);
    const back = await runCli(['cp', '-r', '-p', ...flags(), at(`${rdir}/up`), down]);
    expect(back).toMatchObject({ status: 0, stderr: '' });

    for (const p of ['a b.txt', 'sub/x.bin']) {
      const [a, b] = [join(src, p), join(down, 'up', p)];
      expect(sha(await readFile(b))).toBe(sha(await readFile(a)));
      const [sa, sb] = [await stat(a), await stat(b)];
      expect(sb.mode & 0o7777).toBe(sa.mode & 0o7777);
      expect(sb.mtimeMs).toBe(1500000000 * 1000);
    }
    // Under auto each cp asks for SFTP first, which this scp-only account refuses.
    const log = await sshd.rsshLog();
    expect(log.slice(-4)).toEqual([
      { accepted: false, command: 'internal-sftp' },
      { accepted: true, command: `scp -r -p -t '${rdir}/up'` },
      { accepted: false, command: 'internal-sftp' },
      { accepted: true, command: `scp -r -p -f '${rdir}/up'` },
    ]);
  });

  it('honours an ssh_config given with -F: a Host alias with its own port, user, key and known_hosts', async () => {
    const config = join(local, 'ssh_config');
    await writeFile(config, [
      'Host vault-alias',
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      `  User ${sshd.rssh.name}`,
      `  IdentityFile ${sshd.rssh.keyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${sshd.knownHostsPath}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'));
    const r = await runCli(['put', '--transport', 'openssh', '-F', config, `vault-alias:${rdir}/alias.txt`], { stdin: 'via alias' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(rdir, 'alias.txt'), 'utf8')).toBe('via alias');
  });

  it("uses the user's connection multiplexing (ControlMaster)", async () => {
    const sock = join(local, 'cm');
    const mux = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${sock}`, '-o', 'ControlPersist=30'];
    try {
      const first = await runCli(['put', ...flags(mux), at(`${rdir}/m1`)], { stdin: 'one' });
      expect(first).toMatchObject({ status: 0, stderr: '' });
      // The master is up: the next transfer goes through it, and needs no key at all.
      execFileSync('ssh', ['-F', 'none', '-o', `ControlPath=${sock}`, '-O', 'check', '127.0.0.1'], { stdio: 'pipe' });
      const noKey = wrongKeyFlags().concat(mux);
      const second = await runCli(['put', ...noKey, at(`${rdir}/m2`)], { stdin: 'two' });
      expect(second).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(rdir, 'm2'), 'utf8')).toBe('two');
    } finally {
      try {
        execFileSync('ssh', ['-F', 'none', '-o', `ControlPath=${sock}`, '-O', 'exit', '127.0.0.1'], { stdio: 'pipe' });
      } catch { /* no master left */ }
    }
  });
});

describe('--transport openssh: interrupted', () => {
  it('SIGTERM while sending: exit 143, and the ssh process is gone', async () => {
    const endless = endlessInput();
    const target = `${rdir}/never-${process.pid}.bin`;
    try {
      const run = startCli(['put', ...flags(), '--size', String(2 ** 40), at(target)], { stdin: endless });
      await waitFor(async () => (await readdir(rdir)).length > 0); // data is flowing
      expect(sshProcessesFor(target)).toHaveLength(1);
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.status).toBe(143);
      await waitFor(async () => sshProcessesFor(target).length === 0);
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
    const args = ['put', '--transport', 'openssh', ...flagsNoBatch, '-o', 'ServerAliveCountMax=1', '-s', '--retries', '0', at(`${rdir}/stalled`)];
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const run = startCli(args, { stdin: endless });
    let stopped: number[] = [];
    try {
      await waitFor(async () => (await readdir(rdir)).length > 0); // data is flowing
      stopped = await sshd.connectionPids();
      killAll(stopped, 'SIGSTOP');
      const r = await run.done;
      expect(r.status).toBe(1);
      expect(r.ms).toBeLessThan(45_000);
    } finally {
      killAll(stopped, 'SIGCONT');
      endless.destroy();
      run.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('--transport openssh: channels a retry drops', () => {
  it('an ssh we end is a lost connection, not a remote command killed by a signal', async () => {
    await writeFile(join(rdir, 'f'), 'x');
    const opener = new ChannelOpener({
      transport: 'openssh', host: '127.0.0.1', user: sshd.rssh.name, port: sshd.port, identityFiles: [sshd.rssh.keyPath], configFile: 'none',
      options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'],
    });
    const channel = await opener.open(`scp -f '${rdir}/f'`, new AbortController().signal, 'source');
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
    await writeFile(join(rdir, 'f'), 'x');
    const opener = new ChannelOpener({
      transport: 'openssh', host: '127.0.0.1', user: sshd.rssh.name, port: sshd.port, identityFiles: [sshd.rssh.keyPath], configFile: 'none',
      options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'],
    });
    const ssh = (opener as unknown as { ssh: { children: Set<unknown>; sessionWaiters: unknown[] } }).ssh;
    const signal = new AbortController().signal;
    const first = opener.open(`scp -f '${rdir}/f'`, signal, 'source');
    const second = opener.open(`scp -f '${rdir}/f'`, signal, 'source');
    await waitFor(() => ssh.children.size === 1 && ssh.sessionWaiters.length === 1, 'the first ssh started, the second channel waiting');
    opener.close();
    const firstChannel = await first;
    expect(await firstChannel.exit).toEqual({ code: null, signal: null });
    await expect(second).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    await expect(opener.open(`scp -f '${rdir}/f'`, signal, 'source')).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION' }); // nor later
    await waitFor(() => sshProcessesFor(`${rdir}/f`).length === 0, 'no ssh left', 10_000);
    expect(ssh.children.size).toBe(0);
  });
});

// A retry after a lost connection that ssh refuses to log in (a host key
// that changed meanwhile, the key taken out of authorized_keys) is final,
// as with the ssh2 transport: before, each ssh exit 255 was taken for a
// host not reached, and the run retried for minutes, each line saying the
// refusal again, to end as a lost connection (exit 1).
describe('--transport openssh: a retry refused', () => {
  // Over SFTP, whose stream waits for its producer: the loss comes mid-file, at a known point.
  const cutThenRefuse = async (refuse: () => Promise<void>, knownHosts: string): Promise<{ status: number | null; stderr: string }> => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const input = new PassThrough();
    const run = startCli(['put', '--transport', 'openssh', '-s', '-P', String(sshd.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-F', 'none', at(`${rdir}/f`)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(randomBytes(1024 * 1024));
      await waitFor(async () => (await readdir(rdir)).length > 0 && (await stat(join(rdir, (await readdir(rdir))[0]!))).size > 0, 'bytes in the temporary file', 30_000);
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
    const knownHosts = join(local, 'known_hosts');
    await writeFile(knownHosts, await readFile(sshd.knownHostsPath));
    const wrongKey = readFileSync(`${sshd.wrongKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const r = await cutThenRefuse(() => writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`), knownHosts);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(r.stderr).toMatch(/: write: the SFTP session ended \(.*\); retry 1 was refused: ssh: Host key verification failed\.; the partial upload is left in \S+\/\.f\.scpipe-\w{6}\n$/);
    expect(r.stderr.match(/; retry \d of 5 in/g)).toHaveLength(1);
  });

  it('the key taken out of authorized_keys while the connection was down: exit 255 at the first retry', async () => {
    const keys = join(sshd.dir, 'authorized_keys', sshd.rssh.name);
    const saved = await readFile(keys);
    try {
      const r = await cutThenRefuse(() => writeFile(keys, ''), sshd.knownHostsPath);
      expect(r.status).toBe(255);
      expect(r.stderr).toMatch(/: write: the SFTP session ended \(.*\); retry 1 was refused: ssh: scpipe-rssh@127\.0\.0\.1: Permission denied \(publickey\)\.; the partial upload is left in \S+\/\.f\.scpipe-\w{6}\n$/);
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
    const target = `${rdir}/resumed-${process.pid}.bin`;
    const run = startCli(['put', ...flags(), '-s', at(target)], { stdin: input, timeoutMs: 60_000 });
    try {
      input.write(data.subarray(0, 2 * 1024 * 1024));
      await waitFor(async () => {
        const names = await readdir(rdir);
        return names.length > 0 && (await stat(join(rdir, names[0]!))).size > 0;
      }, 'bytes in the temporary file', 30_000);
      await dropConnections(sshd);
      await waitFor(() => run.stderr().includes('retry 1 of 5'), 'the retry line', 30_000);
      input.end(data.subarray(2 * 1024 * 1024));
      const r = await run.done;
      expect(r).toMatchObject({ status: 0 });
      expect(sha(await readFile(join(rdir, `resumed-${process.pid}.bin`)))).toBe(sha(data));
      expect(await readdir(rdir)).toEqual([`resumed-${process.pid}.bin`]);
      await waitFor(async () => sshProcessesFor(String(sshd.port)).length === 0, 'no ssh left', 10_000);
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
    await writeFile(join(rdir, 'g.bin'), data);
    const proxy = await startThrottleProxy(sshd.port, 1_500_000);
    try {
      const args = ['get', '--transport', 'openssh', '-s', '-P', String(proxy.port), '-i', sshd.rssh.keyPath, '-o', `UserKnownHostsFile=${knownHostsFor(sshd, proxy.port, join(local, 'known_hosts'))}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-F', 'none', remote(sshd, sshd.rssh, `${rdir}/g.bin`)];
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
      await waitFor(async () => sshProcessesFor(String(proxy.port)).length === 0, 'no ssh left', 10_000);
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

describe('--transport openssh: failures', () => {
  it('a wrong key: exit 255 with ssh\'s Permission denied, fast, while stdin is still open', async () => {
    const endless = endlessInput();
    try {
      const r = await startCli(['put', ...wrongKeyFlags(), at(`${rdir}/f`)], { stdin: endless }).done;
      expect(r.status).toBe(255);
      expect(r.stderr).toBe('scpipe: ssh: scpipe-rssh@127.0.0.1: Permission denied (publickey).\n');
      expect(r.ms).toBeLessThan(15000);
    } finally {
      endless.destroy();
    }
    expect(await readdir(rdir)).toEqual([]);
  });

  it('a closed port: exit 255, Connection refused', async () => {
    const r = await runCli(['put', '--transport', 'openssh', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', 'x@127.0.0.1:f'], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe('scpipe: ssh: connect to host 127.0.0.1 port 1: Connection refused\n');
  });

  it('cp upload with a wrong key: exit 255', async () => {
    await writeFile(join(local, 'f'), 'x');
    const r = await runCli(['cp', ...wrongKeyFlags(), join(local, 'f'), at(`${rdir}/f`)]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('Permission denied (publickey)');
  });

  it('an unknown host key under strict checking: exit 255, ssh says why', async () => {
    const empty = join(local, 'known_hosts');
    await writeFile(empty, '');
    const r = await runCli(['put', '--transport', 'openssh', '-o', `UserKnownHostsFile=${empty}`, '-o', 'GlobalKnownHostsFile=/dev/null', ...sshFlags(sshd, sshd.rssh), at(`${rdir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`No ED25519 host key is known for [127.0.0.1]:${sshd.port} and you have requested strict checking.\nscpipe: ssh: Host key verification failed.\n`); // ssh's words, as scp shows them
    expect(await readdir(rdir)).toEqual([]);
  });

  it('get and cp downloads with a wrong key: exit 255 with ssh\'s message', async () => {
    const r = await runCli(['get', ...wrongKeyFlags(), at(`${rdir}/f`)]);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/scpipe: ssh: scpipe-rssh@127\.0\.0\.1: Permission denied \(publickey\)\.\n$/);
    expect(r.stdout.length).toBe(0);
    const c = await runCli(['cp', ...wrongKeyFlags(), at(`${rdir}/f`), local]);
    expect(c.status).toBe(255);
  });

  it('a host never reached is not retried as a lost connection: cp -O both ways, and a parts set, exit 255 at once', async () => {
    await writeFile(join(local, 'f'), 'x');
    const runs = [
      await runCli(['cp', '-O', ...wrongKeyFlags(), at(`${rdir}/f`), local]),
      await runCli(['cp', '-O', ...wrongKeyFlags(), join(local, 'f'), at(`${rdir}/f`)]),
      await runCli(['put', ...wrongKeyFlags(), '--part-size', '1K', '--parallel', '3', at(`${rdir}/set`)], { stdin: randomBytes(5000) }),
      await runCli(['put', ...wrongKeyFlags(), '-s', '--part-size', '1K', '--parallel', '3', at(`${rdir}/set`)], { stdin: randomBytes(5000) }),
    ];
    for (const r of runs) {
      expect(r.status).toBe(255);
      expect(r.stderr).toContain('Permission denied (publickey)');
      expect(r.stderr).not.toContain('retry');
      expect(r.ms).toBeLessThan(10000);
    }
    expect(await readdir(rdir)).toEqual([]);
  });

  it('cp -O to a closed port with the ssh2 transport too: exit 255 at once, no retries', async () => {
    await writeFile(join(local, 'f'), 'x');
    const r = await runCli(['cp', '-O', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', join(local, 'f'), 'x@127.0.0.1:f']);
    expect(r).toMatchObject({ status: 255, stderr: 'scpipe: connect to host 127.0.0.1 port 1: Connection refused\n' });
  });

  it("ssh's own words are shown once: a changed host key's warning over SFTP and SCP, a refused connection's line", async () => {
    const changed = join(local, 'known_hosts');
    const wrongKey = readFileSync(`${sshd.wrongKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    await writeFile(changed, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`);
    // ssh keeps an option's first value: these come before sshFlags' own.
    const changedFlags = (...extra: string[]): string[] => ['--transport', 'openssh', ...extra, '-o', `UserKnownHostsFile=${changed}`, ...sshFlags(sshd, sshd.user)];
    const udir = await userDir(sshd.user, 'openssh-words');
    const count = (text: string, what: string): number => text.split(what).length - 1;
    for (const protocol of ['sftp', 'scp']) {
      const warned = await runCli(['put', ...changedFlags('-o', 'StrictHostKeyChecking=no'), '--protocol', protocol, remote(sshd, sshd.user, `${udir}/${protocol}`)], { stdin: 'x' });
      expect(warned.status).toBe(0);
      expect(count(warned.stderr, 'REMOTE HOST IDENTIFICATION HAS CHANGED')).toBe(1);
      const refused = await runCli(['put', ...changedFlags(), '--protocol', protocol, remote(sshd, sshd.user, `${udir}/no-${protocol}`)], { stdin: 'x' });
      expect(refused.status).toBe(255);
      expect(count(refused.stderr, 'REMOTE HOST IDENTIFICATION HAS CHANGED')).toBe(1);
      expect(refused.stderr).toMatch(/\nscpipe: ssh: Host key verification failed\.\n$/);
    }
    const r = await runCli(['get', '-O', '--transport', 'openssh', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', 'x@127.0.0.1:f']);
    expect(r).toMatchObject({ status: 255, stderr: 'scpipe: ssh: connect to host 127.0.0.1 port 1: Connection refused\n' });
  });

  it('the rssh refusal of a non-scp command is still the remote\'s message, exit 1', async () => {
    const r = await runCli(['put', ...flags(), '--scp-path', '/bin/sh', at(`${rdir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This account is restricted by rssh.');
    expect(r.stderr).toMatch(/scpipe: remote command exited with status 1 before the transfer started/);
    expect(await readdir(rdir)).toEqual([]);
  });
});

// Pids of local ssh processes whose command line mentions `text`.
function sshProcessesFor(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)ssh$/.test(argv[0]) && argv.some((a) => a.includes(text))) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}
