/**
 * Starts a real OpenSSH sshd on 127.0.0.1 for the end-to-end tests and the
 * benchmark (spec/helpers/sshd.ts re-exports it for the tests).
 *
 * Three local accounts (created by scripts/install-test-deps.sh) log in with
 * throwaway keys: scpipe-user (any command), scpipe-rssh (ForceCommand =
 * testkit/rssh-wrapper.c, an imitation of Debian's rssh: scp only,
 * or sftp too after setRsshAllowed()) and scpipe-sftp (ForceCommand
 * internal-sftp in a ChrootDirectory: sftp only). Every instance lives in its
 * own /tmp/scpipe-test-* dir and /srv/scpipe-sftp-jail/* jail, so parallel
 * jest workers do not interfere; stop() removes both.
 *
 * Missing prerequisites make startSshd() throw: e2e tests must fail loudly,
 * never skip.
 */
import { execFile, spawn } from 'child_process';
import { rmSync } from 'fs';
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { cBinary } from './c-binary';
import { testkitSource } from './source-file';
import { RSSH, SFTP, USER, sshdConfig, type SshdOptions } from './sshd-config';
import { SSHD, descendantPids, kill, killMentioning, launch } from './sshd-process';
import { withPasswordLock } from './password-lock';

export { hasIpv6Loopback, type SshdOptions } from './sshd-config';

export interface TestAccount {
  name: string;
  home: string;
  keyPath: string; // private key, root-only 0600
  publicKey: string; // "ssh-ed25519 AAAA... comment"
  uid: number;
  gid: number;
  /** The account's ChrootDirectory on this machine, if it has one. */
  chroot?: string;
}

export interface RsshLogEntry {
  accepted: boolean;
  command: string; // SSH_ORIGINAL_COMMAND exactly as the client sent it
}

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  dir: string;
  knownHostsPath: string;
  hostKeyFingerprint: string;
  /** With SshdOptions.ecdsaHostKey: the second host key's public line (`ecdsa-sha2-nistp256 AAAA...`). */
  ecdsaHostKey?: string;
  user: TestAccount;
  rssh: TestAccount;
  /** ForceCommand internal-sftp, chrooted: refuses `scp -t`. */
  sftp: TestAccount;
  wrongKeyPath: string;
  /** Options for the system ssh/scp (no host): `ssh ...sshArgs(a) 127.0.0.1 cmd`. */
  sshArgs(account: TestAccount): string[];
  /** Commands seen by the rssh wrapper, oldest first. */
  rsshLog(): Promise<RsshLogEntry[]>;
  /**
   * What the rssh wrapper allows from now on (as rssh.conf's allowscp /
   * allowsftp). Starts scp-only, the restriction most SCP tests are about;
   * SFTP tests through this account allow both.
   */
  setRsshAllowed(allowed: ReadonlyArray<'scp' | 'sftp'>): Promise<void>;
  /**
   * The sshd processes serving connections (the listener's descendants: each
   * connection's monitor and its session process), for tests that cut a
   * connection: SIGKILL them all, as killing the monitor alone leaves the
   * session process holding the socket.
   */
  connectionPids(): Promise<number[]>;
  logText(): string;
  stop(): Promise<void>;
}

// Created root:root 0755 by scripts/install-test-deps.sh; sshd refuses a
// ChrootDirectory with any part not root-owned or group/other-writable.
const JAILS = '/srv/scpipe-sftp-jail';
const WRAPPER_SRC = testkitSource('rssh-wrapper.c');
const HINT = "Fix: run `sudo bash scripts/install-test-deps.sh`, then run the e2e tests as root.";

/** Which instance (dir) an account object belongs to, for userDir(). */
const accountDirs = new WeakMap<TestAccount, string>();

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

interface PasswdEntry { uid: number; gid: number; home: string; }

/** Everything startSshd() needs; reports all problems at once. */
async function checkPrerequisites(): Promise<Record<string, PasswdEntry>> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) {
    problems.push(`tests must run as root (sshd must switch to the test users); uid is ${process.getuid?.()}`);
  }
  for (const bin of [SSHD, '/usr/bin/ssh-keygen', '/usr/bin/ssh', '/usr/bin/scp']) {
    if (!(await exists(bin))) problems.push(`${bin} is missing (packages openssh-server / openssh-client)`);
  }
  if (!(await run('cc', ['--version']).then(() => true, () => false))) {
    problems.push('no C compiler `cc` (packages gcc, libc6-dev) to build testkit/rssh-wrapper.c');
  }
  const shadow = await fs.readFile('/etc/shadow', 'utf8').catch(() => '');
  const accounts: Record<string, PasswdEntry> = {};
  for (const name of [USER, RSSH, SFTP]) {
    const line = await run('getent', ['passwd', name]).catch(() => '');
    const f = line.trim().split(':');
    if (f.length < 7) {
      problems.push(`local account ${name} does not exist`);
      continue;
    }
    accounts[name] = { uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
    // With UsePAM no, sshd rejects locked accounts ("!" password) even for pubkeys.
    const pw = shadow.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[1];
    if (pw?.startsWith('!')) problems.push(`account ${name} is locked (password starts with "!")`);
  }
  const jails = await fs.stat(JAILS).catch(() => undefined);
  if (!jails?.isDirectory() || jails.uid !== 0 || (jails.mode & 0o022) !== 0) {
    problems.push(`${JAILS} must be a directory owned by root and not group/other-writable (sshd's ChrootDirectory rule)`);
  }
  if (problems.length) {
    throw new Error(`Cannot start the test sshd:\n  - ${problems.join('\n  - ')}\n${HINT}`);
  }
  // sshd's privilege separation dir; lives on tmpfs, so it vanishes on reboot.
  await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  return accounts;
}

async function keygen(file: string, comment: string, type = 'ed25519'): Promise<string> {
  await run('ssh-keygen', ['-q', '-N', '', '-t', type, '-C', comment, '-f', file]);
  return (await fs.readFile(`${file}.pub`, 'utf8')).trim();
}

/** Built once (c-binary.ts), then copied into each instance dir, where the test users can run it. */
async function writeWrapper(out: string): Promise<void> {
  await fs.writeFile(out, await fs.readFile(await cBinary(WRAPPER_SRC)), { mode: 0o755 });
  await fs.chmod(out, 0o755);
}

/** "SHA256:..." exactly as `ssh-keygen -lf` prints it (unpadded base64). */
function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.split(/\s+/)[1], 'base64');
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const passwd = await checkPrerequisites();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scpipe-test-'));
  const jail = path.join(JAILS, path.basename(dir));
  try {
    return await setUp(dir, jail, passwd, opts);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(jail, { recursive: true, force: true });
    throw err;
  }
}

async function setUp(dir: string, jail: string, passwd: Record<string, PasswdEntry>, opts: SshdOptions): Promise<TestSshd> {
  // World-traversable so the test users can reach the wrapper, authorized_keys
  // and their upload dirs; secrets below are protected individually.
  await fs.chmod(dir, 0o755);
  await fs.mkdir(path.join(dir, 'keys'), { mode: 0o700 });
  await fs.mkdir(path.join(dir, 'authorized_keys'), { mode: 0o755 });
  await fs.mkdir(path.join(dir, 'files'), { mode: 0o755 });

  const hostPub = await keygen(path.join(dir, 'host_ed25519'), 'scpipe-test-host');
  if (opts.hostCertificateCA) {
    await run('ssh-keygen', ['-q', '-s', opts.hostCertificateCA, '-I', 'scpipe-test-host', '-h', '-n', '127.0.0.1,localhost', path.join(dir, 'host_ed25519.pub')]);
  }
  const ecdsaPub = opts.ecdsaHostKey ? await keygen(path.join(dir, 'host_ecdsa'), 'scpipe-test-host', 'ecdsa') : undefined;
  const wrongKeyPath = path.join(dir, 'keys', 'wrong');
  await keygen(wrongKeyPath, 'scpipe-test-wrong');

  const makeAccount = async (name: string, chroot?: string): Promise<TestAccount> => {
    const { uid, gid, home } = passwd[name];
    const keyPath = path.join(dir, 'keys', name);
    const publicKey = await keygen(keyPath, `${name}@scpipe-test`);
    // sshd reads AuthorizedKeysFile with the user's privileges.
    const ak = path.join(dir, 'authorized_keys', name);
    await fs.writeFile(ak, publicKey + '\n', { mode: 0o600 });
    await fs.chown(ak, uid, gid);
    const account: TestAccount = { name, home, keyPath, publicKey, uid, gid, chroot };
    accountDirs.set(account, dir);
    return account;
  };
  const user = await makeAccount(USER);
  const rssh = await makeAccount(RSSH);
  // The jail root is root's; the home inside it (where sshd chdirs after the
  // chroot) is the user's.
  await fs.mkdir(jail, { mode: 0o755 });
  await fs.chmod(jail, 0o755);
  const sftp = await makeAccount(SFTP, jail);
  const jailHome = path.join(jail, sftp.home);
  await fs.mkdir(path.join(jail, 'files'), { recursive: true, mode: 0o755 });
  await fs.mkdir(jailHome, { recursive: true, mode: 0o755 });
  await fs.chown(jailHome, sftp.uid, sftp.gid);

  await writeWrapper(path.join(dir, 'rssh-wrapper'));
  // The wrapper only logs into a file that already exists and is writable.
  const rsshLogPath = path.join(dir, 'rssh.log');
  await fs.writeFile(rsshLogPath, '', { mode: 0o644 });
  await fs.chown(rsshLogPath, rssh.uid, rssh.gid);

  await fs.writeFile(path.join(dir, 'rssh.conf'), 'allowscp\n', { mode: 0o644 });

  const configPath = path.join(dir, 'sshd_config');
  if (opts.banner !== undefined) await fs.writeFile(path.join(dir, 'banner'), opts.banner, { mode: 0o644 });
  await fs.writeFile(configPath, sshdConfig(dir, jail, opts), { mode: 0o644 });

  const { proc, port, log } = await launch(configPath);

  const knownHostsPath = path.join(dir, 'known_hosts');
  const [keyType, keyB64] = hostPub.split(/\s+/);
  await fs.writeFile(knownHostsPath, `[127.0.0.1]:${port} ${keyType} ${keyB64}\n`);

  let stopping: Promise<void> | undefined;
  const onExit = () => {
    // Last resort if jest exits without afterAll(stop): no orphaned sshd/dirs.
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(jail, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  return {
    host: '127.0.0.1',
    port,
    dir,
    knownHostsPath,
    hostKeyFingerprint: fingerprint(hostPub),
    ecdsaHostKey: ecdsaPub?.split(/\s+/).slice(0, 2).join(' '),
    user,
    rssh,
    sftp,
    wrongKeyPath,
    sshArgs: (account) => [
      '-F', '/dev/null',
      '-o', `Port=${port}`,
      '-o', `UserKnownHostsFile=${knownHostsPath}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityAgent=none',
      '-i', account.keyPath,
      '-o', `User=${account.name}`,
    ],
    rsshLog: async () =>
      (await fs.readFile(rsshLogPath, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const tab = line.indexOf('\t');
          return { accepted: line.slice(0, tab) === 'ACCEPT', command: line.slice(tab + 1).replace(/\\n/g, '\n') };
        }),
    setRsshAllowed: async (allowed) => {
      await fs.writeFile(path.join(dir, 'rssh.conf'), allowed.map((name) => `allow${name}\n`).join(''), { mode: 0o644 });
    },
    connectionPids: () => descendantPids(proc.pid!),
    logText: () => log.text,
    stop: () => {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        await kill(proc);
        await killMentioning(dir, port);
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rm(jail, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * A fresh empty directory owned by `account`, inside the instance dir (so
 * stop() removes it and parallel instances never share it), or inside its
 * jail for a chrooted account (remotePath() gives the path it sees).
 * `name` becomes part of the directory name and may contain spaces, but no
 * slash.
 */
export async function userDir(account: TestAccount, name: string): Promise<string> {
  const dir = account.chroot ?? accountDirs.get(account);
  if (!dir) throw new Error(`userDir: ${account.name} does not belong to a running test sshd`);
  if (name.includes('/')) throw new Error(`userDir: name must not contain "/": ${name}`);
  const result = await fs.mkdtemp(path.join(dir, 'files', `${account.name}-${name}-`));
  await fs.chown(result, account.uid, account.gid);
  await fs.chmod(result, 0o755);
  return result;
}

/**
 * Gives `account` a random password for the duration of `fn` (root: chpasswd),
 * then makes it unusable again ('*', as scripts/install-test-deps.sh leaves it).
 * One at a time on the machine (password-lock.ts).
 */
export function withPassword<T>(account: TestAccount, fn: (password: string) => Promise<T>): Promise<T> {
  return withPasswordLock(async () => {
    const password = `pw-${crypto.randomBytes(12).toString('hex')}`;
    await new Promise<void>((resolve, reject) => {
      const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd failed: ${err}`))));
      child.stdin!.end(`${account.name}:${password}\n`);
    });
    try {
      return await fn(password);
    } finally {
      await run('usermod', ['-p', '*', account.name]);
    }
  });
}

/** The path `account` uses for `hostPath` over SSH: itself, or inside its chroot. */
export function remotePath(account: TestAccount, hostPath: string): string {
  if (!account.chroot) return hostPath;
  const rel = path.relative(account.chroot, hostPath);
  if (rel.startsWith('..')) throw new Error(`remotePath: ${hostPath} is outside ${account.name}'s chroot`);
  return '/' + rel;
}
