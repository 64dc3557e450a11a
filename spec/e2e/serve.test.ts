// `scpipe serve` against OpenSSH's own clients (scp -O, ssh) and against
// scpipe: transfers, refusals, many clients at once. Escape attempts:
// serve-confined.test.ts.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CLI, runCli, startCli } from '../helpers/cli';
import { servePerSuite, startServe } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';
import { runProgram, type ProgramRun } from '../helpers/run-program';

// 20 clients log in at once from one address, with one key, below: more
// than the default caps on unauthenticated connections (serve-flood.test.ts
// tests those) and on one key's connections (serve-per-key-limits.test.ts).
const serve = servePerSuite(['--max-startups', '64', '--max-per-address', '64', '--max-connections-per-key', '64']);
let local: string;
let outside: string; // must never be read or written through the server

const localDir = tempDirPerTest('scpipe-test-servelocal-');
const outsideDir = outsideDirPerTest();
beforeEach(() => {
  [local, outside] = [localDir(), outsideDir()];
});

const run = runProgram;
const scp = (...args: string[]): Promise<ProgramRun> => run('scp', ['-O', '-q', ...serve.sshArgs(), ...args]);
const ssh = (...args: string[]): Promise<ProgramRun> => run('ssh', [...serve.sshArgs(), '127.0.0.1', ...args]);
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('serve with OpenSSH scp -O', () => {
  it('takes an upload and gives it back', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    await writeFile(join(local, 'up.bin'), data);
    expect(await scp(join(local, 'up.bin'), '127.0.0.1:/up.bin')).toMatchObject({ status: 0 });
    expect(sha(await readFile(join(serve.root, 'up.bin')))).toBe(sha(data));
    expect(await scp('127.0.0.1:up.bin', join(local, 'down.bin'))).toMatchObject({ status: 0 });
    expect(sha(await readFile(join(local, 'down.bin')))).toBe(sha(data));
  });

  it('copies -r -p trees both ways with contents, modes and times', async () => {
    await mkdir(join(local, 'tree', 'sub'), { recursive: true });
    await writeFile(join(local, 'tree', 'a b.txt'), 'spaces');
    await writeFile(join(local, 'tree', 'sub', 'x'), 'x');
    await chmod(join(local, 'tree', 'sub', 'x'), 0o640);
    await utimes(join(local, 'tree', 'sub', 'x'), 1400000000, 1500000000); // atime, mtime
    expect(await scp('-r', '-p', join(local, 'tree'), '127.0.0.1:/')).toMatchObject({ status: 0 });
    const st = await stat(join(serve.root, 'tree', 'sub', 'x'));
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.mtimeMs).toBe(1500000000000);
    expect(await readFile(join(serve.root, 'tree', 'a b.txt'), 'utf8')).toBe('spaces');
    expect(await scp('-r', '-p', '127.0.0.1:/tree', join(local, 'back'))).toMatchObject({ status: 0 });
    expect((await stat(join(local, 'back', 'sub', 'x'))).mtimeMs).toBe(1500000000000);
    expect(await readFile(join(local, 'back', 'a b.txt'), 'utf8')).toBe('spaces');
  });

  it('handles a name with spaces quoted by hand, as scp -O users must', async () => {
    await writeFile(join(local, 'f'), 'quoted');
    expect(await scp(join(local, 'f'), "127.0.0.1:'/with space'")).toMatchObject({ status: 0 });
    expect(await readFile(join(serve.root, 'with space'), 'utf8')).toBe('quoted');
  });

  // As OpenSSH's scp -t, whose open("nodir/") fails: storing the file as
  // `nodir` would let the next night's upload replace it, exit 0 each time.
  it('refuses a file to DIR/ where DIR is missing or a file; a tree with -r makes DIR', async () => {
    await writeFile(join(local, 'f'), 'new');
    await writeFile(join(serve.root, 'file'), 'old');
    await symlink(outside, join(serve.root, 'out'));
    for (const [name, why] of [['nodir', 'No such file or directory'], ['file', 'Not a directory']]) {
      expect(await scp(join(local, 'f'), `127.0.0.1:/${name}/`)).toMatchObject({ status: 1, stderr: `scp: /${name}/: ${why}\n` });
    }
    expect((await scp(join(local, 'f'), '127.0.0.1:/out/')).status).toBe(1);
    expect(await readdir(outside)).toEqual(['secret']);
    expect(await readFile(join(serve.root, 'file'), 'utf8')).toBe('old');
    expect(await readdir(serve.root)).not.toContain('nodir');
    await mkdir(join(local, 'tree'));
    await writeFile(join(local, 'tree', 'g'), 'g');
    expect(await scp('-r', join(local, 'tree'), '127.0.0.1:/made/')).toMatchObject({ status: 0 });
    expect(await readFile(join(serve.root, 'made', 'g'), 'utf8')).toBe('g');
    for (const name of ['file', 'out', 'made']) await rm(join(serve.root, name), { recursive: true });
  });

  // pscp -scp reads neither stderr nor the exit status: `pscp -scp
  // 'host:/d/*.txt' .` copied nothing and exited 0 when the refusal was only there.
  it('refuses an scp command it will not run in the protocol too, where every scp client reads it', async () => {
    const r = await ssh('scp -f /*.txt');
    expect(r).toMatchObject({ status: 1, stdout: '\x01scp: scpipe serve: wildcards are not expanded\n' });
    expect(await scp('127.0.0.1:/*.txt', local)).toMatchObject({ status: 1, stderr: 'scp: scpipe serve: wildcards are not expanded\n' });
    expect((await ssh('scp -qt /x')).stdout).toBe('\x01scp: scpipe serve: option not allowed: -qt\n');
  });

  // OpenSSH's `scp -R a:f b:g` runs `scp f b:g` on a, which was refused as
  // `one of -f or -t is required`. ssh relays the \1 line to the terminal.
  it('tells scp -R that it copies from one remote to another only through the client\'s host', async () => {
    await writeFile(join(serve.root, 'f'), 'f');
    for (const mode of [[], ['-O']]) {
      const r = await run('scp', [...mode, '-q', '-R', ...serve.sshArgs(), '127.0.0.1:f', '127.0.0.1:g']);
      expect(r).toMatchObject({ status: 1, stdout: '\x01scp: scpipe serve: remote-to-remote copies (scp -R) are not run here: copy through your own host with scp -3\n' });
    }
    await expect(stat(join(serve.root, 'g'))).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(join(serve.root, 'f'));
  });

  it('refuses a shell command, an interactive shell and subsystems other than sftp', async () => {
    const r = await ssh('ls', '/');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This account is restricted by scpipe serve.');
    const sh = await ssh('-T');
    expect(sh.status).toBe(1);
    const other = await run('ssh', [...serve.sshArgs(), '-s', '127.0.0.1', 'netconf']);
    expect(other.status).not.toBe(0);
    expect(serve.log()).toContain('refused subsystem netconf');
  });

  // Logged at every refusal, -v or not: a subsystem name of 20 000 characters was a log line as long.
  it('logs a refused subsystem\'s name cut to 400 characters', async () => {
    const other = await run('ssh', [...serve.sshArgs(), '-s', '127.0.0.1', 'n'.repeat(20_000)]);
    expect(other.status).not.toBe(0);
    expect(serve.log()).toContain(`refused subsystem ${'n'.repeat(400)}…\n`);
  });
});

describe('serve with scpipe', () => {
  it('put, get and cp -r round trip', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    expect(await runCli(['put', ...serve.scpipeArgs(), 'me@127.0.0.1:/streams/s.bin'], { stdin: data })).toMatchObject({ status: 1 });
    await mkdir(join(serve.root, 'streams'));
    expect(await runCli(['put', ...serve.scpipeArgs(), 'me@127.0.0.1:/streams/s.bin'], { stdin: data })).toMatchObject({ status: 0, stderr: '' });
    const got = await runCli(['get', ...serve.scpipeArgs(), 'me@127.0.0.1:/streams/s.bin']);
    expect(got.status).toBe(0);
    expect(sha(got.stdout)).toBe(sha(data));
    expect(await runCli(['cp', '-r', '-p', ...serve.scpipeArgs(), 'me@127.0.0.1:/streams', local])).toMatchObject({ status: 0 });
    expect(sha(await readFile(join(local, 'streams', 's.bin')))).toBe(sha(data));
  });

  it('20 clients uploading distinct streams at once all land byte-exact', async () => {
    await mkdir(join(serve.root, 'many'));
    const streams = Array.from({ length: 20 }, (_, i) => randomBytes(256 * 1024 + i));
    const results = await Promise.all(
      streams.map((data, i) => runCli(['put', ...serve.scpipeArgs(), `me@127.0.0.1:/many/${i}.bin`], { stdin: data, timeoutMs: 120000 })),
    );
    expect(results.map((r) => r.status)).toEqual(streams.map(() => 0));
    for (const [i, data] of streams.entries()) expect(sha(await readFile(join(serve.root, 'many', `${i}.bin`)))).toBe(sha(data));
  });

  // The user's put is SIGKILLed mid-file: serve logs one failed upload and
  // keeps serving. Over SCP the partial file is removed; over SFTP the target
  // name is never created, and the client's temporary name stays (a killed
  // client cannot remove it; docs/serve.md).
  it.each([
    ['scp', ['-O', '--size', String(2 ** 30)], /upload \/dropped\.bin .*failed/g, []],
    ['sftp', ['--protocol', 'sftp'], /sftp upload \/\.dropped\.bin\.scpipe-\w+ .*failed/g, [expect.stringMatching(/^\.dropped\.bin\.scpipe-\w{6}$/)]],
  ])('survives a client that disconnects mid-file over %s, and logs it once', async (_protocol, args, logged, left) => {
    const endless = startCli(['put', ...serve.scpipeArgs(), ...args, 'me@127.0.0.1:/dropped.bin'], {
      stdin: Readable.from(
        (async function* () {
          for (;;) {
            yield Buffer.alloc(1 << 20);
            await new Promise((r) => setTimeout(r, 2));
          }
        })(),
      ),
    });
    await waitFor(async () => (await readdir(serve.root)).some((n) => n.includes('dropped')), 'the upload to start');
    endless.child.kill('SIGKILL');
    await endless.done;
    await waitFor(() => (serve.log().match(logged) ?? []).length > 0, 'the failed upload in the log');
    expect(serve.log().match(logged)).toHaveLength(1);
    // still healthy
    expect(await runCli(['put', ...serve.scpipeArgs(), 'me@127.0.0.1:/after.bin'], { stdin: 'ok' })).toMatchObject({ status: 0 });
    expect((await readdir(serve.root)).filter((n) => n.includes('dropped'))).toEqual(left);
  });
});

// Keys fenced in for sshd stay fenced in: a key only for another address or
// past its expiry cannot log in, and one with a forced command is skipped.
// User sees: the skipped line at start; exit 255 for the refused keys, and
// in serve's log the reason, in sshd's words.
describe('serve: authorized_keys options', () => {
  it('honours from= and expiry-time=, and skips a key with a forced command, saying so', async () => {
    const dir = localDir();
    for (const name of ['fenced', 'expired', 'cmd', 'ok']) execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(dir, name)]);
    const pub = async (name: string): Promise<string> => (await readFile(join(dir, `${name}.pub`), 'utf8')).trim();
    const keys = join(dir, 'keys');
    await writeFile(keys, [
      `from="10.9.9.9" ${await pub('fenced')}`,
      `expiry-time="20000101" ${await pub('expired')}`,
      `command="uptime",no-pty ${await pub('cmd')}`,
      `from="127.0.0.0/8",expiry-time="29990101" ${await pub('ok')}`,
    ].join('\n'));
    const s = await startServe(['--authorized-keys', keys]);
    try {
      expect(s.log()).toContain(`scpipe: ${keys} line 3: key skipped: command="…" cannot be kept by serve, which runs only scp and SFTP\n`);
      const put = (key: string) => runCli(['put', '-F', 'none', '-P', String(s.port), '-i', join(dir, key), '-o', `UserKnownHostsFile=${s.knownHostsPath}`, '-o', 'BatchMode=yes', `me@127.0.0.1:/${key}`], { stdin: key });
      for (const key of ['fenced', 'expired', 'cmd']) expect((await put(key)).status).toBe(255);
      expect(s.log()).toContain('Authentication tried for me with correct key but the key is not allowed from 127.0.0.1 (from="10.9.9.9")');
      expect(s.log()).toMatch(/Authentication tried for me with correct key but the key expired at 2000-01-01T\S+ \(expiry-time\)/);
      expect(await put('ok')).toMatchObject({ status: 0, stderr: '' });
      expect(await readdir(s.root)).toEqual(['ok']);
    } finally {
      await s.stop();
    }
  });
});

describe('serve: a keys file that is not there', () => {
  // User sees: exit 2, the errno's words (not Node's), and what to give instead.
  it('the default ~/.ssh/authorized_keys: a usage error that says which option names another', async () => {
    const home = join(localDir(), 'home');
    await mkdir(home);
    const r = await runCli(['serve', '--root', localDir(), '--addr', '127.0.0.1:0'], { env: { HOME: home } });
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: cannot read authorized keys ${join(home, '.ssh', 'authorized_keys')}: No such file or directory (name the keys with --authorized-keys FILE)\n` });
  });

  // The file the user named: telling them to name one would be no help.
  it('one given with --authorized-keys: a usage error naming the file, no advice to give the option', async () => {
    const missing = join(localDir(), 'no-such-keys');
    const r = await runCli(['serve', '--root', localDir(), '--addr', '127.0.0.1:0', '--authorized-keys', missing]);
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: cannot read authorized keys ${missing}: No such file or directory\n` });
  });
});

describe('serve host key', () => {
  // Starts serve with only --root and --no-auth; resolves with its first two log lines.
  async function firstLines(cache: string, root: string): Promise<string> {
    const child = spawn(process.execPath, [CLI, 'serve', '--root', root, '--addr', '127.0.0.1:0', '--no-auth'], {
      env: { ...process.env, XDG_CACHE_HOME: cache },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(() => /host key/.test(log), 'the host key line');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    return log;
  }

  it('is generated once in the cache directory, kept private, and reused', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'scpipe-test-cache-'));
    try {
      const first = await firstLines(cache, local);
      const path = join(cache, 'scpipe', 'serve_host_ed25519_key');
      expect(first).toMatch(new RegExp(`host key (SHA256:\\S+) \\(generated ${path}\\)`));
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const fingerprint = /host key (SHA256:\S+)/.exec(first)![1];
      const second = await firstLines(cache, local);
      expect(second).toContain(`host key ${fingerprint} (from ${path})`);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  // The log is read line by line: a path holding a line break must not make a second line.
  it('names a host key path that holds a line break escaped, on one line', async () => {
    const base = await mkdtemp(join(tmpdir(), 'scpipe-test-cache-'));
    try {
      const cache = join(base, 'two\nlines');
      await mkdir(cache);
      const first = await firstLines(cache, local);
      expect(first).toContain(`(generated ${base}/two\\nlines/scpipe/serve_host_ed25519_key)\n`);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('serve stops on a signal', () => {
  it.each([
    ['SIGINT', 130, 'interrupted by SIGINT'],
    ['SIGTERM', 0, 'stopped'], // how a service is stopped: sshd exits 0 too
    ['SIGHUP', 129, 'interrupted by SIGHUP'], // the terminal or SSH session that ran it is gone
  ] as const)('exits %s → %i after closing', async (name, status, last) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--root', local, '--addr', '127.0.0.1:0', '--no-auth'], {
      env: { ...process.env, XDG_CACHE_HOME: join(local, 'cache') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    await waitFor(() => /listening on/.test(log), 'serve to listen');
    child.kill(name);
    expect(await exited).toBe(status);
    expect(log).toContain(`scpipe: ${name}: shutting down\nscpipe: ${last}\n`);
  });
});

describe('serve and scpipe over IPv6', () => {
  it('listens on [::1] and takes a put to me@[::1]:path', async () => {
    const v6 = await startServe([], {}, '::1');
    try {
      const r = await runCli(['put', ...v6.scpipeArgs(), 'me@[::1]:/v6.txt'], { stdin: 'six' });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(v6.root, 'v6.txt'), 'utf8')).toBe('six');
    } finally {
      await v6.stop();
    }
  });
});

describe('serve with a password (--user and SCPIPE_SERVE_PASSWORD)', () => {
  it('lets the user in with SCPIPE_PASSWORD, and no one else', async () => {
    const pw = await startServe(['--user', 'backup', '--auth-failure-delay', '0.01'], { SCPIPE_SERVE_PASSWORD: 'correct horse' });
    try {
      const args = ['-F', 'none', '-P', String(pw.port), '-o', `UserKnownHostsFile=${pw.knownHostsPath}`, '-o', 'BatchMode=yes'];
      const ok = await runCli(['put', ...args, 'backup@127.0.0.1:/p.txt'], { stdin: 'pw', env: { SCPIPE_PASSWORD: 'correct horse' } });
      expect(ok).toMatchObject({ status: 0, stderr: '' });
      expect(await readFile(join(pw.root, 'p.txt'), 'utf8')).toBe('pw');
      const wrong = await runCli(['put', ...args, 'backup@127.0.0.1:/q.txt'], { stdin: 'x', env: { SCPIPE_PASSWORD: 'wrong' } });
      expect(wrong.status).toBe(255);
      expect(wrong.stderr).toMatch(/Permission denied/);
      const other = await runCli(['put', ...args, 'root@127.0.0.1:/r.txt'], { stdin: 'x', env: { SCPIPE_PASSWORD: 'correct horse' } });
      expect(other.status).toBe(255);
      expect(await readdir(pw.root)).toEqual(['p.txt']);
      // One line per login in sshd's words (docs/serve.md has the fail2ban regex).
      const logins = pw.log().split('\n').filter((l) => /^scpipe: (Accepted|Failed) /.test(l)).map((l) => l.replace(/port \d+/, 'port N'));
      expect(logins).toEqual([
        'scpipe: Accepted keyboard-interactive for backup from 127.0.0.1 port N ssh2',
        'scpipe: Failed keyboard-interactive for backup from 127.0.0.1 port N ssh2',
        'scpipe: Failed password for backup from 127.0.0.1 port N ssh2',
        'scpipe: Failed keyboard-interactive for invalid user root from 127.0.0.1 port N ssh2',
        'scpipe: Failed password for invalid user root from 127.0.0.1 port N ssh2',
      ]);
    } finally {
      await pw.stop();
    }
  });
});
