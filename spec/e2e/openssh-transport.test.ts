// `--transport openssh`: the same protocol code over the system ssh binary's
// stdio, end to end against the real sshd through the rssh-restricted account.
// -P, -i, -F and -o go to ssh unchanged (here `-F none` is ssh's own "no
// config"); a failed connection is exit 255 with ssh's message. Connections
// lost and retried: openssh-lost-connection.test.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { endlessInput, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { hostAlias } from '../helpers/host-alias';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'openssh');
const { at } = sides;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flags = (extra: string[] = []): string[] => ['--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, extra)];
/** Flags with only the wrong key. */
function wrongKeyFlags(): string[] {
  return ['--transport', 'openssh', ...sshFlags(sshd, sshd.rssh, [], sshd.wrongKeyPath)];
}

describe('--transport openssh: put, get, cp', () => {
  it('put: a stream through the disk spool, byte-exact, with the command rssh accepts', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const spoolDir = await mkdtemp(join(sides.local, 'spool-'));
    const r = await runCli(['put', ...flags(), '--memory', '1M', '--spool-dir', spoolDir, at(`${sides.rdir}/s p.bin`)], {
      stdin: Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]),
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(sides.rdir, 's p.bin')))).toBe(sha(data));
    expect((await stat(join(sides.rdir, 's p.bin'))).uid).toBe(sshd.rssh.uid);
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]).toEqual({ accepted: true, command: `scp -t '${sides.rdir}/s p.bin'` });
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('get: the exact bytes to stdout', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    await writeFile(join(sides.rdir, 'g.bin'), data);
    await chmod(join(sides.rdir, 'g.bin'), 0o644);
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/g.bin`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(r.stdout)).toBe(sha(data));
  });

  it('get: a missing file is the remote message and exit 1, as with ssh2', async () => {
    const r = await runCli(['get', ...flags(), at(`${sides.rdir}/nope`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: remote: scp: ${sides.rdir}/nope: No such file or directory\n`);
  });

  it('cp -r -p: a tree up and back down, modes and times kept', async () => {
    const src = join(sides.local, 'tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a b.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'x.bin'), randomBytes(70_000));
    await chmod(join(src, 'sub', 'x.bin'), 0o600);
    for (const p of ['a b.txt', 'sub/x.bin', 'sub', '']) await utimes(join(src, p), 1600000000, 1500000000);

    const up = await runCli(['cp', '-r', '-p', ...flags(), src, at(`${sides.rdir}/up`)]);
    expect(up).toMatchObject({ status: 0, stderr: '' });
    const down = join(sides.local, 'down');
    await mkdir(down);
    const back = await runCli(['cp', '-r', '-p', ...flags(), at(`${sides.rdir}/up`), down]);
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
      { accepted: true, command: `scp -r -p -t '${sides.rdir}/up'` },
      { accepted: false, command: 'internal-sftp' },
      { accepted: true, command: `scp -r -p -f '${sides.rdir}/up'` },
    ]);
  });

  it('honours an ssh_config given with -F: a Host alias with its own port, user, key and known_hosts', async () => {
    const config = join(sides.local, 'ssh_config');
    await writeFile(config, hostAlias('vault-alias', sshd, sshd.rssh, ['StrictHostKeyChecking yes', 'BatchMode yes']));
    const r = await runCli(['put', '--transport', 'openssh', '-F', config, `vault-alias:${sides.rdir}/alias.txt`], { stdin: 'via alias' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(sides.rdir, 'alias.txt'), 'utf8')).toBe('via alias');
  });

  it("uses the user's connection multiplexing (ControlMaster)", async () => {
    const sock = join(sides.local, 'cm');
    const mux = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${sock}`, '-o', 'ControlPersist=30'];
    try {
      const first = await runCli(['put', ...flags(mux), at(`${sides.rdir}/m1`)], { stdin: 'one' });
      expect(first).toMatchObject({ status: 0, stderr: '' });
      // The master is up: the next transfer goes through it, and needs no key at all.
      execFileSync('ssh', ['-F', 'none', '-o', `ControlPath=${sock}`, '-O', 'check', '127.0.0.1'], { stdio: 'pipe' });
      const noKey = wrongKeyFlags().concat(mux);
      const second = await runCli(['put', ...noKey, at(`${sides.rdir}/m2`)], { stdin: 'two' });
      expect(second).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(sides.rdir, 'm2'), 'utf8')).toBe('two');
    } finally {
      try {
        execFileSync('ssh', ['-F', 'none', '-o', `ControlPath=${sock}`, '-O', 'exit', '127.0.0.1'], { stdio: 'pipe' });
      } catch { /* no master left */ }
    }
  });
});

describe('--transport openssh: failures', () => {
  it('a wrong key: exit 255 with ssh\'s Permission denied, fast, while stdin is still open', async () => {
    const endless = endlessInput();
    try {
      const r = await startCli(['put', ...wrongKeyFlags(), at(`${sides.rdir}/f`)], { stdin: endless }).done;
      expect(r.status).toBe(255);
      expect(r.stderr).toBe('scpipe: ssh: scpipe-rssh@127.0.0.1: Permission denied (publickey).\n');
      expect(r.ms).toBeLessThan(15000);
    } finally {
      endless.destroy();
    }
    expect(await readdir(sides.rdir)).toEqual([]);
  });

  it('a closed port: exit 255, Connection refused', async () => {
    const r = await runCli(['put', '--transport', 'openssh', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', 'x@127.0.0.1:f'], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe('scpipe: ssh: connect to host 127.0.0.1 port 1: Connection refused\n');
  });

  it('cp upload with a wrong key: exit 255', async () => {
    await writeFile(join(sides.local, 'f'), 'x');
    const r = await runCli(['cp', ...wrongKeyFlags(), join(sides.local, 'f'), at(`${sides.rdir}/f`)]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('Permission denied (publickey)');
  });

  it('an unknown host key under strict checking: exit 255, ssh says why', async () => {
    const empty = join(sides.local, 'known_hosts');
    await writeFile(empty, '');
    const r = await runCli(['put', '--transport', 'openssh', '-o', `UserKnownHostsFile=${empty}`, '-o', 'GlobalKnownHostsFile=/dev/null', ...sshFlags(sshd, sshd.rssh), at(`${sides.rdir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(255);
    // ssh's words, as scp shows them, then how to add the key, as the built-in transport says.
    const add = `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${empty}`;
    expect(r.stderr).toBe(
      `No ED25519 host key is known for [127.0.0.1]:${sshd.port} and you have requested strict checking.\n` +
        `scpipe: ssh: Host key verification failed. (the key of 127.0.0.1 port ${sshd.port} is not known; see its fingerprints with ssh-keyscan -p ${sshd.port} 127.0.0.1 | ssh-keygen -lf -, and if one is the server's, add it with: ${add})\n`,
    );
    expect(await readdir(sides.rdir)).toEqual([]);
    // The command, run as shown, lets the next run in.
    execFileSync('/bin/sh', ['-c', add], { stdio: 'ignore' });
    const again = await runCli(['put', '--transport', 'openssh', '-o', `UserKnownHostsFile=${empty}`, '-o', 'GlobalKnownHostsFile=/dev/null', ...sshFlags(sshd, sshd.rssh), at(`${sides.rdir}/f`)], { stdin: 'x' });
    expect(again).toMatchObject({ status: 0, stderr: '' });
  });

  // The openssh transport is chosen for the user's ssh config: a Host alias
  // is no name ssh-keyscan reaches, and ssh files the key under a HostKeyAlias.
  it("an unknown host key of a config alias: the command given reaches the alias's HostName and Port, and files the key as ssh looks it up", async () => {
    const known = join(sides.local, 'known_hosts_bk');
    await writeFile(known, '');
    const config = join(sides.local, 'ssh_config');
    await writeFile(config, `Host bk\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  HostKeyAlias vault\n  UserKnownHostsFile "${known}"\n  GlobalKnownHostsFile /dev/null\n`);
    const args = ['put', '--transport', 'openssh', '-F', config, '-i', sshd.rssh.keyPath, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${sshd.rssh.name}@bk:${sides.rdir}/f`];
    const r = await runCli(args, { stdin: 'x' });
    expect(r.status).toBe(255);
    const add = `ssh-keyscan -p ${sshd.port} 127.0.0.1 | sed 's/^[^ ]*/vault/' >> ${known}`;
    expect(r.stderr).toContain(`scpipe: ssh: Host key verification failed. (the key of bk is not known; see its fingerprints with ssh-keyscan -p ${sshd.port} 127.0.0.1 | ssh-keygen -lf -, and if one is the server's, add it with: ${add})\n`);
    // The command, run as shown, lets the next run in.
    execFileSync('/bin/sh', ['-c', add], { stdio: 'ignore' });
    const again = await runCli(args, { stdin: 'x' });
    expect(again).toMatchObject({ status: 0, stderr: '' });
  });

  it('get and cp downloads with a wrong key: exit 255 with ssh\'s message', async () => {
    const r = await runCli(['get', ...wrongKeyFlags(), at(`${sides.rdir}/f`)]);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/scpipe: ssh: scpipe-rssh@127\.0\.0\.1: Permission denied \(publickey\)\.\n$/);
    expect(r.stdout.length).toBe(0);
    const c = await runCli(['cp', ...wrongKeyFlags(), at(`${sides.rdir}/f`), sides.local]);
    expect(c.status).toBe(255);
  });

  it('a host never reached is not retried as a lost connection: cp -O both ways, and a parts set, exit 255 at once', async () => {
    await writeFile(join(sides.local, 'f'), 'x');
    const runs = [
      await runCli(['cp', '-O', ...wrongKeyFlags(), at(`${sides.rdir}/f`), sides.local]),
      await runCli(['cp', '-O', ...wrongKeyFlags(), join(sides.local, 'f'), at(`${sides.rdir}/f`)]),
      await runCli(['put', ...wrongKeyFlags(), '--part-size', '1K', '--parallel', '3', at(`${sides.rdir}/set`)], { stdin: randomBytes(5000) }),
      await runCli(['put', ...wrongKeyFlags(), '-s', '--part-size', '1K', '--parallel', '3', at(`${sides.rdir}/set`)], { stdin: randomBytes(5000) }),
    ];
    for (const r of runs) {
      expect(r.status).toBe(255);
      expect(r.stderr).toContain('Permission denied (publickey)');
      expect(r.stderr).not.toContain('retry');
      expect(r.ms).toBeLessThan(10000);
    }
    expect(await readdir(sides.rdir)).toEqual([]);
  });

  it('cp -O to a closed port with the ssh2 transport too: exit 255 at once, no retries', async () => {
    await writeFile(join(sides.local, 'f'), 'x');
    const r = await runCli(['cp', '-O', '-P', '1', '-F', 'none', '-o', 'BatchMode=yes', join(sides.local, 'f'), 'x@127.0.0.1:f']);
    expect(r).toMatchObject({ status: 255, stderr: 'scpipe: connect to host 127.0.0.1 port 1: Connection refused\n' });
  });

  it("ssh's own words are shown once: a changed host key's warning over SFTP and SCP, a refused connection's line", async () => {
    const changed = join(sides.local, 'known_hosts');
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

  // Each SFTP channel or part is an ssh of its own, and each says the warning again: the user sees it once.
  it("a changed host key's warning is said once per run, not once per ssh: SFTP over 3 channels, a parts set over SFTP", async () => {
    const changed = join(sides.local, 'known_hosts');
    const wrongKey = readFileSync(`${sshd.wrongKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    await writeFile(changed, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`);
    const flags = ['--transport', 'openssh', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${changed}`, ...sshFlags(sshd, sshd.user)];
    const udir = await userDir(sshd.user, 'openssh-said-once');
    const runs = [
      await runCli(['put', ...flags, '-s', '--parallel', '3', remote(sshd, sshd.user, `${udir}/sftp`)], { stdin: randomBytes(4 * 1024 * 1024) }),
      await runCli(['put', ...flags, '-s', '--part-size', '1K', '--parallel', '2', remote(sshd, sshd.user, `${udir}/set`)], { stdin: randomBytes(5000) }),
    ];
    for (const r of runs) {
      expect(r.status).toBe(0);
      expect(r.stderr.split('REMOTE HOST IDENTIFICATION HAS CHANGED').length - 1).toBe(1);
      expect(r.stderr.match(/^@{20,}$/gm)).toHaveLength(2); // its two borders, kept
    }
    expect((await stat(join(udir, 'sftp'))).size).toBe(4 * 1024 * 1024);
    expect((await readdir(udir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.000003', 'set.000004', 'set.sha256', 'sftp']);
  });

  it('the rssh refusal of a non-scp command is still the remote\'s message, exit 1', async () => {
    const r = await runCli(['put', ...flags(), '--scp-path', '/bin/sh', at(`${sides.rdir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This account is restricted by rssh.');
    expect(r.stderr).toMatch(/scpipe: remote command exited with status 1 before the transfer started/);
    expect(await readdir(sides.rdir)).toEqual([]);
  });
});
