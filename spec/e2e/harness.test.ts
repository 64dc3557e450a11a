/**
 * Proves the e2e harness (testkit/sshd.ts) with the SYSTEM OpenSSH
 * client, independently of scpipe: if these fail, scpipe's e2e failures are
 * about the environment, not scpipe.
 */
import { execFileSync, spawn } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { once } from 'events';
import * as fs from 'fs/promises';
import { tmpdir } from 'os';
import * as path from 'path';
import { TestSshd, remotePath, userDir } from '../helpers/sshd';
import { waitFor } from '../helpers/async';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startServe } from '../helpers/serve';
import { unmount } from '../helpers/tmpfs';
import { openFilesIn } from '../helpers/open-files';

interface Result { code: number | null; stdout: string; stderr: string; }

/** Runs a command with optional stdin, with a time bound so no test hangs. */
function run(cmd: string, args: string[], input: string | Buffer = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the program may exit without reading it (EPIPE)
    child.stdin.end(input);
  });
}

describe('test sshd harness (system OpenSSH client)', () => {
  const sshd = sshdPerSuite();
  const ssh = (account: TestSshd['user'], command: string[], input?: string | Buffer) =>
    run('ssh', [...sshd.sshArgs(account), sshd.host, ...command], input);

  it('exposes host key facts matching ssh-keygen', async () => {
    expect(sshd.port).toBeGreaterThan(0);
    expect(path.basename(sshd.dir)).toMatch(/^scpipe-test-/);
    const kh = await fs.readFile(sshd.knownHostsPath, 'utf8');
    expect(kh).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 \\S+\\n$`));
    const lf = await run('ssh-keygen', ['-lf', path.join(sshd.dir, 'host_ed25519.pub')]);
    expect(lf.stdout.split(' ')[1]).toBe(sshd.hostKeyFingerprint);
  });

  it('runs any command for scpipe-user', async () => {
    const r = await ssh(sshd.user, ['echo', 'ok']);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  it('refuses a non-scp command for scpipe-rssh with rssh\'s message', async () => {
    const r = await ssh(sshd.rssh, ['ls']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('This account is restricted by rssh.');
    expect(r.stderr).toContain('Allowed commands: scp');
    expect(await sshd.rsshLog()).toContainEqual({ accepted: false, command: 'ls' });
  });

  it('refuses an interactive login for scpipe-rssh', async () => {
    const r = await run('ssh', ['-T', ...sshd.sshArgs(sshd.rssh), sshd.host]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('This account is restricted by rssh.');
  });

  it('accepts legacy `scp -O` uploads through the wrapper', async () => {
    const dir = await userDir(sshd.rssh, 'scp-O');
    const src = path.join(sshd.dir, 'small.txt');
    await fs.writeFile(src, 'hello over scp\n');
    const r = await run('scp', ['-O', ...sshd.sshArgs(sshd.rssh), src, `${sshd.host}:${dir}/`]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await fs.readFile(path.join(dir, 'small.txt'), 'utf8')).toBe('hello over scp\n');
    const log = await sshd.rsshLog();
    expect(log[log.length - 1]).toEqual({ accepted: true, command: `scp -t ${dir}/` });
  });

  it('refuses combined scp flags like -qt (Debian scp_okay)', async () => {
    const r = await ssh(sshd.rssh, ['scp -qt /tmp']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('insecure scp option not allowed');
  });

  it('splits the command like sh: quotes protect spaces and ";"', async () => {
    const dir = await userDir(sshd.rssh, 'quoting');
    const target = `${dir}/a b;c`;
    // A raw SCP sink upload: "C<mode> <size> <name>\n", data, then a 0 byte.
    const r = await ssh(sshd.rssh, [`scp -t '${target}'`], 'C0644 3 x\nabc\0');
    expect(r.stderr).not.toContain('bad characters');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('\0\0\0'); // scp's acks: ready, header ok, data ok
    expect(await fs.readFile(target, 'utf8')).toBe('abc');
    const stat = await fs.stat(target);
    expect(stat.uid).toBe(sshd.rssh.uid);
  });

  it('refuses unquoted shell metacharacters and command substitution', async () => {
    for (const command of ['scp -t a;b', 'scp -t $(id)', 'scp -t `id`', 'scp -t a|b']) {
      const r = await ssh(sshd.rssh, [command]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('bad characters');
    }
  });

  // `sftp -b -` runs a batch from stdin; a failing command makes it exit 1.
  const sftpBatch = (account: TestSshd['user'], batch: string) =>
    run('sftp', ['-b', '-', ...sshd.sshArgs(account), sshd.host], batch);

  it('serves sftp to scpipe-sftp inside its chroot, and refuses scp -t', async () => {
    const dir = await userDir(sshd.sftp, 'jail');
    expect(dir.startsWith(sshd.sftp.chroot!)).toBe(true);
    const src = path.join(sshd.dir, 'to-jail.txt');
    await fs.writeFile(src, 'hello over sftp\n');
    const put = await sftpBatch(sshd.sftp, `put ${src} ${remotePath(sshd.sftp, dir)}/in.txt\n`);
    expect(put.code).toBe(0);
    expect(await fs.readFile(path.join(dir, 'in.txt'), 'utf8')).toBe('hello over sftp\n');
    const pwd = await sftpBatch(sshd.sftp, 'pwd\n');
    expect(pwd.stdout).toContain(`Remote working directory: ${sshd.sftp.home}`);
    const scp = await run('scp', ['-O', ...sshd.sshArgs(sshd.sftp), src, `${sshd.host}:${remotePath(sshd.sftp, dir)}/`]);
    expect(scp.code).not.toBe(0);
    expect(scp.stderr).toContain('This service allows sftp connections only.');
  });

  it('runs sftp-server for scpipe-rssh, as rssh does, unless its conf allows only scp', async () => {
    const dir = await userDir(sshd.rssh, 'rssh-sftp');
    const src = path.join(sshd.dir, 'rssh-sftp.txt');
    await fs.writeFile(src, 'sftp through rssh\n');
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const ok = await sftpBatch(sshd.rssh, `put ${src} ${dir}/a.txt\n`);
    expect(ok.code).toBe(0);
    expect(await fs.readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('sftp through rssh\n');
    expect(await sshd.rsshLog()).toContainEqual({ accepted: true, command: 'internal-sftp' });
    try {
      await sshd.setRsshAllowed(['scp']);
      const refused = await sftpBatch(sshd.rssh, `put ${src} ${dir}/b.txt\n`);
      expect(refused.code).not.toBe(0);
      expect(await fs.readdir(dir)).toEqual(['a.txt']);
      const scp = await run('scp', ['-O', ...sshd.sshArgs(sshd.rssh), src, `${sshd.host}:${dir}/c.txt`]);
      expect(scp.code).toBe(0);
      await sshd.setRsshAllowed(['sftp']);
      const noScp = await run('scp', ['-O', ...sshd.sshArgs(sshd.rssh), src, `${sshd.host}:${dir}/d.txt`]);
      expect(noScp.code).not.toBe(0);
      expect(noScp.stderr).toContain('Allowed commands: sftp');
    } finally {
      await sshd.setRsshAllowed(['scp']);
    }
  });

  it('lists the sshd processes of open connections, so a test can cut one', async () => {
    const none = async (): Promise<boolean> => (await sshd.connectionPids()).length === 0;
    // The connections of the tests before may still be closing on a loaded machine.
    await waitFor(none, 'no connection open', 10_000);
    const child = spawn('ssh', [...sshd.sshArgs(sshd.user), sshd.host, 'echo up; exec cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const pids = await sshd.connectionPids();
    expect(pids.length).toBeGreaterThanOrEqual(2); // the monitor and the session
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    expect(await closed).toBe(255);
    await waitFor(none, 'the killed processes gone', 10_000);
  });

  it('denies a key authorized for nobody', async () => {
    const args = sshd.sshArgs(sshd.user);
    args[args.indexOf('-i') + 1] = sshd.wrongKeyPath;
    const r = await run('ssh', [...args, sshd.host, 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied');
  });

  it('creates upload dirs owned by the account', async () => {
    const dir = await userDir(sshd.user, 'with space');
    const stat = await fs.stat(dir);
    expect(stat.uid).toBe(sshd.user.uid);
    expect(dir.startsWith(path.join(sshd.dir, 'files'))).toBe(true);
  });
});

describe('test helpers for serve and tmpfs', () => {
  it('stop() returns and cleans up after serve was killed by a signal', async () => {
    const serve = await startServe();
    const gone = once(serve.process, 'exit');
    serve.process.kill('SIGKILL');
    await gone;
    await serve.stop();
    expect(existsSync(serve.dir)).toBe(false);
  });

  it('unmount() waits while a process still has a file open there, then unmounts', async () => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'scpipe-test-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    const mounted = (): boolean => readFileSync('/proc/self/mounts', 'utf8').includes(` ${dir} `);
    // A process that holds a file on the tmpfs until its stdin ends.
    const holder = spawn('sh', ['-c', 'exec 3>"$1"; read -r line', 'sh', path.join(dir, 'f')], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await waitFor(() => openFilesIn(dir, holder.pid!).length === 1, 'the holder opened its file');
      const unmounted = unmount(dir); // its first try finds the file system busy
      holder.stdin.end('\n');
      await unmounted;
      expect(mounted()).toBe(false);
    } finally {
      holder.kill();
      if (mounted()) execFileSync('umount', ['-l', dir]);
      await fs.rm(dir, { recursive: true });
    }
  });
});
